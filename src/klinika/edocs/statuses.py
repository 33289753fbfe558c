"""What a document's status means, in words that say exactly what happened.

"signed" means signed in the clinic and waiting for the national platform: nothing is
registered until P1 (e-prescriptions, e-referrals) or ZUS (e-ZLA) has answered, and only
then does the access code work. "imported" is a document issued outside klinika (a previous
system's history, or a synthetic clinic's): klinika neither sent it nor saw an answer, so it
claims neither. Every place that shows a status (the panel, the API, the
printout, the history) takes its words from here.

Polish adjectives agree with the document: e-recepta (f.) "podpisana", a package of
e-recepty (pl.) "podpisane … czekają", e-skierowanie and e-ZLA (zwolnienie, n.) "podpisane".
The English msgids are the same for several documents; the gettext context tells them apart.
"""
from django.utils.translation import pgettext_lazy

from klinika.edocs.models import DocKind, DocStatus

PLATFORM = {DocKind.PRESCRIPTION: "P1", DocKind.REFERRAL: "P1", DocKind.SICK_LEAVE: "ZUS"}

# Written out in full, one literal context per document kind and number, so that makemessages finds each.
_TEXTS = {
    (DocKind.PRESCRIPTION, False): {
        DocStatus.DRAFT: pgettext_lazy("e-prescription status", "draft, not signed"),
        DocStatus.SIGNED: pgettext_lazy("e-prescription status", "signed, waiting to be sent to P1"),
        "stalled": pgettext_lazy("e-prescription status",
                                 "signed, NOT sent to P1: automatic retries stopped, send it again"),
        DocStatus.SUBMITTED: pgettext_lazy("e-prescription status", "sent to P1 (confirmed)"),
        DocStatus.REJECTED: pgettext_lazy("e-prescription status", "rejected by P1"),
        "rejected-because": pgettext_lazy("e-prescription status", "rejected by P1: %(reason)s"),
        DocStatus.CANCELLED: pgettext_lazy("e-prescription status", "cancelled"),
        DocStatus.IMPORTED: pgettext_lazy("e-prescription status",
                                          "issued outside klinika (imported history); not sent to P1 by klinika"),
    },
    (DocKind.PRESCRIPTION, True): {
        DocStatus.DRAFT: pgettext_lazy("e-prescriptions status", "draft, not signed"),
        DocStatus.SIGNED: pgettext_lazy("e-prescriptions status", "signed, waiting to be sent to P1"),
        "stalled": pgettext_lazy("e-prescriptions status",
                                 "signed, NOT sent to P1: automatic retries stopped, send it again"),
        DocStatus.SUBMITTED: pgettext_lazy("e-prescriptions status", "sent to P1 (confirmed)"),
        DocStatus.REJECTED: pgettext_lazy("e-prescriptions status", "rejected by P1"),
        "rejected-because": pgettext_lazy("e-prescriptions status", "rejected by P1: %(reason)s"),
        DocStatus.CANCELLED: pgettext_lazy("e-prescriptions status", "cancelled"),
        DocStatus.IMPORTED: pgettext_lazy("e-prescriptions status",
                                          "issued outside klinika (imported history); not sent to P1 by klinika"),
    },
    (DocKind.REFERRAL, False): {
        DocStatus.DRAFT: pgettext_lazy("e-referral status", "draft, not signed"),
        DocStatus.SIGNED: pgettext_lazy("e-referral status", "signed, waiting to be sent to P1"),
        "stalled": pgettext_lazy("e-referral status",
                                 "signed, NOT sent to P1: automatic retries stopped, send it again"),
        DocStatus.SUBMITTED: pgettext_lazy("e-referral status", "sent to P1 (confirmed)"),
        DocStatus.REJECTED: pgettext_lazy("e-referral status", "rejected by P1"),
        "rejected-because": pgettext_lazy("e-referral status", "rejected by P1: %(reason)s"),
        DocStatus.CANCELLED: pgettext_lazy("e-referral status", "cancelled"),
        DocStatus.IMPORTED: pgettext_lazy("e-referral status",
                                          "issued outside klinika (imported history); not sent to P1 by klinika"),
    },
    (DocKind.SICK_LEAVE, False): {
        DocStatus.DRAFT: pgettext_lazy("e-sick-leave status", "draft, not signed"),
        DocStatus.SIGNED: pgettext_lazy("e-sick-leave status", "signed, waiting to be sent to ZUS"),
        "stalled": pgettext_lazy("e-sick-leave status",
                                 "signed, NOT sent to ZUS: automatic retries stopped, send it again"),
        DocStatus.SUBMITTED: pgettext_lazy("e-sick-leave status", "sent to ZUS (confirmed)"),
        DocStatus.REJECTED: pgettext_lazy("e-sick-leave status", "rejected by ZUS"),
        "rejected-because": pgettext_lazy("e-sick-leave status", "rejected by ZUS: %(reason)s"),
        DocStatus.CANCELLED: pgettext_lazy("e-sick-leave status", "cancelled"),
        DocStatus.IMPORTED: pgettext_lazy("e-sick-leave status",
                                          "issued outside klinika (imported history); not sent to ZUS by klinika"),
    },
}


def describe(kind, status, *, many: bool = False, reason: str = "", stalled: bool = False) -> str:
    """The status in words; `many` for a package of several prescriptions, `reason` the platform's
    rejection reason, `stalled` for a signed document whose automatic retries have stopped."""
    kind = DocKind(kind)
    texts = _TEXTS[(kind, many and kind == DocKind.PRESCRIPTION)]
    status = str(status)
    if status == DocStatus.REJECTED and reason:
        return str(texts["rejected-because"]) % {"reason": reason}
    if status == DocStatus.SIGNED and stalled:
        return str(texts["stalled"])
    return str(texts.get(status, status))


def describe_document(kind, document, *, many: bool = False) -> str:
    return describe(kind, document.status, many=many, reason=document.last_error,
                    stalled=is_stalled(document))


def is_stalled(document) -> bool:
    """Signed, tried at least once, and no further automatic attempt planned."""
    return (document.status == DocStatus.SIGNED and document.submit_attempts > 0
            and document.next_attempt_at is None)


def is_registered(document) -> bool:
    """The platform confirmed it (its id and access code are valid from then on)."""
    return document.status == DocStatus.SUBMITTED and bool(document.platform_id)


def platform_name(kind) -> str:
    return PLATFORM[DocKind(kind)]
