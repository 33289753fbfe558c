from django import forms
from django.utils.translation import gettext_lazy as _

from klinika.staff.models import Profession, Specialty


def specialty_choices():
    return [(s.code, f"{s.code} {s.name}") for s in Specialty.objects.order_by("code")]


class PractitionerForm(forms.Form):
    staff = forms.TypedChoiceField(label=_("Member of staff"), coerce=int)
    profession = forms.ChoiceField(label=_("Profession"), choices=Profession.choices)
    title = forms.CharField(label=_("Title"), max_length=30, required=False, help_text=_("e.g. lek., dr n. med."))
    licence_number = forms.CharField(label=_("Licence number"), max_length=20,
                                     help_text=_("NPWZ for a doctor (7 digits); for a nurse or midwife 8 characters "
                                                 "ending in P or A."))
    specialties = forms.MultipleChoiceField(label=_("Specialties"), required=False,
                                            widget=forms.CheckboxSelectMultiple)
    is_active = forms.BooleanField(label=_("Sees patients"), required=False, initial=True)

    def __init__(self, *args, staff_choices=None, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["specialties"].choices = specialty_choices()
        if editing:
            del self.fields["staff"]
        else:
            del self.fields["is_active"]
            self.fields["staff"].choices = [("", "—")] + [(m.pk, f"{m.last_name} {m.first_name} ({m.user.username})")
                                                          for m in staff_choices or []]


def add_service_errors(form, exc):
    """A service's ValidationError on the form: under the field it names, else above the form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)
