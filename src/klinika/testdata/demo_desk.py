"""The demo clinic's staff at work: each seeding step runs as the member of staff who would do it.

A service called in a web request audits the logged-in user with the request's id; `working_as`
gives the demo's calls the same shape, one request id per action, so the audit trail of the demo
clinic reads like a day at a real desk.
"""
import contextlib
import itertools
import uuid
from dataclasses import dataclass, field

from klinika.accounts.models import User
from klinika.audit.context import Actor, acting_as


@contextlib.contextmanager
def working_as(user: User):
    with acting_as(Actor(user.pk, user.role, str(uuid.uuid4()))):
        yield user


def act(user: User, operation, *args, **kwargs):
    """operation(user, ...) as one action of `user` (services take the acting user first)."""
    with working_as(user):
        return operation(user, *args, **kwargs)


@dataclass
class Desk:
    """The demo clinic's logins: registrars take turns at the desk; the admin sets up schedules."""

    users: dict[str, User]
    _turns: itertools.cycle = field(init=False, repr=False)

    def __post_init__(self):
        self._turns = itertools.cycle(sorted(login for login in self.users if login.startswith("rejestracja")))

    @property
    def admin(self) -> User:
        return self.users["admin1"]

    @property
    def clinic(self):
        return self.admin.clinic

    def registrar(self) -> User:
        """The registrar whose turn it is."""
        return self.users[next(self._turns)]
