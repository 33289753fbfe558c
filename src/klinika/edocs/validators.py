"""Single values of e-documents: each cleaner returns the clean value or raises a ValidationError
whose message names the problem. Messages quote codes and numbers, never a patient's data.
"""
import datetime
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum import ean
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.pl import nip

from klinika.inputs import in_calendar

ICD10_SHAPE = re.compile(r"[A-Z][0-9]{2}(\.[0-9A-Z]{1,2})?")
ICD9_SHAPE = re.compile(r"[0-9]{2}(\.[0-9]{1,3})?|[0-9]{2}\.[0-9]{1,2}\.[0-9]{1,3}")
ACCESS_CODE = re.compile(r"[0-9]{4}")


def text(value, *, label, max_length, required=False) -> str:
    cleaned = " ".join(str(value).split()) if value is not None else ""
    if required and not cleaned:
        raise ValidationError(_("%(label)s is required.") % {"label": label}, code="required")
    if len(cleaned) > max_length:
        raise ValidationError(_("%(label)s is too long: at most %(max)d characters.")
                              % {"label": label, "max": max_length}, code="too_long")
    return cleaned


def long_text(value, *, label, max_length, required=False) -> str:
    """Like text(), but keeps line breaks (purpose of a referral, tests done)."""
    cleaned = "\n".join(" ".join(line.split()) for line in str(value or "").strip().splitlines()).strip()
    if required and not cleaned:
        raise ValidationError(_("%(label)s is required.") % {"label": label}, code="required")
    if len(cleaned) > max_length:
        raise ValidationError(_("%(label)s is too long: at most %(max)d characters.")
                              % {"label": label, "max": max_length}, code="too_long")
    return cleaned


def as_bool(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "on", "yes", "tak"}
    return bool(value)


def whole_number(value, *, label, minimum, maximum, required=True) -> int | None:
    if value in (None, ""):
        if required:
            raise ValidationError(_("%(label)s is required.") % {"label": label}, code="required")
        return None
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationError(_("%(label)s must be a whole number.") % {"label": label}, code="not_a_number") from None
    if not minimum <= number <= maximum:
        raise ValidationError(_("%(label)s must be between %(min)d and %(max)d.")
                              % {"label": label, "min": minimum, "max": maximum}, code="out_of_range")
    return number


def date(value, *, label, required=True) -> datetime.date | None:
    if value in (None, ""):
        if required:
            raise ValidationError(_("%(label)s is required.") % {"label": label}, code="required")
        return None
    if isinstance(value, datetime.datetime):
        return in_calendar(value.date())
    if isinstance(value, datetime.date):
        return in_calendar(value)
    try:
        day = datetime.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError(_("%(label)s is not a date (use YYYY-MM-DD).") % {"label": label},
                              code="not_a_date") from None
    return in_calendar(day)


def gtin(value) -> str:
    """A GTIN-8/12/13/14 (EAN) with a correct check digit, or "" when none is given."""
    raw = "".join(str(value or "").split())
    if not raw:
        return ""
    if not raw.isdigit() or len(raw) not in (8, 12, 13, 14):
        raise ValidationError(_("The GTIN/EAN must have 8, 12, 13 or 14 digits."), code="gtin_format")
    try:
        return ean.validate(raw)
    except StdnumError:
        raise ValidationError(_("The GTIN/EAN %(gtin)s has a wrong check digit.") % {"gtin": raw},
                              code="gtin_check") from None


def payer_nip(value) -> str:
    raw = str(value or "").strip()
    if not raw:
        raise ValidationError(_("The payer's NIP is required."), code="required")
    try:
        return nip.validate(raw)
    except StdnumError:
        raise ValidationError(_("The payer's NIP %(nip)s is not valid: check the digits.") % {"nip": raw[:20]},
                              code="nip") from None


def _code(value, *, system, shape, label) -> str:
    from klinika.records.models import Code

    code = str(value or "").strip().upper().replace(" ", "")
    if not code:
        raise ValidationError(_("%(label)s is required.") % {"label": label}, code="required")
    if not shape.fullmatch(code) or not Code.objects.filter(system=system, code=code).exists():
        raise ValidationError(_("%(code)s is not an %(system)s code in the clinic's code list.")
                              % {"code": code[:12], "system": label}, code="unknown_code")
    return code


def icd10(value) -> str:
    """An ICD-10 code known to the clinic (built-in list or its licensed dictionary)."""
    from klinika.records.models import CodeSystem

    return _code(value, system=CodeSystem.ICD10, shape=ICD10_SHAPE, label="ICD-10")


def icd9(value) -> str:
    from klinika.records.models import CodeSystem

    return _code(value, system=CodeSystem.ICD9PL, shape=ICD9_SHAPE, label="ICD-9-PL")


def is_access_code(value) -> bool:
    return bool(ACCESS_CODE.fullmatch(value or ""))
