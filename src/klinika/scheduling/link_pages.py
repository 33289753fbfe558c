"""What the two pages behind a patient's link (/r/<token>/) share: a reminder's and a waitlist offer's.

The patient has no login: the token is the only key. Each page shows one thing and offers two
answers; an answer given is followed by a redirect to GET, so reloading does not send it again.
"""
from dataclasses import dataclass
from typing import Callable

from django.shortcuts import redirect, render

from klinika.audit.context import Actor, acting_as
from klinika.scheduling.services.reminders import PATIENT_LINK_ROLE
from klinika.tenancy.context import clinic_context


@dataclass(frozen=True)
class LinkPage:
    template: str
    page: Callable  # object id -> what the template shows
    actions: dict  # POST "action" -> function(object id)
    closed: type  # raised by an action when the link can no longer answer; carries .page
    choose: Callable  # -> the message for a POST without a known action


def answer(request, link: LinkPage, clinic_id, object_id):
    actor = Actor(None, PATIENT_LINK_ROLE, getattr(request, "request_id", ""))
    with clinic_context(clinic_id), acting_as(actor):
        if request.method == "POST":
            action = link.actions.get(request.POST.get("action", ""))
            if action is None:
                return _render(request, link, link.page(object_id), status=400, error=link.choose())
            try:
                action(object_id)
            except link.closed as closed:
                return _render(request, link, closed.page, status=410)
            return redirect(request.path)
        return _render(request, link, link.page(object_id))


def _render(request, link, page, status=200, error=None):
    response = render(request, link.template, {"page": page, "error": error}, status=status)
    # The token is in the address: keep it out of other sites' logs and out of search engines.
    # "same-origin", not "no-referrer": under no-referrer browsers post the page's own form with
    # "Origin: null", which the CSRF check refuses, and the patient could not answer at all.
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
