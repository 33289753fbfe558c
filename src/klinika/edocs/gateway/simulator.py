"""The offline simulator of P1 and ZUS: validates a submission the way the platform would and
answers with platform ids, an access code or a rejection reason.

It checks what the platform checks on its own (required fields, number formats, code
shapes, dates, NIP, package size, duplicate numbers), independently of the clinic-side
rules, so a document that got past them by some other path is still refused here.

Failures can be injected: `outage()` makes calls raise GatewayUnavailable (for the next N
calls or for a whole block), `rejecting(reason)` makes the next submissions be refused.
KLINIKA_PLATFORM_SIMULATOR_OUTAGE=1 keeps it down, to try the clinic's side by hand.
"""
import contextlib
import datetime
import hashlib
import json
import os
import re
import threading
import uuid

from stdnum import ean
from stdnum.pl import nip, pesel

from klinika.edocs.gateway.base import CancelResult, GatewayUnavailable, NationalPlatform, Submission, SubmitResult
from klinika.staff.validators import is_valid_npwz

NUMBER = {"rx": re.compile(r"RX-\d{4}-\d{6}"), "ref": re.compile(r"SK-\d{4}-\d{6}"),
          "zla": re.compile(r"ZLA-\d{4}-\d{6}")}
ID_PREFIX = {"rx": "P1-RX", "ref": "P1-SK", "zla": "ZUS-ZLA"}
ICD10 = re.compile(r"[A-Z][0-9]{2}(\.[0-9A-Z]{1,2})?")
ICD9 = re.compile(r"[0-9]{2}(\.[0-9]{1,3})?|[0-9]{2}\.[0-9]{1,2}\.[0-9]{1,3}")
PAYMENT_LEVELS = {"", "P", "B", "R", "30%", "50%", "100%"}
ENTITLEMENTS = {"", "S", "DZ", "C", "IB", "IW", "PO", "WP", "ZK", "AZ", "BW"}
RX_KINDS = {"ordinary", "pro_auctore", "pro_familiae"}
VALIDITY_LIMIT = {"antibiotic": 7, "immunological": 120}


class Faults:
    """What the simulator is told to get wrong. Shared by every instance in the process."""

    def __init__(self):
        self.lock = threading.Lock()
        self.outage_calls = 0        # calls still to fail; -1: every call until cleared
        self.reject_reason = ""
        self.reject_calls = 0

    def take_outage(self) -> bool:
        with self.lock:
            if os.environ.get("KLINIKA_PLATFORM_SIMULATOR_OUTAGE") == "1" or self.outage_calls < 0:
                return True
            if self.outage_calls > 0:
                self.outage_calls -= 1
                return True
            return False

    def take_rejection(self) -> str:
        with self.lock:
            if self.reject_calls:
                self.reject_calls -= 1
                return self.reject_reason
            return ""


faults = Faults()


@contextlib.contextmanager
def outage(calls: int | None = None):
    """The platform is down: for the next `calls` calls, or for the whole block when None."""
    with faults.lock:
        faults.outage_calls = -1 if calls is None else calls
    try:
        yield faults
    finally:
        with faults.lock:
            faults.outage_calls = 0


@contextlib.contextmanager
def rejecting(reason: str, calls: int = 1):
    with faults.lock:
        faults.reject_reason, faults.reject_calls = reason, calls
    try:
        yield faults
    finally:
        with faults.lock:
            faults.reject_reason, faults.reject_calls = "", 0


class _Registry:
    """What the simulated platform has registered: {(clinic, platform id): record}."""

    def __init__(self):
        self.lock = threading.Lock()
        self.documents: dict[tuple[str, str], dict] = {}
        # (clinic, kind, number) -> (fingerprint of the content, platform id)
        self.numbers: dict[tuple[str, str, str], tuple[str, str]] = {}


registry = _Registry()


