"""The rules of Polish e-documents, applied before anything is stored.

Each `clean_*` takes what a form or the API sent and returns the document's content, or
raises a ValidationError keyed by field ("items.2.validity_days" for the second drug of a
prescription package) whose messages say exactly what is wrong.
"""
import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from klinika.edocs import validators as v
from klinika.edocs.holidays import add_working_days

# --- e-prescription -------------------------------------------------------------------------

MAX_PER_PACKAGE = 5
DEFAULT_VALIDITY_DAYS = 30
ANTIBIOTIC_VALIDITY_DAYS = 7
IMMUNOLOGICAL_VALIDITY_DAYS = 120
MAX_VALIDITY_DAYS = 365
MAX_SUPPLY_DAYS = 180
MAX_PACKS = 99

# "" is the highest payment level on the reimbursement list ("bezpłatny/ryczałt/..." do not apply).
PAYMENT_LEVELS = {
    "": gettext_lazy("as on the reimbursement list"),
    "P": gettext_lazy("P — free for the entitled"),
    "B": gettext_lazy("B — free"),
    "R": gettext_lazy("R — flat fee"),
    "30%": "30%",
    "50%": "50%",
    "100%": gettext_lazy("100% — not reimbursed"),
}
ENTITLEMENTS = {
    "": gettext_lazy("none"),
    "S": gettext_lazy("S — senior (65 and over)"),
    "DZ": gettext_lazy("DZ — child or young person under 18"),
    "C": gettext_lazy("C — pregnant woman"),
    "IB": gettext_lazy("IB — war invalid"),
    "IW": gettext_lazy("IW — military invalid"),
    "PO": gettext_lazy("PO — victim of repression"),
    "WP": gettext_lazy("WP — injured veteran"),
    "ZK": gettext_lazy("ZK — honorary blood donor or living organ donor"),
    "AZ": gettext_lazy("AZ — alternative military service"),
    "BW": gettext_lazy("BW — blind civilian victim of war"),
}


class RxKind(models.TextChoices):
    ORDINARY = "ordinary", gettext_lazy("ordinary")
    PRO_AUCTORE = "pro_auctore", gettext_lazy("pro auctore (for the doctor)")
    PRO_FAMILIAE = "pro_familiae", gettext_lazy("pro familiae (for the doctor's family)")


class DrugCategory(models.TextChoices):
    ORDINARY = "", gettext_lazy("other drug")
    ANTIBIOTIC = "antibiotic", gettext_lazy("antibiotic")
    IMMUNOLOGICAL = "immunological", gettext_lazy("immunological preparation (vaccine, allergen extract)")


def default_validity(category: str) -> int:
    return {DrugCategory.ANTIBIOTIC: ANTIBIOTIC_VALIDITY_DAYS,
            DrugCategory.IMMUNOLOGICAL: IMMUNOLOGICAL_VALIDITY_DAYS}.get(category, DEFAULT_VALIDITY_DAYS)


def valid_until(content: dict) -> datetime.date:
    """The last day a prescription can be dispensed (the first day counts)."""
    start = datetime.date.fromisoformat(content.get("valid_from") or content["issued_on"])
    return start + datetime.timedelta(days=int(content["validity_days"]) - 1)


def clean_prescriptions(items, *, patient, issued_on: datetime.date) -> list[dict]:
    if not isinstance(items, (list, tuple)) or not items:
        raise ValidationError({"items": _("A prescription package needs at least one drug.")})
    if len(items) > MAX_PER_PACKAGE:
        raise ValidationError({"items": _(
            "A package holds at most %(max)d prescriptions (one drug each); you entered %(count)d. "
            "Issue the others in a second package.") % {"max": MAX_PER_PACKAGE, "count": len(items)}})
    errors, contents = {}, []
    for n, item in enumerate(items, start=1):
        content, item_errors = _clean_item(item if isinstance(item, dict) else {}, patient, issued_on)
        errors.update({f"items.{n}.{field}": messages for field, messages in item_errors.items()})
        contents.append(content)
    if errors:
        raise ValidationError(errors)
    return contents


class _Errors(dict):
    def run(self, field, clean, *args, **kwargs):
        try:
            return clean(*args, **kwargs)
        except ValidationError as exc:
            self.setdefault(field, []).extend(exc.messages)
            return None

    def add(self, field, message):
        self.setdefault(field, []).append(message)


