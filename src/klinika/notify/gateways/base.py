"""The SMS gateway interface: one method, one error type, so a real provider drops in."""
from abc import ABC, abstractmethod


class GatewayError(Exception):
    """The gateway did not take the message. `reason` says why, for the message's record.

    Gateways put no phone number or message text into the reason.
    """

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class SmsGateway(ABC):
    name: str = ""
    # A provider that texts real phones. Outside production such a gateway reaches only the
    # testers (KLINIKA_TEST_RECIPIENTS): generated patients' numbers are made up, yet each one
    # may belong to somebody.
    reaches_phones: bool = True

    @abstractmethod
    def send(self, to: str, text: str) -> str:
        """Hand one SMS to the gateway; return the gateway's id for it or raise GatewayError.

        `to` is an international number of digits only (48600100200).
        """


class NotConfigured(GatewayError):
    """No gateway may send: none is configured, or a development one is refused in production."""


def refuse_in_production(setting: str) -> None:
    """The development backends keep numbers, addresses and texts in clear: never with real people."""
    from klinika.environments import is_production

    if is_production():
        raise NotConfigured(f"not configured: {setting} keeps messages in clear and is refused with "
                            "KLINIKA_ENV=production (set a real gateway)")
