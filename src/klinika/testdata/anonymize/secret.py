"""The run's secret: every pseudonym and date offset is keyed by it, and it dies with the run."""
import hmac
import os


class SecretDestroyed(RuntimeError):
    """The run is over: its secret was destroyed and nothing more can be derived from it."""


class RunSecret:
    """32 random bytes for one anonymization run, held in a mutable buffer so `destroy()` can
    overwrite them in place (a bytes object would leave its copy to the garbage collector).
    Without the secret nobody, the operator included, can recompute a pseudonym from an
    identifier or an offset from a patient, so the dataset cannot be joined back to the source."""

    def __init__(self, key: bytes | None = None):
        self._key: bytearray | None = bytearray(key if key is not None else os.urandom(32))

    @property
    def destroyed(self) -> bool:
        return self._key is None

    def digest(self, purpose: str, value: str) -> bytes:
        """HMAC-SHA256 of `value` under the run's key, separated by purpose (names, PESEL, …)
        so equal inputs for different purposes give unrelated outputs."""
        if self._key is None:
            raise SecretDestroyed("the run's secret was destroyed: start a new anonymization run")
        return hmac.digest(bytes(self._key), f"{purpose}\x00{value}".encode(), "sha256")

    def number(self, purpose: str, value: str) -> int:
        """A 64-bit integer drawn from the digest (to index a list or pick a serial)."""
        return int.from_bytes(self.digest(purpose, value)[:8], "big")

    def destroy(self) -> None:
        if self._key is not None:
            for i in range(len(self._key)):
                self._key[i] = 0
            self._key = None

    def __enter__(self) -> "RunSecret":
        return self

    def __exit__(self, *exc) -> None:
        self.destroy()
