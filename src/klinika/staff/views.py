from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from klinika.accounts.policy import can, require
from klinika.staff import services
from klinika.staff.forms import PractitionerForm, add_service_errors, specialty_choices


def practitioner_list(request):
    specialty = request.GET.get("specialty", "")
    practitioners = services.list_practitioners(request.user, specialty_code=specialty or None,
                                                active_only=not can(request.user, "staff.manage"))
    return render(request, "staff/practitioner_list.html", {
        "practitioners": practitioners, "specialties": specialty_choices(), "specialty": specialty,
        "may_manage": can(request.user, "staff.manage"),
    })


def practitioner_new(request):
    require(request.user, "staff.manage")
    choices = services.staff_who_may_practise(request.user)
    form = PractitionerForm(request.POST or None, staff_choices=choices)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.create_practitioner(request.user, staff_id=data["staff"], profession=data["profession"],
                                         title=data["title"], licence_number=data["licence_number"],
                                         specialty_codes=data["specialties"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Practitioner saved."))
            return redirect("staff:practitioners")
    status = 400 if request.method == "POST" else 200
    return render(request, "staff/practitioner_form.html", {"form": form, "editing": False}, status=status)


def practitioner_edit(request, practitioner_id):
    require(request.user, "staff.manage")
    practitioner = services.get_practitioner(request.user, practitioner_id)
    initial = {"profession": practitioner.profession, "title": practitioner.title,
               "licence_number": practitioner.licence_number, "is_active": practitioner.is_active,
               "specialties": [s.code for s in practitioner.specialties.all()]}
    form = PractitionerForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_practitioner(request.user, practitioner.pk, profession=data["profession"],
                                         title=data["title"], licence_number=data["licence_number"],
                                         specialty_codes=data["specialties"], is_active=data["is_active"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Practitioner saved."))
            return redirect("staff:practitioners")
    status = 400 if request.method == "POST" else 200
    return render(request, "staff/practitioner_form.html",
                  {"form": form, "editing": True, "practitioner": practitioner}, status=status)
