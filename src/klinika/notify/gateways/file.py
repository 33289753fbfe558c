import json
import os
import uuid
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from klinika.notify.gateways.base import GatewayError, SmsGateway, refuse_in_production


def sms_outbox_file() -> Path:
    return Path(settings.KLINIKA_OUTBOX_DIR) / "sms.jsonl"


class FileSmsGateway(SmsGateway):
    """The offline simulator: one JSON line per message in the outbox, for development and tests.

    It holds numbers and texts in clear, so it is for generated data only: `klinika demo` and
    the tests choose it; with KLINIKA_ENV=production it refuses to write.
    """

    name = "file"
    reaches_phones = False

    def __init__(self, path: Path | None = None):
        self.path = Path(path) if path else sms_outbox_file()

    def send(self, to: str, text: str) -> str:
        refuse_in_production("KLINIKA_SMS_BACKEND=file")
        message_id = f"file-{uuid.uuid4()}"
        line = json.dumps({"id": message_id, "to": to, "text": text, "at": timezone.now().isoformat()},
                          ensure_ascii=False) + "\n"
        try:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            # One write() of one line with O_APPEND: parallel workers never interleave lines.
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, line.encode())
            finally:
                os.close(fd)
        except OSError as exc:
            raise GatewayError(f"outbox file not writable ({exc.strerror or type(exc).__name__})") from None
        return message_id


def read_outbox(path: Path | None = None) -> list[dict]:
    """What the simulator has 'sent', oldest first."""
    path = Path(path) if path else sms_outbox_file()
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
