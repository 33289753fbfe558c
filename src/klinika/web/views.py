from django.http import JsonResponse
from django.shortcuts import render

from klinika.accounts.policy import allowed_actions


def dashboard(request):
    return render(request, "web/dashboard.html", {"actions": allowed_actions(request.user)})


def healthz(request):
    return JsonResponse({"status": "ok"})