def _drug(item, errors: _Errors) -> tuple[dict, str]:
    from klinika.edocs.models import Drug

    drug_id = str(item.get("drug_id") or "").strip()
    if drug_id:
        drug = Drug.objects.filter(pk=int(drug_id)).first() if drug_id.isdigit() else None
        if drug is None:
            errors.add("drug", _("This drug is not on the built-in list; choose it again or enter it by hand."))
            return {}, ""
        category = (DrugCategory.ANTIBIOTIC if drug.is_antibiotic
                    else DrugCategory.IMMUNOLOGICAL if drug.is_immunological else DrugCategory.ORDINARY)
        return {"name": drug.name, "strength": drug.strength, "form": drug.form, "pack_size": drug.pack_size,
                "gtin": drug.gtin, "builtin_id": drug.pk}, str(category)
    drug = {
        "name": errors.run("drug", v.text, item.get("drug_name"), label=_("Drug"), max_length=120, required=True),
        "strength": errors.run("strength", v.text, item.get("strength"), label=_("Strength"), max_length=60),
        "form": errors.run("form", v.text, item.get("form"), label=_("Form"), max_length=60),
        "pack_size": errors.run("pack_size", v.text, item.get("pack_size"), label=_("Pack size"), max_length=60),
        "gtin": errors.run("gtin", v.gtin, item.get("gtin")),
    }
    category = str(item.get("category") or "")
    if category not in DrugCategory.values:
        errors.add("category", _("Choose whether the drug is an antibiotic, an immunological preparation or neither."))
    return drug, category


def _clean_item(item: dict, patient, issued_on) -> tuple[dict, dict]:
    errors = _Errors()
    drug, category = _drug(item, errors)
    dosage = errors.run("dosage", v.text, item.get("dosage"), label=_("Dosage"), max_length=300, required=True)
    quantity = errors.run("quantity", v.whole_number, item.get("quantity"), label=_("Quantity (packs)"),
                          minimum=1, maximum=MAX_PACKS)
    payment_level = str(item.get("payment_level") or "").strip().upper()
    if payment_level not in PAYMENT_LEVELS:
        errors.add("payment_level", _("Unknown payment level %(level)s: use blank, P, B, R, 30%%, 50%% or 100%%.")
                   % {"level": payment_level[:10]})
    entitlement = str(item.get("entitlement") or "").strip().upper()
    if entitlement not in ENTITLEMENTS:
        errors.add("entitlement", _("Unknown entitlement code %(code)s.") % {"code": entitlement[:10]})
    else:
        _check_entitlement(entitlement, patient, issued_on, errors)
    kind = str(item.get("kind") or RxKind.ORDINARY)
    if kind not in RxKind.values:
        errors.add("kind", _("Choose an ordinary, pro auctore or pro familiae prescription."))
    valid_from = errors.run("valid_from", v.date, item.get("valid_from"), label=_("Valid from"), required=False)
    if valid_from is not None and valid_from < issued_on:
        errors.add("valid_from", _("A prescription cannot be valid from a day before it is issued (%(day)s).")
                   % {"day": issued_on.isoformat()})
    validity = errors.run("validity_days", v.whole_number, item.get("validity_days"), label=_("Validity (days)"),
                          minimum=1, maximum=10_000, required=False)
    supply = errors.run("supply_days", v.whole_number, item.get("supply_days"), label=_("Supply (days)"),
                        minimum=1, maximum=10_000, required=False)
    if validity is None:
        validity = default_validity(category)
    _check_validity(category, validity, supply, valid_from or issued_on, issued_on, errors)
    content = {
        "drug": drug, "category": category, "dosage": dosage, "quantity": quantity,
        "payment_level": payment_level, "entitlement": entitlement, "kind": kind,
        "no_substitution": v.as_bool(item.get("no_substitution")),
        "valid_from": valid_from.isoformat() if valid_from else None, "validity_days": validity,
        "supply_days": supply, "issued_on": issued_on.isoformat(),
    }
    return content, dict(errors)


