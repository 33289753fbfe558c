"""The rules a visit record and a set of measurements must follow. Errors are keyed by field and say
exactly what is wrong (which code, which value, which range)."""
import math
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from klinika.records.services import codes

TEXT_FIELDS = ("interview", "examination", "recommendations")
TEXT_MAX = 20_000
MAX_DIAGNOSES = 20
MAX_PROCEDURES = 30
REASON_MAX = 500


def _text(value, field, errors) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        errors.setdefault(field, []).append(_("Enter text."))
        return ""
    value = value.replace("\r\n", "\n").strip()
    if len(value) > TEXT_MAX:
        errors.setdefault(field, []).append(
            _("At most %(max)d characters (this has %(count)d).") % {"max": TEXT_MAX, "count": len(value)})
    return value


def _entries(value, field, errors) -> list:
    if value in (None, ""):
        return []
    if not isinstance(value, list | tuple):
        errors.setdefault(field, []).append(_("Send a list."))
        return []
    return list(value)


def clean_content(data: dict) -> dict:
    """A visit's content as stored: texts, diagnoses with their names from the code list, procedures.

    diagnoses: [{"code": "J06.9", "main": true}, ...] (or plain codes); procedures: [{"code": "89.00"}] (or codes).
    """
    errors: dict[str, list] = {}
    if not isinstance(data, dict):
        raise ValidationError(_("Send the visit as an object with its fields."))
    content = {name: _text(data.get(name), name, errors) for name in TEXT_FIELDS}
    content["diagnoses"] = _coded(codes.ICD10, _entries(data.get("diagnoses"), "diagnoses", errors), "diagnoses",
                                  MAX_DIAGNOSES, errors, with_main=True)
    content["procedures"] = _coded(codes.ICD9PL, _entries(data.get("procedures"), "procedures", errors),
                                   "procedures", MAX_PROCEDURES, errors, with_main=False)
    if errors:
        raise ValidationError(errors)
    return content


def _coded(system, entries, field, limit, errors, *, with_main) -> list[dict]:
    label = codes.SYSTEM_LABELS[system]
    if len(entries) > limit:
        errors.setdefault(field, []).append(_("At most %(max)d codes.") % {"max": limit})
        return []
    wanted = []
    for entry in entries:
        raw = entry.get("code") if isinstance(entry, dict) else entry
        main = bool(entry.get("main")) if isinstance(entry, dict) else False
        code = codes.normalise_code(system, raw) if isinstance(raw, str) else ""
        if not code:
            errors.setdefault(field, []).append(_("An entry has no %(system)s code.") % {"system": label})
            continue
        wanted.append((code, main))
    found = codes.lookup(system, [code for code, _main in wanted])
    cleaned, seen = [], set()
    for code, main in wanted:
        if code not in found:
            errors.setdefault(field, []).append(
                _("Unknown %(system)s code: %(code)s. Choose a code from the list.") % {"system": label, "code": code})
        elif code in seen:
            errors.setdefault(field, []).append(_("%(code)s is listed twice.") % {"code": code})
        else:
            seen.add(code)
            entry = {"code": code, "name": found[code].name}
            if with_main:
                entry["main"] = main
            cleaned.append(entry)
    if with_main and sum(1 for d in cleaned if d["main"]) > 1:
        errors.setdefault(field, []).append(_("Only one diagnosis can be the main one."))
    return cleaned


def check_signable(content: dict) -> None:
    """A visit is signed with exactly one main diagnosis."""
    diagnoses = content.get("diagnoses") or []
    if not diagnoses:
        raise ValidationError({"diagnoses": _("Add the main diagnosis (ICD-10) before signing.")})
    mains = [d for d in diagnoses if d.get("main")]
    if len(mains) != 1:
        raise ValidationError({"diagnoses": _("Mark exactly one diagnosis as the main one before signing.")})


def clean_reason(reason) -> str:
    reason = (reason if isinstance(reason, str) else "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the record is amended.")})
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": _("At most %(max)d characters.") % {"max": REASON_MAX}})
    return reason


# ---- allergies --------------------------------------------------------------------------------

SEVERITIES = {"", "mild", "moderate", "severe"}
SUBSTANCE_MAX, REACTION_MAX = 200, 500


