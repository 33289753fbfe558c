import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from klinika.inputs import in_calendar
from klinika.scheduling.models import WEEKDAYS, AvailabilityException, Room, VisitType
from klinika.scheduling.services.setup import check_no_overlap
from klinika.scheduling.slots import local_date
from klinika.staff.forms import specialty_choices
from klinika.staff.models import Practitioner
from klinika.staff.services import list_practitioners


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def practitioner_label(p: Practitioner) -> str:
    specialties = ", ".join(s.name for s in p.specialties.all())
    name = f"{p.title} {p.staff.first_name} {p.staff.last_name}".strip()
    return f"{name} ({specialties})" if specialties else name


def practitioner_choices(user, empty=True):
    choices = [(p.pk, practitioner_label(p)) for p in list_practitioners(user)]
    return ([("", _("any"))] if empty else []) + choices


def visit_type_choices():
    return [(v.pk, f"{v.name} ({v.duration_minutes} min)") for v in VisitType.objects.order_by("name")]


def monday_of(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


class SlotSearchForm(forms.Form):
    specialty = forms.ChoiceField(label=_("Specialty"), required=False)
    practitioner = forms.TypedChoiceField(label=_("Practitioner"), required=False, coerce=int, empty_value=None)
    visit_type = forms.TypedChoiceField(label=_("Visit type"), coerce=int)
    week = forms.DateField(label=_("Week of"), required=False, widget=DateInput(), validators=[in_calendar])

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["specialty"].choices = [("", _("any"))] + specialty_choices()
        self.fields["practitioner"].choices = practitioner_choices(user)
        self.fields["visit_type"].choices = visit_type_choices()

    def clean_week(self):
        return monday_of(self.cleaned_data.get("week") or local_date(datetime.datetime.now(datetime.UTC)))


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason for cancelling"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))


class SettingsForm(forms.Form):
    reminder_days_ahead = forms.IntegerField(label=_("Send reminders this many days ahead"), min_value=1, max_value=5)
    planning_horizon_days = forms.IntegerField(label=_("Booking possible this many days ahead"), min_value=1,
                                               max_value=730)
    address = forms.CharField(label=_("Clinic address (printed on visit confirmations)"), max_length=200,
                              required=False)
    cancel_info = forms.CharField(label=_("How to cancel a visit (printed on visit confirmations)"), max_length=300,
                                  required=False, widget=forms.Textarea(attrs={"rows": 2}))


class RoomForm(forms.Form):
    name = forms.CharField(label=_("Room name"), max_length=60)


class VisitTypeForm(forms.Form):
    name = forms.CharField(label=_("Visit type"), max_length=80)
    code = forms.SlugField(label=_("Short code"), max_length=30, required=False)
    duration_minutes = forms.IntegerField(label=_("Length (minutes)"), min_value=5, max_value=480)


class WeeklyHoursForm(forms.Form):
    weekday = forms.TypedChoiceField(label=_("Day of the week"), choices=WEEKDAYS, coerce=int)
    start_time = forms.TimeField(label=_("From"), widget=TimeInput())
    end_time = forms.TimeField(label=_("To"), widget=TimeInput())
    slot_minutes = forms.IntegerField(label=_("Slot length (minutes)"), min_value=5, max_value=240, initial=15)
    visit_types = forms.TypedMultipleChoiceField(label=_("Visit types"), coerce=int,
                                                 widget=forms.CheckboxSelectMultiple)
    room = forms.TypedChoiceField(label=_("Room"), required=False, coerce=int, empty_value=None)
    valid_from = forms.DateField(label=_("Valid from"), widget=DateInput(), validators=[in_calendar])
    valid_until = forms.DateField(label=_("Valid until"), required=False, widget=DateInput(), validators=[in_calendar])

    def __init__(self, *args, practitioner=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.practitioner = practitioner
        self.fields["visit_types"].choices = visit_type_choices()
        self.fields["room"].choices = [("", "—")] + [(r.pk, r.name) for r in Room.objects.order_by("name")]

    def clean(self):
        data = super().clean()
        fields = ("weekday", "start_time", "end_time", "valid_from")
        if self.practitioner is not None and all(data.get(f) is not None for f in fields) \
                and data["end_time"] > data["start_time"]:
            try:
                check_no_overlap(self.practitioner, valid_until=data.get("valid_until"),
                                 **{f: data[f] for f in fields})
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    self.add_error(field, errors)
        return data


class ExceptionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=AvailabilityException.Kind.choices)
    starts_at = forms.DateTimeField(label=_("From"), widget=DateTimeInput(), validators=[in_calendar])
    ends_at = forms.DateTimeField(label=_("To"), widget=DateTimeInput(), validators=[in_calendar])
    slot_minutes = forms.IntegerField(label=_("Slot length (minutes), extra hours only"), required=False,
                                      min_value=5, max_value=240)
    visit_types = forms.TypedMultipleChoiceField(label=_("Visit types (extra hours; none = all)"), coerce=int,
                                                 required=False, widget=forms.CheckboxSelectMultiple)
    room = forms.TypedChoiceField(label=_("Room"), required=False, coerce=int, empty_value=None)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["visit_types"].choices = visit_type_choices()
        self.fields["room"].choices = [("", "—")] + [(r.pk, r.name) for r in Room.objects.order_by("name")]


class WaitlistForm(forms.Form):
    visit_type = forms.TypedChoiceField(label=_("Visit type"), coerce=int)
    specialty = forms.ChoiceField(label=_("Specialty"), required=False)
    practitioner = forms.TypedChoiceField(label=_("Practitioner"), required=False, coerce=int, empty_value=None)
    earliest = forms.DateField(label=_("From"), widget=DateInput(), validators=[in_calendar])
    latest = forms.DateField(label=_("Until"), widget=DateInput(), validators=[in_calendar])

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["specialty"].choices = [("", _("any"))] + specialty_choices()
        self.fields["practitioner"].choices = practitioner_choices(user)
        self.fields["visit_type"].choices = visit_type_choices()