def _check_validity(category, validity, supply, start, issued_on, errors):
    if "validity_days" in errors:
        return
    if category == DrugCategory.ANTIBIOTIC and validity > ANTIBIOTIC_VALIDITY_DAYS:
        errors.add("validity_days", _("An antibiotic prescription is valid for at most %(max)d days; "
                                      "you entered %(days)d.") % {"max": ANTIBIOTIC_VALIDITY_DAYS, "days": validity})
    elif category == DrugCategory.IMMUNOLOGICAL and validity > IMMUNOLOGICAL_VALIDITY_DAYS:
        errors.add("validity_days", _("A prescription for an immunological preparation is valid for at most "
                                      "%(max)d days; you entered %(days)d.")
                   % {"max": IMMUNOLOGICAL_VALIDITY_DAYS, "days": validity})
    elif validity > MAX_VALIDITY_DAYS:
        errors.add("validity_days", _("A prescription is valid for at most %(max)d days; you entered %(days)d.")
                   % {"max": MAX_VALIDITY_DAYS, "days": validity})
    elif (validity > DEFAULT_VALIDITY_DAYS and category == DrugCategory.ORDINARY and supply is None
          and "supply_days" not in errors):
        errors.add("supply_days", _("A validity over %(days)d days is for chronic therapy: give the supply in "
                                    "days (at most %(max)d).") % {"days": DEFAULT_VALIDITY_DAYS,
                                                                 "max": MAX_SUPPLY_DAYS})
    if supply is not None and supply > MAX_SUPPLY_DAYS:
        errors.add("supply_days", _("At most a %(max)d-day supply may be prescribed; you entered %(days)d days.")
                   % {"max": MAX_SUPPLY_DAYS, "days": supply})
    last_day = start + datetime.timedelta(days=validity - 1)
    if "validity_days" not in errors and (last_day - issued_on).days >= MAX_VALIDITY_DAYS:
        errors.add("valid_from", _("The prescription would be valid until %(day)s, more than %(max)d days after "
                                   "it is issued.") % {"day": last_day.isoformat(), "max": MAX_VALIDITY_DAYS})


def _check_entitlement(code, patient, issued_on, errors):
    age = patient.age_on(issued_on) if patient is not None else None
    if code == "S" and age is not None and age < 65:
        errors.add("entitlement", _("Entitlement S is for patients aged 65 and over; this patient is %(age)d.")
                   % {"age": age})
    elif code == "DZ" and age is not None and age >= 18:
        errors.add("entitlement", _("Entitlement DZ is for patients under 18; this patient is %(age)d.")
                   % {"age": age})
    elif code == "C" and patient is not None and patient.sex == "M":
        errors.add("entitlement", _("Entitlement C is for pregnant women."))


# --- e-referral -----------------------------------------------------------------------------

REFERRAL_KINDS = {
    "02.10": gettext_lazy("02.10 — test or treatment"),
    "02.11": gettext_lazy("02.11 — consultation"),
    "02.12": gettext_lazy("02.12 — transfer of care"),
}
MAX_PROCEDURES = 10


def _codes_list(value) -> list[str]:
    if isinstance(value, str):
        value = value.replace(";", ",").replace("\n", ",").split(",")
    return [str(code).strip() for code in (value or []) if str(code).strip()]


def clean_referral(data: dict, *, issued_on: datetime.date) -> dict:
    from klinika.staff.models import Specialty

    errors = _Errors()
    kind = str(data.get("kind") or "").strip()
    if kind not in REFERRAL_KINDS:
        errors.add("kind", _("Choose the referral kind: 02.10, 02.11 or 02.12."))
    icd10 = errors.run("icd10", v.icd10, data.get("icd10"))
    procedures = []
    codes = _codes_list(data.get("icd9"))
    if len(codes) > MAX_PROCEDURES:
        errors.add("icd9", _("At most %(max)d procedures per referral.") % {"max": MAX_PROCEDURES})
    else:
        for code in codes:
            cleaned = errors.run("icd9", v.icd9, code)
            if cleaned and cleaned not in procedures:
                procedures.append(cleaned)
    if kind == "02.10" and not codes:
        errors.add("icd9", _("A referral for a test or treatment names at least one ICD-9-PL procedure."))
    specialty = str(data.get("target_specialty") or "").strip()
    if specialty and not Specialty.objects.filter(code=specialty).exists():
        errors.add("target_specialty", _("%(code)s is not a specialty code.") % {"code": specialty[:8]})
    elif kind == "02.11" and not specialty:
        errors.add("target_specialty", _("A consultation referral names the specialty to consult."))
    purpose = errors.run("purpose", v.long_text, data.get("purpose"), label=_("Purpose"), max_length=500,
                         required=True)
    tests_done = errors.run("tests_done", v.long_text, data.get("tests_done"), label=_("Tests done"),
                            max_length=2000)
    if errors:
        raise ValidationError(dict(errors))
    return {"kind": kind, "icd10": icd10, "icd9": procedures, "purpose": purpose, "tests_done": tests_done,
            "cito": v.as_bool(data.get("cito")), "target_specialty": specialty, "issued_on": issued_on.isoformat()}


# --- e-sick-leave (e-ZLA) -------------------------------------------------------------------

