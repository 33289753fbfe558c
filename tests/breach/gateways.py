"""An SMS gateway for interruption tests: the file simulator that "crashes" after N accepted messages.

It crashes right after the gateway accepted a message, before anyone could record that it did: the
worst moment to die. SimulatedCrash is a BaseException, as a KeyboardInterrupt or SystemExit would be,
so no `except Exception` on the way swallows it."""
from klinika.notify.gateways.file import FileSmsGateway


class SimulatedCrash(BaseException):
    pass


class CrashingFileGateway(FileSmsGateway):
    crash_after = 0  # accepted messages before the crash; set by the test
    accepted = 0

    def send(self, to, text):
        message_id = super().send(to, text)
        cls = type(self)
        cls.accepted += 1
        if cls.accepted >= cls.crash_after:
            raise SimulatedCrash(f"crashed after {cls.accepted} accepted messages")
        return message_id
