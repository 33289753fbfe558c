"""E-mail backends chosen by KLINIKA_EMAIL_BACKEND besides Django's smtp: none, and the development ones.

The development ones are Django's, refused with KLINIKA_ENV=production before they write
anything (the file backend creates its directory as soon as it is built).
"""
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.console import EmailBackend as DjangoConsoleBackend
from django.core.mail.backends.filebased import EmailBackend as DjangoFileBackend

from klinika.notify.gateways.base import NotConfigured, refuse_in_production


class NotConfiguredEmailBackend(BaseEmailBackend):
    """The default until SMTP is set: every message fails (NotConfigured), nothing is written."""

    def send_messages(self, email_messages):
        if not email_messages or self.fail_silently:
            return 0
        raise NotConfigured("not configured: no e-mail server (set KLINIKA_EMAIL_BACKEND=smtp and EMAIL_HOST)")


class FileEmailBackend(DjangoFileBackend):
    def __init__(self, *args, **kwargs):
        refuse_in_production("KLINIKA_EMAIL_BACKEND=file")
        super().__init__(*args, **kwargs)


class ConsoleEmailBackend(DjangoConsoleBackend):
    def send_messages(self, email_messages):
        refuse_in_production("KLINIKA_EMAIL_BACKEND=console")
        return super().send_messages(email_messages)
