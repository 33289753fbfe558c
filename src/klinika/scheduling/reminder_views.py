"""The page behind a reminder's link: the appointment's clinic, date and time, and Confirm / Cancel.
The same address serves the link in a waitlist offer (waitlist_offer_views), told apart by the token.

Public (the patient has no login): the token is the only key, and the page shows nothing a
stranger holding the phone should not see: no patient name, no doctor, no specialty.
"""
from django.http import Http404
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from klinika.scheduling import waitlist_offer_views
from klinika.scheduling.link_pages import LinkPage, answer
from klinika.scheduling.services import reminders, waitlist_offers

REMINDER = LinkPage(
    template="scheduling/reminder_reply.html", page=reminders.reply_page,
    actions={"confirm": reminders.confirm_by_patient, "cancel": reminders.cancel_by_patient},
    closed=reminders.LinkExpired, choose=lambda: _("Choose Confirm or Cancel."))


@never_cache
@require_http_methods(["GET", "POST"])
def reply(request, token):
    found = reminders.find_by_token(token)
    if found is None:
        offer = waitlist_offers.find_by_token(token)
        if offer is None:
            raise Http404
        return answer(request, waitlist_offer_views.OFFER, *offer)
    return answer(request, REMINDER, *found)
