"""Severity by the ENISA method (Recommendations for a methodology of the assessment of severity of
personal data breaches, v1.0, December 2013): SE = DPC × EI + CB.

- DPC, data processing context (1-4): the kind of data (simple 1, behavioural 2, financial 3,
  sensitive 4), adjusted for the context (a list of a clinic's patients says something about health;
  a volume of records per person that draws a profile; vulnerable people such as children).
- EI, ease of identification (0.25 negligible, 0.5 limited, 0.75 significant, 1 maximum).
- CB, circumstances of the breach, added up: loss of confidentiality (0, +0.25 to known recipients,
  +0.5 to unknown), of integrity and of availability (0, +0.25 recoverable, +0.5 permanent), malicious
  intent (+0.5).
- Levels: SE < 2 low, 2 <= SE < 3 medium, 3 <= SE < 4 high, SE >= 4 very high.

ENISA leaves unintelligibility (encryption with keys not exposed) outside the formula as a criterion
of its own; here it sets EI to negligible (nobody can tell whose a ciphertext is without the keys),
with the reason written out, and art. 34(3)(a) is decided by the scope, not by this score.
Each factor carries its value and its reason (codes rendered in the reader's language).
"""
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from klinika.breach import categories as cat
from klinika.breach.models import Loss, Recipients

LEVELS = (("low", 2.0), ("medium", 3.0), ("high", 4.0))
LEVEL_LABELS = {"low": _("low"), "medium": _("medium"), "high": _("high"), "very_high": _("very high")}

REASONS = {
    "dpc-health": _("Health data (art. 9 GDPR: visit records, diagnoses, e-documents or appointments with a "
                    "specialty): sensitive data, basic score 4."),
    "dpc-simple": _("Identification and contact data only: simple data, basic score 1."),
    "dpc-clinic": _("Being on a clinic's patient list itself suggests something about a person's health: +2."),
    "dpc-staff": _("Staff data only (names, contacts, licence numbers): simple data, basic score 1."),
    "dpc-none": _("No personal data of real people was involved: score 1 (the lowest)."),
    "ei-unintelligible": _("The data is ciphertext and the keys were not exposed: nobody can tell whose it "
                           "is. Negligible: 0.25."),
    "ei-full": _("Names with PESEL numbers (and addresses): the people are identified directly. Maximum: 1."),
    "ei-none": _("No real people: negligible, 0.25."),
    "cb-conf-none": _("Loss of confidentiality: none (0)."),
    "cb-conf-known": _("Loss of confidentiality: to a known, limited number of recipients (+0.25)."),
    "cb-conf-unknown": _("Loss of confidentiality: to an unknown number of recipients (+0.5)."),
    "cb-integrity-none": _("Loss of integrity: none (0)."),
    "cb-integrity-recoverable": _("Loss of integrity: data altered, recoverable (+0.25)."),
    "cb-integrity-permanent": _("Loss of integrity: data altered, not recoverable (+0.5)."),
    "cb-availability-none": _("Loss of availability: none (0)."),
    "cb-availability-recoverable": _("Loss of availability: temporary (+0.25)."),
    "cb-availability-permanent": _("Loss of availability: permanent (+0.5)."),
    "cb-malicious": _("Malicious intent (theft, an attack): +0.5."),
    "cb-accidental": _("No malicious intent (an error): 0."),
}
_LOSS = {Loss.NONE: 0.0, Loss.RECOVERABLE: 0.25, Loss.PERMANENT: 0.5}
_CONFIDENTIALITY = {Recipients.NONE: 0.0, Recipients.KNOWN: 0.25, Recipients.UNKNOWN: 0.5}


@dataclass
class Factor:
    value: float
    reasons: list = field(default_factory=list)  # codes of REASONS


@dataclass
class Severity:
    dpc: Factor
    ei: Factor
    cb: Factor

    @property
    def score(self) -> float:
        return round(self.dpc.value * self.ei.value + self.cb.value, 2)

    @property
    def level(self) -> str:
        return level_for(self.score)

    def as_dict(self) -> dict:
        return {"score": self.score, "level": self.level,
                **{name: {"value": f.value, "reasons": f.reasons} for name, f in
                   (("dpc", self.dpc), ("ei", self.ei), ("cb", self.cb))}}


def level_for(score: float) -> str:
    for level, below in LEVELS:
        if score < below:
            return level
    return "very_high"


def reason_text(code: str) -> str:
    return str(REASONS.get(code, code))


def assess(incident, scope: dict) -> Severity:
    """`scope` is Scope.as_dict() (what the incident stores)."""
    categories = set(scope.get("categories", {}))
    patients = scope.get("people", {}).get("patients", 0)
    if not categories:
        dpc = Factor(1.0, ["dpc-none"])
    elif categories & cat.HEALTH_CATEGORIES:
        dpc = Factor(4.0, ["dpc-health"])
    elif patients:
        dpc = Factor(3.0, ["dpc-simple", "dpc-clinic"])
    else:
        dpc = Factor(1.0, ["dpc-staff"])
    if not categories:
        ei = Factor(0.25, ["ei-none"])
    elif not scope.get("readable"):
        ei = Factor(0.25, ["ei-unintelligible"])
    else:
        ei = Factor(1.0, ["ei-full"])
    recipients = Recipients(incident.recipients)
    cb = Factor(_CONFIDENTIALITY[recipients], [f"cb-conf-{recipients.value}"])
    for kind, loss in (("integrity", incident.integrity_loss), ("availability", incident.availability_loss)):
        cb.value += _LOSS[Loss(loss)]
        cb.reasons.append(f"cb-{kind}-{Loss(loss).value}")
    cb.value += 0.5 if incident.malicious else 0.0
    cb.reasons.append("cb-malicious" if incident.malicious else "cb-accidental")
    return Severity(dpc, ei, cb)
