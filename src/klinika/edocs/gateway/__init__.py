"""The national platform a clinic submits to, chosen by KLINIKA_NATIONAL_PLATFORM (a dotted class path)."""
from django.conf import settings
from django.utils.module_loading import import_string

from klinika.edocs.gateway.base import (
    CancelResult,
    GatewayUnavailable,
    NationalPlatform,
    Submission,
    SubmitResult,
)

DEFAULT = "klinika.edocs.gateway.simulator.SimulatedPlatform"

__all__ = ["CancelResult", "GatewayUnavailable", "NationalPlatform", "Submission", "SubmitResult", "platform"]


def platform() -> NationalPlatform:
    return import_string(getattr(settings, "KLINIKA_NATIONAL_PLATFORM", DEFAULT))()
