"""Which clinic's keys may be used right now.

A key opens only values of the clinic in scope, unless a stated cross-clinic reason is open.
The variables live here, on the lowest floor, because decryption checks them on every value;
tenancy.context sets them (clinic_context, cross_clinic) and is the API everyone else uses.
"""
import contextvars
from uuid import UUID

clinic_in_scope: contextvars.ContextVar = contextvars.ContextVar("klinika_clinic", default=None)
cross_clinic_reason_in_scope: contextvars.ContextVar = contextvars.ContextVar("klinika_cross_clinic", default=None)


def current_clinic_id() -> UUID | None:
    return clinic_in_scope.get()


def cross_clinic_reason() -> str | None:
    return cross_clinic_reason_in_scope.get()
