"""The clinic a piece of work runs for.

Set by middleware (from the logged-in user), by the CLI (from --clinic) and by tasks
(from their arguments). Clinic-owned models refuse to be queried without it.
"""
import contextlib
from uuid import UUID

from klinika.crypto.scope import clinic_in_scope as _current_clinic
from klinika.crypto.scope import cross_clinic_reason, current_clinic_id  # noqa: F401 (the API is here)
from klinika.crypto.scope import cross_clinic_reason_in_scope as _cross_clinic_reason


class ClinicContextMissing(RuntimeError):
    """A clinic-owned table was queried with no clinic in context."""



def require_clinic_id() -> UUID:
    clinic_id = _current_clinic.get()
    if clinic_id is None:
        raise ClinicContextMissing(
            "No clinic in context: run this inside `clinic_context(clinic)` "
            "(the CLI takes --clinic, requests take the user's clinic)."
        )
    return clinic_id


@contextlib.contextmanager
def clinic_context(clinic):
    """Run a block for one clinic. Accepts a Clinic or its id."""
    clinic_id = getattr(clinic, "pk", clinic)
    if not isinstance(clinic_id, UUID):
        clinic_id = UUID(str(clinic_id))
    token = _current_clinic.set(clinic_id)
    try:
        yield clinic_id
    finally:
        _current_clinic.reset(token)


def set_clinic(clinic_id):
    """For long-lived contexts (middleware, CLI); returns a token for `reset_clinic`."""
    return _current_clinic.set(clinic_id)


def reset_clinic(token):
    _current_clinic.reset(token)


@contextlib.contextmanager
def cross_clinic(reason: str):
    """THE escape hatch: lets clinic-owned managers run unscoped.

    Only for vendor maintenance that reads no personal data (migrations of metadata,
    counting rows per clinic, the tenancy test itself). Grep for `cross_clinic(` to
    review every use.
    """
    if not reason or not reason.strip():
        raise ValueError("cross_clinic() needs a stated reason")
    token = _cross_clinic_reason.set(reason)
    try:
        yield
    finally:
        _cross_clinic_reason.reset(token)


@contextlib.contextmanager
def outside_any_clinic(reason: str):
    """No clinic in context, and the escape hatch open: for rows that belong to no clinic
    (the vendor's audit chain), even when called from inside a clinic's request."""
    token = _current_clinic.set(None)
    try:
        with cross_clinic(reason):
            yield
    finally:
        _current_clinic.reset(token)