class SimulatedPlatform(NationalPlatform):
    name = "simulator"

    def submit(self, submission: Submission) -> SubmitResult:
        if faults.take_outage():
            raise GatewayUnavailable("simulated outage: the platform did not answer")
        injected = faults.take_rejection()
        if injected:
            return SubmitResult(False, reason=injected)
        problems = validate(submission)
        clinic = str(submission.clinic_id)
        keys = [(clinic, submission.kind, str(document.get("number"))) for document in submission.documents]
        prints = [_fingerprint(document.get("content")) for document in submission.documents]
        with registry.lock:
            known = [registry.numbers.get(key) for key in keys]
            if not problems and all(known) and [k[0] for k in known] == prints:
                # The same documents again (a worker died before it heard the answer): the same answer.
                return SubmitResult(True, platform_ids=[k[1] for k in known], access_code=submission.access_code)
            problems += [f"REJ-DUPLICATE-NUMBER: document {n} has a number already registered"
                         for n, k in enumerate(known, start=1) if k]
            if problems:
                return SubmitResult(False, reason="; ".join(problems)[:300])
            ids = []
            for key, fingerprint in zip(keys, prints, strict=True):
                platform_id = f"{ID_PREFIX[submission.kind]}-{uuid.uuid4().hex[:20].upper()}"
                registry.documents[(clinic, platform_id)] = {"kind": submission.kind, "number": key[2],
                                                             "status": "registered"}
                registry.numbers[key] = (fingerprint, platform_id)
                ids.append(platform_id)
        return SubmitResult(True, platform_ids=ids, access_code=submission.access_code)

    def cancel(self, kind: str, clinic_id: str, platform_id: str, reason: str) -> CancelResult:
        if faults.take_outage():
            raise GatewayUnavailable("simulated outage: the platform did not answer")
        with registry.lock:
            record = registry.documents.get((str(clinic_id), platform_id))
            if record is None or record["kind"] != kind:
                return CancelResult(False, "REJ-UNKNOWN-DOCUMENT: no such document on the platform")
            if record["status"] == "cancelled":
                return CancelResult(False, "REJ-ALREADY-CANCELLED: the document was cancelled before")
            record["status"] = "cancelled"
        return CancelResult(True)

    def status(self, kind: str, clinic_id: str, platform_id: str) -> str:
        if faults.take_outage():
            raise GatewayUnavailable("simulated outage: the platform did not answer")
        with registry.lock:
            record = registry.documents.get((str(clinic_id), platform_id))
        return record["status"] if record and record["kind"] == kind else "unknown"


def _fingerprint(content) -> str:
    return hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()


# --- what the platform checks -----------------------------------------------------------------

def validate(submission: Submission) -> list[str]:
    kind = submission.kind
    if kind not in NUMBER:
        return ["REJ-KIND: unknown document kind"]
    problems = []
    count = len(submission.documents)
    if kind == "rx" and not 1 <= count <= 5:
        problems.append(f"REJ-PACKAGE-SIZE: a package holds 1 to 5 prescriptions, got {count}")
    elif kind != "rx" and count != 1:
        problems.append(f"REJ-PACKAGE-SIZE: one document per submission, got {count}")
    if not is_valid_npwz(str(submission.issuer.get("licence") or "")):
        problems.append("REJ-ISSUER: the issuer's licence number is not valid")
    problems += _patient_problems(submission.patient)
    if kind in ("rx", "ref") and not re.fullmatch(r"[0-9]{4}", submission.access_code or ""):
        problems.append("REJ-ACCESS-CODE: a 4-digit access code is required")
    check = {"rx": _rx_problems, "ref": _referral_problems, "zla": _sick_leave_problems}[kind]
    for n, document in enumerate(submission.documents, start=1):
        if not NUMBER[kind].fullmatch(str(document.get("number") or "")):
            problems.append(f"REJ-NUMBER-FORMAT: document {n}")
        content = document.get("content") or {}
        problems += [f"{problem} (document {n})" for problem in check(content, submission)]
    return problems


def _patient_problems(patient: dict) -> list[str]:
    if patient.get("pesel"):
        return [] if pesel.is_valid(patient["pesel"]) else ["REJ-PATIENT-ID: PESEL is not valid"]
    if patient.get("document_type") and patient.get("document_number"):
        return []
    return ["REJ-PATIENT-ID: the patient needs a PESEL or an identity document"]


