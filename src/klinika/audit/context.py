"""Who is acting and in which request: set once by middleware or the CLI, read by record()."""
import contextlib
import contextvars
from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    role: str
    request_id: str = ""


SYSTEM = Actor(None, "system")
_actor: contextvars.ContextVar = contextvars.ContextVar("klinika_actor", default=SYSTEM)
_batch: contextvars.ContextVar = contextvars.ContextVar("klinika_audit_batch", default=None)


def current_actor() -> Actor:
    return _actor.get()


@contextlib.contextmanager
def acting_as(actor: Actor):
    token = _actor.set(actor)
    try:
        yield actor
    finally:
        _actor.reset(token)


def current_batch() -> list | None:
    return _batch.get()


@contextlib.contextmanager
def batch_scope():
    token = _batch.set([])
    try:
        yield
    finally:
        _batch.reset(token)