LETTER_CODES = {
    "A": gettext_lazy("A — incapacity again within 60 days after a long one (same illness)"),
    "B": gettext_lazy("B — during pregnancy"),
    "C": gettext_lazy("C — caused by alcohol abuse"),
    "D": gettext_lazy("D — tuberculosis"),
    "E": gettext_lazy("E — infectious disease"),
}
OMITTABLE_CODES = {"B", "D"}
INDICATIONS = {1: gettext_lazy("1 — must lie in bed"), 2: gettext_lazy("2 — may walk")}
MAX_BACKDATE_DAYS = 3
MAX_DAYS = 182
MAX_DAYS_B_OR_D = 270
CANCEL_WITHIN_WORKING_DAYS = 3


def _letters(value) -> list[str]:
    if isinstance(value, str):
        value = [c for c in value.replace(",", " ").split()] if " " in value or "," in value else list(value)
    return [str(c).strip().upper() for c in (value or []) if str(c).strip()]


def clean_sick_leave(data: dict, *, patient, issued_on: datetime.date, reference_day: datetime.date | None = None
                     ) -> dict:
    """data: date_from, date_to, icd10, letter_codes, omit_codes, indication, payer_nip. `reference_day` is
    the original's issue day for a reissue: backdating counts from it. The content keeps "from" and "to"."""
    errors = _Errors()
    start = errors.run("date_from", v.date, data.get("date_from"), label=_("From"))
    end = errors.run("date_to", v.date, data.get("date_to"), label=_("To"))
    reference = reference_day or issued_on
    letters = _letters(data.get("letter_codes"))
    if start and end:
        _check_period(start, end, reference, letters, errors)
    icd10 = errors.run("icd10", v.icd10, data.get("icd10"))
    unknown = [c for c in letters if c not in LETTER_CODES]
    if unknown:
        errors.add("letter_codes", _("Unknown letter code %(code)s: use A, B, C, D or E.") % {"code": unknown[0][:3]})
    letters = sorted(set(letters) - set(unknown))
    if "B" in letters and patient is not None and patient.sex == "M":
        errors.add("letter_codes", _("Code B (pregnancy) cannot apply to this patient."))
    omit = sorted(set(_letters(data.get("omit_codes"))))
    if any(c not in OMITTABLE_CODES for c in omit):
        errors.add("omit_codes", _("Only codes B and D may be left out, and only on the patient's request."))
    elif any(c not in letters for c in omit):
        errors.add("omit_codes", _("Code %(code)s is not on this sick leave, so it cannot be left out.")
                   % {"code": next(c for c in omit if c not in letters)})
    indication = str(data.get("indication") or "").strip()
    if indication not in {"1", "2"}:
        errors.add("indication", _("Choose indication 1 (must lie in bed) or 2 (may walk)."))
    nip = errors.run("payer_nip", v.payer_nip, data.get("payer_nip"))
    if errors:
        raise ValidationError(dict(errors))
    return {"from": start.isoformat(), "to": end.isoformat(), "icd10": icd10, "letter_codes": letters,
            "omit_codes": omit, "indication": int(indication), "payer_nip": nip, "issued_on": issued_on.isoformat()}


def _check_period(start, end, reference, letters, errors):
    if end < start:
        errors.add("date_to", _("The sick leave ends (%(to)s) before it starts (%(from)s).")
                   % {"to": end.isoformat(), "from": start.isoformat()})
        return
    backdated = (reference - start).days
    if backdated > MAX_BACKDATE_DAYS:
        errors.add("date_from", _("A sick leave may start at most %(max)d days before the day it is issued; "
                             "%(from)s is %(days)d days before.") % {"max": MAX_BACKDATE_DAYS,
                                                                     "from": start.isoformat(), "days": backdated})
    elif backdated < -1:
        errors.add("date_from", _("A sick leave starts at the latest on the day after it is issued."))
    limit = MAX_DAYS_B_OR_D if {"B", "D"} & set(letters) else MAX_DAYS
    length = (end - start).days + 1
    if length > limit:
        errors.add("date_to", _("A sick leave lasts at most %(max)d days (%(long)d with code B or D); this one lasts "
                           "%(days)d.") % {"max": MAX_DAYS, "long": MAX_DAYS_B_OR_D, "days": length})


def sick_leave_cancel_deadline(issued_on: datetime.date) -> datetime.date:
    return add_working_days(issued_on, CANCEL_WITHIN_WORKING_DAYS)


def check_sick_leave_cancel(issued_on: datetime.date, today: datetime.date):
    deadline = sick_leave_cancel_deadline(issued_on)
    if today > deadline:
        raise ValidationError({"__all__": _(
            "An e-ZLA can be cancelled within %(days)d working days of its issue, so until %(deadline)s; "
            "it was issued on %(issued)s.") % {"days": CANCEL_WITHIN_WORKING_DAYS, "deadline": deadline.isoformat(),
                                               "issued": issued_on.isoformat()}})
