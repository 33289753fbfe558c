"""Whether messages reach anyone, and whether a development backend would keep them in clear.

`undelivered_channels` feeds the staff dashboard's warning; the checks feed `klinika check`
(and `klinika serve`, which refuses the unsafe ones in production).
"""
from django.conf import settings
from django.core import checks

from klinika.environments import register_deployment_check, register_unsafe_check

PLAINTEXT_SMS = {"console", "file",
                 "klinika.notify.gateways.console.ConsoleSmsGateway", "klinika.notify.gateways.file.FileSmsGateway"}
PLAINTEXT_EMAIL = {"klinika.notify.mail.ConsoleEmailBackend", "klinika.notify.mail.FileEmailBackend",
                   "django.core.mail.backends.console.EmailBackend",
                   "django.core.mail.backends.filebased.EmailBackend"}
NO_SMS = {"none", "klinika.notify.gateways.none.NotConfiguredSmsGateway"}
NO_EMAIL = {"klinika.notify.mail.NotConfiguredEmailBackend"}


def undelivered_channels() -> list[str]:
    """The channels ("sms", "email") on which nothing reaches a patient: none configured, or refused."""
    from klinika.environments import is_production

    channels = []
    if settings.KLINIKA_SMS_BACKEND in NO_SMS or (is_production() and settings.KLINIKA_SMS_BACKEND in PLAINTEXT_SMS):
        channels.append("sms")
    if settings.EMAIL_BACKEND in NO_EMAIL or (is_production() and settings.EMAIL_BACKEND in PLAINTEXT_EMAIL):
        channels.append("email")
    return channels


def development_backends(app_configs, **kwargs):
    """Unsafe: a backend that writes numbers, addresses and texts in clear (outbox files, console)."""
    found = []
    if settings.KLINIKA_SMS_BACKEND in PLAINTEXT_SMS:
        found.append(checks.Warning(
            f"KLINIKA_SMS_BACKEND={settings.KLINIKA_SMS_BACKEND} writes phone numbers and texts in clear "
            "(outbox file or console) and sends nothing; it is for `klinika demo` and the tests.",
            hint="Set KLINIKA_SMS_BACKEND=smsapi and KLINIKA_SMSAPI_TOKEN (or leave it unset: nothing is sent).",
            id="notify.W001",
        ))
    if settings.EMAIL_BACKEND in PLAINTEXT_EMAIL:
        found.append(checks.Warning(
            "KLINIKA_EMAIL_BACKEND writes e-mail addresses and texts in clear (outbox files or console) "
            "and sends nothing; it is for `klinika demo` and the tests.",
            hint="Set KLINIKA_EMAIL_BACKEND=smtp and EMAIL_HOST etc. (or leave it unset: nothing is sent).",
            id="notify.W002",
        ))
    return found


def gateways_not_configured(app_configs, **kwargs):
    """Not a leak (serve starts), but nobody gets reminders or access codes: `klinika check` says so
    in production, `check --deploy` everywhere, the dashboard always."""
    found = []
    if settings.KLINIKA_SMS_BACKEND in NO_SMS:
        found.append(checks.Warning(
            "No SMS gateway is configured: reminders, waitlist offers and e-document access codes "
            "by SMS are not sent (each is recorded as failed).",
            hint="Set KLINIKA_SMS_BACKEND=smsapi and KLINIKA_SMSAPI_TOKEN.",
            id="notify.W003",
        ))
    if settings.EMAIL_BACKEND in NO_EMAIL:
        found.append(checks.Warning(
            "No e-mail server is configured: messages by e-mail are not sent (each is recorded as failed).",
            hint="Set KLINIKA_EMAIL_BACKEND=smtp and EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD.",
            id="notify.W004",
        ))
    return found


def register():
    register_unsafe_check(development_backends)
    register_deployment_check(gateways_not_configured, "notify")