def clean_allergy(substance, reaction="", severity="") -> tuple[str, str, str]:
    """(substance, reaction, severity) as stored: a substance named, lengths within the columns, a known severity."""
    substance = (substance if isinstance(substance, str) else "").strip()
    reaction = (reaction if isinstance(reaction, str) else "").strip()
    severity = (severity if isinstance(severity, str) else "").strip()
    errors = {}
    if not substance:
        errors["substance"] = [_("Name the substance the patient is allergic to.")]
    elif len(substance) > SUBSTANCE_MAX:
        errors["substance"] = [_("At most %(max)d characters.") % {"max": SUBSTANCE_MAX}]
    if len(reaction) > REACTION_MAX:
        errors["reaction"] = [_("At most %(max)d characters.") % {"max": REACTION_MAX}]
    if severity not in SEVERITIES:
        errors["severity"] = [_("Choose mild, moderate or severe.")]
    if errors:
        raise ValidationError(errors)
    return substance, reaction, severity


# ---- vital signs ------------------------------------------------------------------------------

# name: (lowest, highest, decimals allowed, label, unit as shown after a number). Ranges are what a living patient can
# show (a newborn's weight included), so a typing slip such as 1200 for 120 is caught.
VITALS = {
    "bp_systolic": (50, 300, 0, gettext_lazy("Systolic blood pressure"), " mmHg"),
    "bp_diastolic": (20, 200, 0, gettext_lazy("Diastolic blood pressure"), " mmHg"),
    "pulse": (20, 250, 0, gettext_lazy("Pulse"), "/min"),
    "temperature": (30, 45, 1, gettext_lazy("Body temperature"), " °C"),
    "weight_kg": (Decimal("0.3"), 400, 2, gettext_lazy("Weight"), " kg"),
    "height_cm": (20, 250, 1, gettext_lazy("Height"), " cm"),
    "pregnancy_week": (0, 42, 0, gettext_lazy("Week of pregnancy"), ""),
}


def _number(raw, name, errors):
    low, high, decimals, label, unit = VITALS[name]
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, bool):
        errors[name] = [_("%(label)s: enter a number.") % {"label": label}]
        return None
    try:
        value = Decimal(str(raw).strip().replace(",", "."))
    except InvalidOperation:
        errors[name] = [_("%(label)s: enter a number.") % {"label": label}]
        return None
    if not value.is_finite():
        errors[name] = [_("%(label)s: enter a number.") % {"label": label}]
        return None
    if decimals == 0 and value != value.to_integral_value():
        errors[name] = [_("%(label)s: enter a whole number.") % {"label": label}]
        return None
    if not low <= value <= high:
        # The value itself stays out of the message: messages may travel further than the form.
        errors[name] = [_("%(label)s must be between %(low)s and %(high)s%(unit)s.") % {
            "label": label, "low": number_format(low), "high": number_format(high), "unit": unit}]
        return None
    value = round(value, decimals)
    return int(value) if decimals == 0 else float(value)


def clean_vitals(values: dict, *, patient_sex: str) -> dict:
    """The measurements as stored, with BMI computed from weight and height (never entered)."""
    if not isinstance(values, dict):
        raise ValidationError(_("Send the measurements as an object."))
    errors: dict[str, list] = {}
    unknown = sorted(set(values) - set(VITALS) - {"bmi"})
    if unknown:
        errors["__all__"] = [_("Unknown measurement: %(names)s.") % {"names": ", ".join(map(str, unknown))}]
    if values.get("bmi") not in (None, ""):
        errors["bmi"] = [_("BMI is computed from weight and height; it is not entered.")]
    cleaned = {name: _number(values.get(name), name, errors) for name in VITALS}
    cleaned = {k: v for k, v in cleaned.items() if v is not None}
    systolic, diastolic = cleaned.get("bp_systolic"), cleaned.get("bp_diastolic")
    if (systolic is None) != (diastolic is None) and not {"bp_systolic", "bp_diastolic"} & set(errors):
        errors["bp_systolic"] = [_("Enter both blood pressure values (systolic and diastolic).")]
    elif systolic is not None and diastolic is not None and systolic <= diastolic:
        errors["bp_diastolic"] = [_("Diastolic pressure must be lower than systolic pressure.")]
    if "pregnancy_week" in cleaned and patient_sex != "F":
        errors["pregnancy_week"] = [_("A week of pregnancy can be recorded only for a female patient.")]
    if not cleaned and not errors:
        errors["__all__"] = [_("Enter at least one measurement.")]
    if errors:
        raise ValidationError(errors)
    if "weight_kg" in cleaned and "height_cm" in cleaned:
        metres = cleaned["height_cm"] / 100
        cleaned["bmi"] = round(cleaned["weight_kg"] / (metres * metres), 1)
        if not math.isfinite(cleaned["bmi"]):
            del cleaned["bmi"]
    return cleaned
