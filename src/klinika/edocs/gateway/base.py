"""The national platform interface: P1 (e-prescriptions, e-referrals) and ZUS PUE (e-ZLA).

The real platforms need certificates, HL7 CDA documents and SOAP; an implementation of
`NationalPlatform` hides all of that. What crosses this interface is plain data (no model
objects), so a real client can be dropped in without touching the services.
"""
import datetime
from abc import ABC, abstractmethod
from dataclasses import dataclass, field


class GatewayUnavailable(Exception):
    """The platform could not be reached or did not answer: try again later. Nothing was decided."""


@dataclass(frozen=True)
class Submission:
    """One submission: a prescription package (1–5 prescriptions) or a single referral / e-ZLA."""

    kind: str                        # "rx" | "ref" | "zla"
    clinic_id: str
    issued_at: datetime.datetime
    issuer: dict                     # {"licence": NPWZ, "name"}
    patient: dict                    # {"pesel"} or {"document_type", "document_number"}; "sex", "birth_date"
    documents: list[dict]            # [{"number", "content"}] in package order
    access_code: str = ""            # rx and ref: the code the patient will give


@dataclass(frozen=True)
class SubmitResult:
    accepted: bool
    platform_ids: list[str] = field(default_factory=list)   # one per document, same order
    access_code: str = ""
    reason: str = ""  # why it was rejected: codes and field names, never personal data


@dataclass(frozen=True)
class CancelResult:
    accepted: bool
    reason: str = ""


class NationalPlatform(ABC):
    name: str = ""

    @abstractmethod
    def submit(self, submission: Submission) -> SubmitResult:
        """Register the documents; raise GatewayUnavailable when the platform cannot be reached."""

    @abstractmethod
    def cancel(self, kind: str, clinic_id: str, platform_id: str, reason: str) -> CancelResult:
        """Cancel one registered document; raise GatewayUnavailable when the platform cannot be reached."""

    @abstractmethod
    def status(self, kind: str, clinic_id: str, platform_id: str) -> str:
        """"registered", "cancelled" or "unknown"."""
