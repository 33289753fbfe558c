"""Gateways that misbehave, chosen in tests by KLINIKA_SMS_BACKEND=tests.notify.gateways.<Name>."""
from klinika.notify.gateways.base import GatewayError, SmsGateway

# Numbers that make RefusingGateway fail; the rest it "sends".
REFUSED_NUMBERS: set[str] = set()


class RefusingGateway(SmsGateway):
    """Refuses, like a provider that rejects a number, and quotes the number in its reason."""

    name = "refusing"
    reaches_phones = False
    sent: list = []

    def send(self, to, text):
        if not REFUSED_NUMBERS or to in REFUSED_NUMBERS:
            raise GatewayError(f"number {to} is on the blacklist")
        RefusingGateway.sent.append((to, text))
        return f"ok-{len(RefusingGateway.sent)}"


class CrashingGateway(SmsGateway):
    """Fails in a way no gateway should: an unexpected exception that quotes the number."""

    name = "crashing"
    reaches_phones = False

    def send(self, to, text):
        raise RuntimeError(f"socket closed while sending to {to}")
