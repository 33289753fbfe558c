"""Forms of the e-document dialogs. They only carry what was typed; the rules live in rules.py and
the services, whose ValidationErrors are put back on the fields here (`add_service_errors`).
"""
from django import forms
from django.utils.translation import gettext_lazy as _

from klinika.edocs import rules
from klinika.edocs.services import CancelReason

UI_ROWS = rules.MAX_PER_PACKAGE
# More rows than a package may hold are read (and refused by the rules with a message that counts them).
MAX_ROWS = 20


def _choices(mapping):
    return [(key, label) for key, label in mapping.items()]


def _text(label, max_length=120, **attrs):
    return forms.CharField(label=label, required=False, max_length=max_length * 2,
                           widget=forms.TextInput(attrs={"autocomplete": "off", **attrs}))


class PrescriptionItemForm(forms.Form):
    drug_id = forms.CharField(required=False, widget=forms.HiddenInput)
    drug_name = _text(_("Drug"), 120)
    strength = _text(_("Strength"), 60)
    form = _text(_("Form"), 60)
    pack_size = _text(_("Pack size"), 60)
    gtin = _text(_("GTIN/EAN"), 14, inputmode="numeric")
    category = forms.ChoiceField(label=_("Drug category"), required=False, choices=rules.DrugCategory.choices)
    dosage = _text(_("Dosage"), 300)
    quantity = forms.CharField(label=_("Quantity (packs)"), required=False, initial="1",
                               widget=forms.NumberInput(attrs={"min": 1, "max": rules.MAX_PACKS}))
    payment_level = forms.ChoiceField(label=_("Payment level"), required=False,
                                      choices=_choices(rules.PAYMENT_LEVELS))
    entitlement = forms.ChoiceField(label=_("Entitlement"), required=False, choices=_choices(rules.ENTITLEMENTS))
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=rules.RxKind.choices)
    no_substitution = forms.BooleanField(label=_("Do not substitute"), required=False)
    valid_from = forms.CharField(label=_("Valid from"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    validity_days = forms.CharField(label=_("Validity (days)"), required=False,
                                    widget=forms.NumberInput(attrs={"min": 1, "max": rules.MAX_VALIDITY_DAYS}))
    supply_days = forms.CharField(label=_("Supply (days)"), required=False,
                                  widget=forms.NumberInput(attrs={"min": 1, "max": rules.MAX_SUPPLY_DAYS}))

    @property
    def builtin_drug(self):
        """The built-in list's drug this row names (None for free entry)."""
        from klinika.edocs.models import Drug

        value = str(self["drug_id"].value() or "")
        return Drug.objects.filter(pk=int(value)).first() if value.isdigit() else None

    def is_blank(self) -> bool:
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return not any(str(data.get(name) or "").strip() for name in ("drug_id", "drug_name", "dosage", "gtin"))

    def service_data(self) -> dict:
        return {name: value for name, value in self.cleaned_data.items()}


def prescription_rows(data=None, count=1) -> list[PrescriptionItemForm]:
    """`count` row forms (prefix rx-1 … rx-N) bound to `data` when given."""
    count = max(1, min(count, MAX_ROWS))
    return [PrescriptionItemForm(data, prefix=f"rx-{n}") for n in range(1, count + 1)]


def rows_in(data) -> int:
    """How many rows a posted form has (its highest rx-N prefix)."""
    found = [int(key.split("-")[1]) for key in data if key.startswith("rx-") and key.split("-")[1].isdigit()]
    return max(found, default=1)


class ReferralForm(forms.Form):
    kind = forms.ChoiceField(label=_("Referral kind"), choices=_choices(rules.REFERRAL_KINDS), required=False)
    icd10 = _text(_("Diagnosis (ICD-10)"), 10)
    icd9 = _text(_("Procedures (ICD-9-PL, separated by commas)"), 200)
    target_specialty = forms.ChoiceField(label=_("Specialty"), required=False)
    purpose = forms.CharField(label=_("Purpose"), required=False, max_length=1000,
                              widget=forms.Textarea(attrs={"rows": 2}))
    tests_done = forms.CharField(label=_("Tests done"), required=False, max_length=4000,
                                 widget=forms.Textarea(attrs={"rows": 2}))
    cito = forms.BooleanField(label=_("Urgent (cito)"), required=False)

    def __init__(self, *args, **kwargs):
        from klinika.staff.models import Specialty

        super().__init__(*args, **kwargs)
        self.fields["target_specialty"].choices = [("", "—")] + [(s.code, str(s)) for s in Specialty.objects.all()]


class SickLeaveForm(forms.Form):
    date_from = forms.CharField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.CharField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    icd10 = _text(_("Diagnosis (ICD-10)"), 10)
    letter_codes = forms.MultipleChoiceField(label=_("Letter codes"), required=False,
                                             choices=_choices(rules.LETTER_CODES),
                                             widget=forms.CheckboxSelectMultiple)
    omit_codes = forms.MultipleChoiceField(label=_("Leave out at the patient's request"), required=False,
                                           choices=[("B", "B"), ("D", "D")], widget=forms.CheckboxSelectMultiple)
    indication = forms.ChoiceField(label=_("Indication"), required=False, choices=_choices(rules.INDICATIONS),
                                   widget=forms.RadioSelect)
    payer_nip = _text(_("Payer's NIP"), 13, inputmode="numeric")


class CancelForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=_choices(CancelReason.CHOICES))


def add_service_errors(form, exc, *, rename=None):
    """Put a service's ValidationError on the form: field messages on fields, the rest on the form."""
    rename = rename or {}
    if not hasattr(exc, "message_dict"):
        form.add_error(None, exc.messages)
        return
    for key, messages in exc.message_dict.items():
        name = rename.get(key, key)
        form.add_error(name if name in form.fields else None, messages)


def add_package_errors(rows, package_form, exc):
    """Errors keyed "items.N.field" go to row N; "items" and the rest go to the package."""
    messages = exc.message_dict if hasattr(exc, "message_dict") else {"__all__": exc.messages}
    for key, texts in messages.items():
        parts = key.split(".")
        if len(parts) == 3 and parts[0] == "items" and parts[1].isdigit() and 0 < int(parts[1]) <= len(rows):
            row = rows[int(parts[1]) - 1]
            name = {"drug": "drug_name"}.get(parts[2], parts[2])
            row.add_error(name if name in row.fields else None, texts)
        else:
            package_form.add_error(None, texts)
