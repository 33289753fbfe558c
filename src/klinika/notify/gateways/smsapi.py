import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from smsapi.client import SmsApiPlClient
from smsapi.exception import SmsApiException

from klinika.notify.gateways.base import GatewayError, SmsGateway


class SmsApiGateway(SmsGateway):
    """SMSAPI.pl through its official client (smsapi-client); OAuth token from KLINIKA_SMSAPI_TOKEN."""

    name = "smsapi"

    def __init__(self, token: str | None = None, sender: str | None = None, timeout: int | None = None):
        token = token or settings.KLINIKA_SMSAPI_TOKEN
        if not token:
            raise ImproperlyConfigured(
                "KLINIKA_SMS_BACKEND=smsapi needs KLINIKA_SMSAPI_TOKEN (an SMSAPI.pl OAuth token)")
        self.client = SmsApiPlClient(access_token=token)
        # The sender name must be registered with SMSAPI first; empty: the account's default.
        self.sender = sender if sender is not None else settings.KLINIKA_SMS_SENDER
        self.timeout = timeout or settings.KLINIKA_SMSAPI_TIMEOUT

    def send(self, to: str, text: str) -> str:
        params = {"to": to, "message": text, "encoding": "utf-8", "timeout": self.timeout}
        if self.sender:
            params["from_"] = self.sender
        try:
            result = self.client.sms.send(**params)
        except SmsApiException as exc:
            # SMSAPI's messages name the problem ("Invalid phone number"); its error codes are stable.
            raise GatewayError(f"smsapi error {exc.code}: {exc.message}"[:300]) from None
        except requests.RequestException as exc:
            raise GatewayError(f"smsapi unreachable ({type(exc).__name__})") from None
        sent = next(iter(result.results), None)
        if sent is None or not sent.id:
            raise GatewayError("smsapi accepted nothing (no message id in the answer)")
        return str(sent.id)
