"""The page behind a waitlist offer's link: the clinic, date and time on offer, and Book / Decline.

Public (the patient has no login), reached through the reply-link address /r/<token>/ that
reminders use too: the token is the only key, and the page shows nothing a stranger holding
the phone should not see: no patient name, no doctor, no specialty.
"""
from django.utils.translation import gettext as _

from klinika.scheduling.link_pages import LinkPage
from klinika.scheduling.services import waitlist_offers

# Answered through reminder_views.reply, which tells an offer's token from a reminder's.
OFFER = LinkPage(
    template="scheduling/waitlist_offer_reply.html", page=waitlist_offers.offer_page,
    actions={"accept": waitlist_offers.accept_by_patient, "decline": waitlist_offers.decline_by_patient},
    closed=waitlist_offers.OfferClosed, choose=lambda: _("Choose Book or Decline."))
