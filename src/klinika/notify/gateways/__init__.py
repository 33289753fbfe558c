"""SMS gateways, chosen by KLINIKA_SMS_BACKEND: none | console | file | smsapi (or a dotted class path)."""
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from klinika.notify.gateways.base import GatewayError, NotConfigured, SmsGateway

BACKENDS = {
    "none": "klinika.notify.gateways.none.NotConfiguredSmsGateway",
    "console": "klinika.notify.gateways.console.ConsoleSmsGateway",
    "file": "klinika.notify.gateways.file.FileSmsGateway",
    "smsapi": "klinika.notify.gateways.smsapi.SmsApiGateway",
}

__all__ = ["BACKENDS", "GatewayError", "NotConfigured", "SmsGateway", "sms_gateway"]


def sms_gateway() -> SmsGateway:
    """The configured gateway, built fresh (cheap), so a changed setting takes effect at once."""
    configured = settings.KLINIKA_SMS_BACKEND
    path = BACKENDS.get(configured, configured)
    if "." not in path:
        raise ImproperlyConfigured(
            f"KLINIKA_SMS_BACKEND={configured!r}: choose one of {', '.join(BACKENDS)} or a dotted class path"
        )
    return import_string(path)()
