from django.http import JsonResponse
from django.shortcuts import render

from klinika.accounts.policy import allowed_actions, can
from klinika.notify.checks import undelivered_channels
from klinika.web.navigation import dashboard_sections


def dashboard(request):
    user = request.user
    return render(request, "web/dashboard.html", {
        "sections": dashboard_sections(user),
        "actions": allowed_actions(user),
        # Visits and their e-documents belong to one patient: they open from a list, not from here.
        "visits_hint": can(user, "records.view_clinical") or can(user, "edocs.issue"),
        # Everyone is told: staff would otherwise promise patients a reminder that never comes.
        "undelivered": undelivered_channels(),
    })


def healthz(request):
    return JsonResponse({"status": "ok"})
