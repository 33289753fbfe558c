"""Sending SMS and e-mail: every message is recorded (encrypted), sent, its outcome stored and audited.

These are building blocks for services that have already checked the policy (reminders,
e-document access codes, breach notices); they take no user. Plaintext contact data and
texts reach only the gateway: the OutboundMessage row holds them encrypted under the
recipient's subject key, the audit trail holds ids, and logs hold neither.

A message is recorded in one transaction, sent, and its outcome stored in a second one:
a network call inside a database transaction would hold the write lock (SQLite) or row
locks for as long as the gateway takes, and no transaction can take back a sent SMS.
A message found still "queued" was being sent when its process died.
"""
import logging
import re
import smtplib
from email.utils import formataddr, make_msgid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.core.validators import validate_email
from django.db import connections, router, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from klinika.audit.models import Action
from klinika.audit.services import record, record_many
from klinika.environments import is_production
from klinika.notify.gateways import GatewayError, NotConfigured, sms_gateway
from klinika.notify.models import OutboundMessage
from klinika.notify.phones import to_msisdn
from klinika.notify.scrub import scrub
from klinika.tenancy.context import clinic_context
from klinika.tenancy.models import Clinic

logger = logging.getLogger(__name__)

# SMSAPI splits long texts into at most 6 parts of 153 characters (GSM alphabet).
SMS_MAX_CHARS = 918
EMAIL_MAX_CHARS = 2000
_PURPOSE = re.compile(r"[a-z][a-z0-9-]{0,39}")


def send_sms(clinic, subject_ref, purpose: str, to: str, text: str, *, reference: str = "") -> OutboundMessage:
    """Send one SMS to `to` about the person `subject_ref` (None: not about a person).

    Bad input raises ValidationError before anything is stored; a gateway failure does not
    raise: the returned message has status "failed" and the reason in `error`.
    """
    number = to_msisdn(to)
    _check(purpose, text, SMS_MAX_CHARS, reference)
    gateway = sms_gateway()

    def send():
        if gateway.reaches_phones:
            _only_testers_outside_production(number)
        return gateway.send(number, text)

    return _deliver(clinic, OutboundMessage.Channel.SMS, gateway.name, subject_ref, purpose, number, text,
                    reference, send)


def send_email(clinic, subject_ref, purpose: str, to: str, text: str, *, subject: str = "",
               reference: str = "") -> OutboundMessage:
    """Send one plain-text e-mail through Django's configured EMAIL_BACKEND; as send_sms otherwise."""
    address = (to or "").strip()
    try:
        validate_email(address)
    except ValidationError:
        raise ValidationError(_("This is not an e-mail address a message can be sent to."), code="email") from None
    subject = " ".join(str(subject or "").split())  # no line breaks: they would forge mail headers
    _check(purpose, text, EMAIL_MAX_CHARS - len(subject) - 2, reference)
    clinic_obj = clinic if isinstance(clinic, Clinic) else Clinic.objects.get(pk=clinic)
    sender = formataddr((clinic_obj.name, settings.DEFAULT_FROM_EMAIL))
    message_id = make_msgid(domain=settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "localhost")

    def send():
        if settings.EMAIL_BACKEND not in EMAIL_BACKENDS_THAT_DELIVER_NOTHING:
            _only_testers_outside_production(address.lower())
        email = EmailMessage(subject, text, sender, [address], headers={"Message-ID": message_id},
                             connection=get_connection())
        try:
            if email.send() != 1:
                raise GatewayError("the mail backend accepted nothing")
        except smtplib.SMTPResponseException as exc:
            raise GatewayError(f"smtp error {exc.smtp_code}") from None
        except (smtplib.SMTPException, OSError) as exc:
            raise GatewayError(f"mail server unreachable or refused ({type(exc).__name__})") from None
        return message_id

    body = f"{subject}\n\n{text}" if subject else text
    return _deliver(clinic_obj, OutboundMessage.Channel.EMAIL, _email_gateway_name(), subject_ref, purpose,
                    address, body, reference, send)


# Mail backends that deliver to nobody: outbox files, the console, Django's test outbox, none.
EMAIL_BACKENDS_THAT_DELIVER_NOTHING = {
    "klinika.notify.mail.NotConfiguredEmailBackend", "klinika.notify.mail.FileEmailBackend",
    "klinika.notify.mail.ConsoleEmailBackend", "django.core.mail.backends.locmem.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend", "django.core.mail.backends.filebased.EmailBackend",
    "django.core.mail.backends.console.EmailBackend",
}


def _only_testers_outside_production(recipient: str) -> None:
    """A real gateway outside production: only KLINIKA_TEST_RECIPIENTS may get the message."""
    if is_production():
        return
    testers = set()
    for tester in settings.KLINIKA_TEST_RECIPIENTS:
        try:
            testers.add(tester.lower() if "@" in tester else to_msisdn(tester))
        except ValidationError:
            continue  # a mistyped tester's number matches nobody
    if recipient not in testers:
        raise NotConfigured(f"not sent: with KLINIKA_ENV={settings.KLINIKA_ENV} a real gateway sends only to "
                            "KLINIKA_TEST_RECIPIENTS (the people here are generated or anonymized)")


