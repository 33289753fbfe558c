"""Development message backends write numbers, addresses and texts in clear: warn where real people may be."""
from django.conf import settings
from django.core import checks

PLAINTEXT_SMS = {"console", "file"}
PLAINTEXT_EMAIL = {"django.core.mail.backends.console.EmailBackend",
                   "django.core.mail.backends.filebased.EmailBackend"}


@checks.register(checks.Tags.security, deploy=True)
def development_backends_in_production(app_configs, **kwargs):
    """Run by `check --deploy`, and on HTTPS deployments (KLINIKA_HTTPS=1) by every command."""
    warnings = []
    if settings.KLINIKA_SMS_BACKEND in PLAINTEXT_SMS:
        warnings.append(checks.Warning(
            f"KLINIKA_SMS_BACKEND={settings.KLINIKA_SMS_BACKEND} keeps phone numbers and texts in clear "
            "(outbox file or console) and sends nothing.",
            hint="Set KLINIKA_SMS_BACKEND=smsapi and KLINIKA_SMSAPI_TOKEN in production.",
            id="notify.W001",
        ))
    if settings.EMAIL_BACKEND in PLAINTEXT_EMAIL:
        warnings.append(checks.Warning(
            "KLINIKA_EMAIL_BACKEND keeps e-mail addresses and texts in clear (outbox files or console) "
            "and sends nothing.",
            hint="Set KLINIKA_EMAIL_BACKEND=smtp and EMAIL_HOST etc. in production.",
            id="notify.W002",
        ))
    return warnings


def register():
    if getattr(settings, "SECURE", False):
        checks.register(development_backends_in_production, checks.Tags.security)