def _day(value) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(str(value))
    except (TypeError, ValueError):
        return None


def _rx_problems(content: dict, submission: Submission) -> list[str]:
    problems = []
    drug = content.get("drug") or {}
    if not drug.get("name"):
        problems.append("REJ-DRUG: drug name missing")
    if drug.get("gtin") and not ean.is_valid(drug["gtin"]):
        problems.append("REJ-GTIN: check digit")
    if not content.get("dosage"):
        problems.append("REJ-DOSAGE: dosage missing")
    if not isinstance(content.get("quantity"), int) or not 1 <= content["quantity"] <= 99:
        problems.append("REJ-QUANTITY: quantity out of range")
    if content.get("payment_level") not in PAYMENT_LEVELS:
        problems.append("REJ-PAYMENT-LEVEL: unknown code")
    if content.get("entitlement") not in ENTITLEMENTS:
        problems.append("REJ-ENTITLEMENT: unknown code")
    if content.get("kind") not in RX_KINDS:
        problems.append("REJ-RX-KIND: unknown kind")
    issued, validity = _day(content.get("issued_on")), content.get("validity_days")
    start = _day(content["valid_from"]) if content.get("valid_from") else issued
    if issued is None or start is None or not isinstance(validity, int) or validity < 1:
        return problems + ["REJ-DATES: issue date, valid-from or validity missing"]
    if start < issued:
        problems.append("REJ-VALID-FROM: before the issue date")
    limit = VALIDITY_LIMIT.get(content.get("category"), 365)
    if validity > limit or (start - issued).days + validity > 365:
        problems.append(f"REJ-VALIDITY: more than {limit} days")
    if validity > 30 and limit == 365 and not (isinstance(content.get("supply_days"), int)
                                               and 1 <= content["supply_days"] <= 180):
        problems.append("REJ-SUPPLY: chronic therapy needs a supply of at most 180 days")
    return problems


def _referral_problems(content: dict, submission: Submission) -> list[str]:
    problems = []
    if content.get("kind") not in {"02.10", "02.11", "02.12"}:
        problems.append("REJ-REFERRAL-KIND: unknown kind")
    if not ICD10.fullmatch(str(content.get("icd10") or "")):
        problems.append("REJ-ICD10: diagnosis code missing or malformed")
    procedures = content.get("icd9") or []
    if any(not ICD9.fullmatch(str(code)) for code in procedures):
        problems.append("REJ-ICD9: procedure code malformed")
    if content.get("kind") == "02.10" and not procedures:
        problems.append("REJ-ICD9: a test or treatment referral needs a procedure")
    if not content.get("purpose"):
        problems.append("REJ-PURPOSE: purpose missing")
    return problems


def _sick_leave_problems(content: dict, submission: Submission) -> list[str]:
    problems = []
    start, end = _day(content.get("from")), _day(content.get("to"))
    issued = _day(content.get("reference_day") or content.get("issued_on"))
    if start is None or end is None or issued is None:
        return ["REJ-DATES: period or issue date missing"]
    if end < start:
        problems.append("REJ-PERIOD: ends before it starts")
    if (issued - start).days > 3:
        problems.append("REJ-BACKDATED: starts more than 3 days before issue")
    letters = set(content.get("letter_codes") or [])
    if (end - start).days + 1 > (270 if letters & {"B", "D"} else 182):
        problems.append("REJ-PERIOD: too long")
    if not ICD10.fullmatch(str(content.get("icd10") or "")):
        problems.append("REJ-ICD10: diagnosis code missing or malformed")
    if not letters <= set("ABCDE"):
        problems.append("REJ-LETTER-CODE: unknown code")
    if not set(content.get("omit_codes") or []) <= (letters & {"B", "D"}):
        problems.append("REJ-OMIT: only codes B and D on the document may be omitted")
    if content.get("indication") not in (1, 2):
        problems.append("REJ-INDICATION: must be 1 or 2")
    if not nip.is_valid(str(content.get("payer_nip") or "")):
        problems.append("REJ-PAYER: NIP is not valid")
    return problems
