from klinika.notify.gateways.base import NotConfigured, SmsGateway


class NotConfiguredSmsGateway(SmsGateway):
    """The default until a real gateway is set: sends nothing, writes nothing, and every message fails.

    So a clinic sees "failed" on each reminder and a warning on the dashboard, never a
    "sent" for a message that went nowhere.
    """

    name = "none"
    reaches_phones = False

    def send(self, to: str, text: str) -> str:
        raise NotConfigured("not configured: no SMS gateway (set KLINIKA_SMS_BACKEND=smsapi and KLINIKA_SMSAPI_TOKEN)")