def _check(purpose, text, max_chars, reference):
    if not isinstance(purpose, str) or not _PURPOSE.fullmatch(purpose):
        raise ValidationError(_("A message needs a purpose: a short lowercase code such as “reminder”."),
                              code="purpose")
    if len(reference or "") > 80:
        raise ValidationError(_("The message reference is too long."), code="reference")
    if not isinstance(text, str) or not text.strip():
        raise ValidationError(_("The message is empty."), code="empty")
    if len(text) > max_chars:
        raise ValidationError(_("The message is too long: at most %(max)d characters.") % {"max": max_chars},
                              code="too_long")


def _email_gateway_name() -> str:
    return "email:" + settings.EMAIL_BACKEND.rsplit(".", 2)[-2][:34]


def _deliver(clinic, channel, gateway_name, subject_ref, purpose, recipient, body, reference, send):
    with clinic_context(clinic):
        with transaction.atomic():
            message = OutboundMessage(subject_ref=subject_ref, channel=channel, purpose=purpose, reference=reference,
                                      recipient=recipient, body=body, gateway=gateway_name)
            message.save()
        try:
            message.gateway_message_id = str(send())[:100]
            message.status, message.sent_at, message.error = OutboundMessage.Status.SENT, timezone.now(), ""
        except GatewayError as exc:
            message.status, message.error = OutboundMessage.Status.FAILED, scrub(exc.reason, recipient)
        except Exception as exc:  # noqa: BLE001 - a broken gateway must fail this message, not the batch
            # The exception's text may quote the recipient: log and keep its type only.
            logger.error("%s gateway raised %s for message %s", gateway_name, type(exc).__name__, message.pk)
            message.status, message.error = OutboundMessage.Status.FAILED, f"gateway failed ({type(exc).__name__})"
        with transaction.atomic():
            message.save(update_fields=["status", "gateway_message_id", "error", "sent_at"])
            sent = message.status == OutboundMessage.Status.SENT
            reason = f"{channel} {purpose} via {gateway_name}" + ("" if sent else f": {message.error}")
            record(Action.EXPORT, object_type="message", object_id=message.pk, subject_ref=subject_ref,
                   reason=reason, outcome="success" if sent else "failure")
    return message


# --- many SMS at once ------------------------------------------------------------------------
# A mass mailing (breach notices to thousands of patients) through the same steps as send_sms, a
# batch at a time: the batch's messages are recorded "queued" in one transaction, each is handed to
# the gateway, and the outcomes (and their audit events) are stored in a second one. A process that
# dies between the two leaves the batch "queued": its caller reconciles those with the gateway's own
# record, exactly as for a single message found queued.

def send_sms_many(clinic, purpose: str, items: list[tuple]) -> list:
    """`items`: (subject_ref, to, text, reference) tuples. Returns, per item in order, the
    OutboundMessage (sent or failed) or the ValidationError that kept it from being recorded."""
    gateway = sms_gateway()
    clinic_id = getattr(clinic, "pk", clinic)
    results: list = [None] * len(items)
    valid = []
    for position, (subject_ref, to, text, reference) in enumerate(items):
        try:
            number = to_msisdn(to)
            _check(purpose, text, SMS_MAX_CHARS, reference)
        except ValidationError as exc:
            results[position] = exc
            continue
        valid.append((position, OutboundMessage(clinic_id=clinic_id, subject_ref=subject_ref,
                                                channel=OutboundMessage.Channel.SMS,
                                                purpose=purpose, reference=reference, recipient=number, body=text,
                                                gateway=gateway.name)))
    if not valid:
        return results
    with clinic_context(clinic):
        with transaction.atomic():
            OutboundMessage.objects.bulk_create([message for _, message in valid])
        for position, message in valid:
            try:
                if gateway.reaches_phones:
                    _only_testers_outside_production(message.recipient)
                message.gateway_message_id = str(gateway.send(message.recipient, message.body))[:100]
                message.status, message.sent_at, message.error = OutboundMessage.Status.SENT, timezone.now(), ""
            except GatewayError as exc:
                message.status, message.error = OutboundMessage.Status.FAILED, scrub(exc.reason, message.recipient)
            except Exception as exc:  # noqa: BLE001 - a broken gateway must fail this message, not the batch
                logger.error("%s gateway raised %s for message %s", gateway.name, type(exc).__name__, message.pk)
                message.status, message.error = OutboundMessage.Status.FAILED, f"gateway failed ({type(exc).__name__})"
            results[position] = message
        with transaction.atomic():
            messages = [message for _, message in valid]
            _store_outcomes(messages)
            for outcome, status in (("success", OutboundMessage.Status.SENT),
                                    ("failure", OutboundMessage.Status.FAILED)):
                done = [("message", m.pk, m.subject_ref) for m in messages if m.status == status]
                record_many(Action.EXPORT, done, outcome=outcome,
                            reason=f"sms {purpose} via {gateway.name}" + ("" if outcome == "success" else ": failed"))
    return results


def _store_outcomes(messages: list) -> None:
    """status, gateway id, error and time of many messages in one executemany (bulk_update's CASE per row
    costs seconds per thousand)."""
    connection = connections[router.db_for_write(OutboundMessage)]
    fields = [OutboundMessage._meta.get_field(name) for name in ("status", "gateway_message_id", "error", "sent_at")]
    quote = connection.ops.quote_name
    sql = (f"UPDATE {quote(OutboundMessage._meta.db_table)} SET "
           + ", ".join(f"{quote(f.column)} = %s" for f in fields) + f" WHERE {quote('id')} = %s")
    rows = [[f.get_db_prep_save(getattr(m, f.attname), connection) for f in fields] + [m.pk] for m in messages]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
