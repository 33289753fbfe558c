"""Forms of the visit screen. They only carry text to the services, which hold every rule; the
services' errors are put back on the fields they name."""
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from klinika.records import validators
from klinika.records.models import Attachment

SEVERITY_CHOICES = [("", _("not stated")), ("mild", _("mild")), ("moderate", _("moderate")), ("severe", _("severe"))]


class ServiceErrorsMixin:
    def add_service_errors(self, exc: ValidationError):
        if not hasattr(exc, "error_dict"):
            for message in exc.messages:
                self.add_error(None, message)
            return
        for name, errors in exc.message_dict.items():
            for message in errors:
                self.add_error(name if name in self.fields else None, message)


class VitalsForm(ServiceErrorsMixin, forms.Form):
    """Text inputs, so '36,6' (the Polish decimal comma) is accepted; the service parses and checks."""

    bp_systolic = forms.CharField(required=False, max_length=10)
    bp_diastolic = forms.CharField(required=False, max_length=10)
    pulse = forms.CharField(required=False, max_length=10)
    temperature = forms.CharField(required=False, max_length=10)
    weight_kg = forms.CharField(required=False, max_length=10)
    height_cm = forms.CharField(required=False, max_length=10)
    pregnancy_week = forms.CharField(required=False, max_length=10)

    def __init__(self, *args, show_pregnancy=True, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            low, high, _decimals, label, unit = validators.VITALS[name]
            field.label = f"{label} ({unit.strip()})" if unit.strip() else label
            field.widget.attrs.update({"inputmode": "decimal", "autocomplete": "off", "size": 6})
        if not show_pregnancy:  # only female patients have a week of pregnancy to record
            del self.fields["pregnancy_week"]

    def values(self) -> dict:
        return {name: (self.data.get(name) or "").strip() for name in self.fields}


class AllergyForm(ServiceErrorsMixin, forms.Form):
    substance = forms.CharField(label=_("Substance"), max_length=200, required=False)
    reaction = forms.CharField(label=_("Reaction"), max_length=500, required=False)
    severity = forms.ChoiceField(label=_("Severity"), choices=SEVERITY_CHOICES, required=False)


class AttachmentForm(ServiceErrorsMixin, forms.Form):
    file = forms.FileField(label=_("File (PDF, JPEG or PNG)"), required=False)
    kind = forms.ChoiceField(label=_("What it is"), choices=Attachment.Kind.choices, initial=Attachment.Kind.SCAN)
    description = forms.CharField(label=_("Description"), max_length=500, required=False)


class AmendReasonForm(ServiceErrorsMixin, forms.Form):
    reason = forms.CharField(label=_("Reason for the amendment"), max_length=500, required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))
