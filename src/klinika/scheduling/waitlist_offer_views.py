"""The page behind a waitlist offer's link: the clinic, date and time on offer, and Book / Decline.

Public (the patient has no login), reached through the reply-link address /r/<token>/ that
reminders use too: the token is the only key, and the page shows nothing a stranger holding
the phone should not see: no patient name, no doctor, no specialty.
"""
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from klinika.audit.context import Actor, acting_as
from klinika.scheduling import waitlist_notify
from klinika.scheduling.reminders import PATIENT_LINK_ROLE
from klinika.tenancy.context import clinic_context

ACTIONS = {"accept": waitlist_notify.accept_by_patient, "decline": waitlist_notify.decline_by_patient}


def offer_reply(request, clinic_id, offer_id):
    """Called by reminder_views.reply for a token that belongs to an offer (it applies the method and cache rules)."""
    actor = Actor(None, PATIENT_LINK_ROLE, getattr(request, "request_id", ""))
    with clinic_context(clinic_id), acting_as(actor):
        if request.method == "POST":
            action = ACTIONS.get(request.POST.get("action", ""))
            if action is None:
                page = waitlist_notify.offer_page(offer_id)
                return _render(request, page, status=400, error=_("Choose Book or Decline."))
            try:
                action(offer_id)
            except waitlist_notify.OfferClosed as closed:
                return _render(request, closed.page, status=410)
            # Back to GET (which shows the outcome, "taken" included), so a reload does not answer again.
            return redirect(request.path)
        return _render(request, waitlist_notify.offer_page(offer_id))


def _render(request, page, status=200, error=None):
    response = render(request, "scheduling/waitlist_offer_reply.html", {"page": page, "error": error},
                      status=status)
    # The token is in the address: keep it out of other sites' logs and out of search engines.
    # "same-origin", not "no-referrer": under no-referrer browsers post the page's own form with
    # "Origin: null", which the CSRF check refuses (as on the reminder page, reminder_views).
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
