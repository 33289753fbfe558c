import sys
import uuid

from klinika.notify.gateways.base import SmsGateway, refuse_in_production
from klinika.notify.phones import mask


class ConsoleSmsGateway(SmsGateway):
    """For development: prints the message. The number is masked, since consoles end up in logs."""

    name = "console"
    reaches_phones = False

    def __init__(self, stream=None):
        self.stream = stream

    def send(self, to: str, text: str) -> str:
        refuse_in_production("KLINIKA_SMS_BACKEND=console")
        message_id = f"console-{uuid.uuid4()}"
        stream = self.stream or sys.stdout
        stream.write(f"[SMS {message_id} to {mask(to)}]\n{text}\n")
        stream.flush()
        return message_id
