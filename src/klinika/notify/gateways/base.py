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

    @abstractmethod
    def send(self, to: str, text: str) -> str:
        """Hand one SMS to the gateway; return the gateway's id for it or raise GatewayError.

        `to` is an international number of digits only (48600100200).
        """
