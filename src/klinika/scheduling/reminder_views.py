"""The page behind a reminder's link: the appointment's clinic, date and time, and Confirm / Cancel.
The same address serves the link in a waitlist offer (waitlist_offer_views), told apart by the token.

Public (the patient has no login): the token is the only key, and the page shows nothing a
stranger holding the phone should not see: no patient name, no doctor, no specialty.
"""
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from klinika.audit.context import Actor, acting_as
from klinika.scheduling import reminders, waitlist_notify, waitlist_offer_views
from klinika.tenancy.context import clinic_context

ACTIONS = {"confirm": reminders.confirm_by_patient, "cancel": reminders.cancel_by_patient}


@never_cache
@require_http_methods(["GET", "POST"])
def reply(request, token):
    found = reminders.find_by_token(token)
    if found is None:
        offer = waitlist_notify.find_by_token(token)
        if offer is None:
            raise Http404
        return waitlist_offer_views.offer_reply(request, *offer)
    clinic_id, reminder_id = found
    actor = Actor(None, reminders.PATIENT_LINK_ROLE, getattr(request, "request_id", ""))
    with clinic_context(clinic_id), acting_as(actor):
        if request.method == "POST":
            action = ACTIONS.get(request.POST.get("action", ""))
            if action is None:
                page = reminders.reply_page(reminder_id)
                return _render(request, page, status=400, error=_("Choose Confirm or Cancel."))
            try:
                action(reminder_id)
            except reminders.LinkExpired as expired:
                return _render(request, expired.page, status=410)
            # Back to GET, so reloading the page does not send the answer again.
            return redirect(request.path)
        return _render(request, reminders.reply_page(reminder_id))


def _render(request, page, status=200, error=None):
    response = render(request, "scheduling/reminder_reply.html", {"page": page, "error": error}, status=status)
    # The token is in the address: keep it out of other sites' logs and out of search engines.
    # "same-origin", not "no-referrer": under no-referrer browsers post the page's own form with
    # "Origin: null", which the CSRF check refuses, and the patient could not answer at all.
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
