"""The registration / correction form. It only collects what was typed: the rules (and
their messages) are in patients/cleaning.py, shared with the API."""
from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from klinika.patients import validators as v
from klinika.patients.models import ContactChannel, DocumentType, GuardianRelation, Sex
from klinika.patients.services import CHANGE_REASONS

VALIDATE_URL = reverse_lazy("patients:validate")


def _choices(enum, blank):
    return [("", blank)] + list(enum.choices)


def _text(label, max_length=None, **attrs):
    if max_length:
        attrs["maxlength"] = max_length
    return forms.CharField(label=label, required=False, strip=False, widget=forms.TextInput(attrs=attrs))


def _select(label, choices):
    return forms.CharField(label=label, required=False, widget=forms.Select(choices=choices))


class PatientForm(forms.Form):
    first_name = _text(_("First name"), v.FIRST_NAME_MAX, autocomplete="off")
    last_name = _text(_("Last name"), v.LAST_NAME_MAX, autocomplete="off")
    pesel = _text(_("PESEL"), 11, inputmode="numeric", autocomplete="off")
    pesel_is_mothers = forms.BooleanField(label=_("This is the mother's PESEL (newborn without one of its own)"),
                                          required=False)
    birth_date = forms.CharField(label=_("Birth date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    sex = _select(_("Sex"), _choices(Sex, _("— read from PESEL —")))
    document_type = _select(_("Identity document"), _choices(DocumentType, _("— none —")))
    document_country = _text(_("Issuing country"), 2, placeholder="PL", autocomplete="off")
    document_number = _text(_("Document number"), 40, autocomplete="off")
    street = _text(_("Street"), 100)
    building = _text(_("Building"), 10)
    apartment = _text(_("Apartment"), 10)
    postal_code = _text(_("Postal code"), 10, placeholder="00-950")
    city = _text(_("City"), 60)
    country = _text(_("Country"), 2, placeholder="PL")
    phone = _text(_("Phone"), 30, inputmode="tel", autocomplete="off")
    email = forms.CharField(label=_("E-mail"), required=False, max_length=None,
                            widget=forms.EmailInput(attrs={"maxlength": v.EMAIL_MAX, "autocomplete": "off"}))
    consent_sms = forms.BooleanField(label=_("Agrees to SMS messages (reminders)"), required=False)
    consent_email = forms.BooleanField(label=_("Agrees to e-mail messages"), required=False)
    preferred_channel = _select(_("Preferred contact channel"), _choices(ContactChannel, _("— choose for me —")))
    guardian_id = forms.CharField(required=False, widget=forms.HiddenInput)
    guardian_identifier = _text(_("Legal guardian's PESEL or document number"), 40, autocomplete="off")
    guardian_relation = _select(_("Guardian is the patient's"), _choices(GuardianRelation, _("— choose —")))

    ADDRESS = ("street", "building", "apartment", "postal_code", "city", "country")
    SELECTS = ("sex", "document_type", "preferred_channel", "guardian_relation", "identifier_reason")

    def __init__(self, *args, validate_url=VALIDATE_URL, **kwargs):
        super().__init__(*args, **kwargs)
        for name, bound in self.fields.items():
            if isinstance(bound.widget, forms.HiddenInput):
                continue
            # Each field is checked as soon as the user leaves it (htmx): the answer replaces
            # the field's error slot, and a PESEL also fills in birth date and sex.
            bound.widget.attrs.update({
                "hx-post": str(validate_url),
                "hx-trigger": "change" if name in self.SELECTS or isinstance(bound, forms.BooleanField) else "blur",
                "hx-target": f"#error-{name}",
                "hx-swap": "outerHTML",
                "aria-describedby": f"error-{name}",
            })

    def service_data(self) -> dict:
        data = {name: value for name, value in self.cleaned_data.items() if name not in self.ADDRESS}
        data["address"] = {name: self.cleaned_data.get(name, "") for name in self.ADDRESS}
        return data

    def add_service_errors(self, error: ValidationError):
        """Put each message next to its field; messages about no field go on top."""
        if hasattr(error, "error_dict"):
            for name, errors in error.error_dict.items():
                self.add_error(name if name in self.fields else None, errors)
        else:
            self.add_error(None, error)

    @classmethod
    def initial_from(cls, values: dict) -> dict:
        initial = {name: value for name, value in values.items() if name != "address"}
        for name in cls.ADDRESS:
            initial[name] = (values.get("address") or {}).get(name, "")
        if hasattr(initial.get("birth_date"), "isoformat"):
            initial["birth_date"] = initial["birth_date"].isoformat()
        for name, value in list(initial.items()):
            if value is None:
                initial[name] = ""
        return initial

    def sections(self):
        """Fields grouped as the form shows them."""
        groups = [
            ("name", _("Name"), ["first_name", "last_name"]),
            ("identity", _("Identity"), ["pesel", "pesel_is_mothers", "birth_date", "sex", "document_type",
                                         "document_country", "document_number"]),
            ("address", _("Address"), list(self.ADDRESS)),
            ("contact", _("Contact and consents"), ["phone", "email", "consent_sms", "consent_email",
                                                    "preferred_channel"]),
            ("guardian", _("Legal guardian (required for patients under 18)"), ["guardian_identifier",
                                                                                "guardian_relation"]),
        ]
        if "identifier_reason" in self.fields:
            groups.append(("reason", _("Why the PESEL or document changes"), ["identifier_reason"]))
        return [(key, title, [self[name] for name in names]) for key, title, names in groups]


class PatientEditForm(PatientForm):
    identifier_reason = _select(_("Reason (only when the PESEL or document changes)"),
                                [("", _("— no identifier change —"))]
                                + [(reason.value, reason.label) for reason in CHANGE_REASONS])


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Find a patient"), required=False, max_length=200, strip=True,
                        widget=forms.TextInput(attrs={
                            "type": "search", "autocomplete": "off", "autofocus": True,
                            "placeholder": _("PESEL, document, phone, e-mail or surname [first name] [birth date]"),
                        }))
