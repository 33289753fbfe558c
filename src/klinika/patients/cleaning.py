"""One set of rules for a patient's details: registration, correction, the form and the API.

clean_patient_data() turns what was typed into model field values, or raises a
ValidationError keyed by field name that names every problem at once.
"""
import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from klinika.patients import validators as v
from klinika.patients.models import ContactChannel, DocumentType, GuardianRelation, Patient, Sex

ADULT_AGE = 18
OLDEST_AGE = 130
ADDRESS_FIELDS = {"street": 100, "building": 10, "apartment": 10, "postal_code": 10, "city": 60, "country": 2}


def local_today() -> datetime.date:
    return timezone.localdate()


def as_bool(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "on", "yes"}
    return bool(value)


def as_id(value) -> int | None:
    """A row id typed or posted by someone: None unless it can be one (no overflow reaches SQL)."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


def as_text(value) -> str:
    return value if isinstance(value, str) else ""


class _Errors(dict):
    def add(self, name, error):
        messages = error.messages if isinstance(error, ValidationError) else [str(error)]
        self.setdefault(name, []).extend(messages)

    def check(self, name, func, *args, **kwargs):
        try:
            return func(*args, **kwargs)
        except ValidationError as exc:
            self.add(name, exc)
            return None

    def raise_if_any(self):
        if self:
            raise ValidationError({name: list(messages) for name, messages in self.items()})


def clean_patient_data(data: dict, *, patient: Patient | None = None, today: datetime.date | None = None) -> dict:
    """The model field values for `data`, or a ValidationError naming every problem."""
    today = today or local_today()
    errors = _Errors()
    out = {
        "first_name": errors.check("first_name", v.clean_first_name, as_text(data.get("first_name"))),
        "last_name": errors.check("last_name", v.clean_last_name, as_text(data.get("last_name"))),
    }
    _clean_identity(data, out, errors, today)
    _clean_contacts(data, out, errors)
    out["address"] = _clean_address(data.get("address") or {}, errors)
    _clean_guardian(data, out, errors, patient, today)
    errors.raise_if_any()
    return out


def _clean_identity(data, out, errors, today):
    pesel_text = as_text(data.get("pesel")).strip()
    mothers = as_bool(data.get("pesel_is_mothers"))
    entered_birth = data.get("birth_date") or None
    birth_date = errors.check("birth_date", v.parse_date, entered_birth) if entered_birth else None
    sex = as_text(data.get("sex")).strip().upper() or None
    if sex and sex not in Sex.values:
        errors.add("sex", _("Choose female or male."))
        sex = None
    pesel = errors.check("pesel", v.clean_pesel, pesel_text, today=today) if pesel_text else ""
    if mothers and not pesel_text:
        errors.add("pesel", _("Enter the mother's PESEL, or untick \"PESEL is the mother's\"."))
    if pesel and not mothers:
        for name, message in v.pesel_mismatches(pesel, birth_date, sex).items():
            errors.add(name, message)
        birth_date, sex = v.pesel_birth_date(pesel), v.pesel_sex(pesel)
    else:
        # No PESEL of the patient's own: birth date and sex come from the user.
        if birth_date is None and not entered_birth:
            errors.add("birth_date", _("Enter the birth date (it cannot be read from a PESEL here)."))
        if sex is None and not errors.get("sex"):
            errors.add("sex", _("Choose the sex (it cannot be read from a PESEL here)."))
        if pesel and mothers and birth_date and v.pesel_birth_date(pesel) >= birth_date:
            errors.add("pesel", _("The mother's PESEL gives a birth date (%(date)s) that is not before the child's.")
                       % {"date": v.show_date(v.pesel_birth_date(pesel))})
    if birth_date is not None and "birth_date" not in errors:
        if birth_date > today:
            errors.add("birth_date", _("The birth date %(date)s is in the future.") % {"date": v.show_date(birth_date)})
        elif today.year - birth_date.year > OLDEST_AGE:
            errors.add("birth_date", _("The birth date %(date)s is more than %(years)d years ago: check it.")
                       % {"date": v.show_date(birth_date), "years": OLDEST_AGE})
    out.update(pesel=pesel or "", pesel_is_mothers=bool(pesel and mothers), birth_date=birth_date, sex=sex)

    document_type = as_text(data.get("document_type")).strip()
    number_text = as_text(data.get("document_number")).strip()
    country = ""
    number = ""
    if document_type and document_type not in DocumentType.values:
        errors.add("document_type", _("Choose a document type from the list."))
    elif document_type or number_text:
        if not document_type:
            errors.add("document_type", _("Choose the type of the document."))
        country = errors.check("document_country", v.clean_country, as_text(data.get("document_country")) or "PL")
        if country:
            number = errors.check("document_number", v.clean_document_number, document_type, number_text, country)
    if not pesel_text and not (document_type or number_text):
        errors.add("pesel", _("Enter a PESEL or, for a patient without one, an identity document."))
    out.update(document_type=document_type if number else "", document_number=number or "",
               document_country=country if number else "")


def clean_contacts(data: dict) -> dict:
    """The contact fields of `data` (phone, e-mail, consents, preferred channel) by the desk's rules,
    or a ValidationError naming every problem."""
    errors, out = _Errors(), {}
    _clean_contacts(data, out, errors)
    errors.raise_if_any()
    return out


def _clean_contacts(data, out, errors):
    phone_text = as_text(data.get("phone")).strip()
    email_text = as_text(data.get("email")).strip()
    out["phone"] = (errors.check("phone", v.clean_phone, phone_text) or "") if phone_text else ""
    out["email"] = (errors.check("email", v.clean_email, email_text) or "") if email_text else ""
    consent_sms, consent_email = as_bool(data.get("consent_sms")), as_bool(data.get("consent_email"))
    if consent_sms and not phone_text:
        errors.add("phone", _("Consent to SMS messages needs a phone number."))
    if consent_email and not email_text:
        errors.add("email", _("Consent to e-mail messages needs an e-mail address."))
    channel = as_text(data.get("preferred_channel")).strip()
    if not channel:
        channel = (ContactChannel.SMS if consent_sms and phone_text else
                   ContactChannel.EMAIL if consent_email and email_text else ContactChannel.NONE)
    if channel not in ContactChannel.values:
        errors.add("preferred_channel", _("Choose a contact channel from the list."))
    elif channel == ContactChannel.SMS and not (consent_sms and phone_text):
        errors.add("preferred_channel", _("SMS can be the preferred channel only with a phone number and the "
                                          "patient's consent to SMS messages."))
    elif channel == ContactChannel.EMAIL and not (consent_email and email_text):
        errors.add("preferred_channel", _("E-mail can be the preferred channel only with an e-mail address and "
                                          "the patient's consent to e-mail messages."))
    out.update(consent_sms=consent_sms, consent_email=consent_email, preferred_channel=channel)


def _clean_address(address: dict, errors) -> dict | None:
    if not isinstance(address, dict):
        errors.add("street", _("The address is not in a form that can be read."))
        return None
    out = {}
    country = as_text(address.get("country")).strip().upper() or "PL"
    for name, limit in ADDRESS_FIELDS.items():
        value = " ".join(as_text(address.get(name)).split())
        if name == "country":
            value = country
        if len(value) > limit:
            errors.add(name, _("At most %(max)d characters.") % {"max": limit})
        elif any(not ch.isprintable() for ch in value):
            errors.add(name, _("This contains invisible or control characters."))
        out[name] = value
    if address.get("country") and not v.COUNTRY_RE.fullmatch(country):
        errors.add("country", _("Enter the country as a two-letter code, e.g. PL."))
    if out["postal_code"]:
        out["postal_code"] = errors.check("postal_code", v.clean_postal_code, out["postal_code"], country) or ""
    if not any(out[name] for name in ADDRESS_FIELDS if name != "country"):
        return None
    return out


def _clean_guardian(data, out, errors, patient, today):
    guardian = None
    guardian_id = data.get("guardian_id")
    identifier = as_text(data.get("guardian_identifier")).strip()
    # A typed identifier wins over the guardian already on record (it is how one changes).
    if identifier:
        matches = [p for p in find_by_identifier(identifier) if patient is None or p.pk != patient.pk]
        if not matches:
            errors.add("guardian_identifier", _("No registered patient has this PESEL or document number: "
                                                "register the guardian first."))
        elif len(matches) > 1:
            errors.add("guardian_identifier", _("Several patients have this identifier: open the guardian's card "
                                                "and register the ward from there."))
        else:
            guardian = matches[0]
    elif guardian_id not in (None, ""):
        pk = as_id(guardian_id)
        guardian = Patient.objects.filter(pk=pk, is_active=True).first() if pk else None
        if guardian is None:
            errors.add("guardian_identifier", _("The chosen guardian is not a registered patient of this clinic."))
    relation = as_text(data.get("guardian_relation")).strip()
    birth_date = out.get("birth_date")
    if guardian is not None:
        if patient is not None and guardian.pk == patient.pk:
            errors.add("guardian_identifier", _("A patient cannot be their own guardian."))
        elif patient is not None and guardian.guardian_id == patient.pk:
            errors.add("guardian_identifier", _("This person is the patient's ward, not their guardian."))
        elif (guardian.age_on(today) or 0) < ADULT_AGE:
            errors.add("guardian_identifier", _("A legal guardian must be an adult."))
        if relation not in GuardianRelation.values:
            errors.add("guardian_relation", _("Choose how the guardian is related to the patient."))
    elif relation:
        relation = ""
    if guardian is None and birth_date is not None and "guardian_identifier" not in errors:
        age = today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))
        if age < ADULT_AGE:
            errors.add("guardian_identifier", _("The patient is under %(age)d: record a legal guardian (a registered "
                                                "patient), e.g. a parent.") % {"age": ADULT_AGE})
    out.update(guardian=guardian, guardian_relation=relation if guardian else "")


def find_by_identifier(value: str) -> list[Patient]:
    """Active patients whose current PESEL or document number is `value` (no audit: internal)."""
    digits = "".join(value.split())
    if digits.isdigit() and len(digits) == 11:
        found = list(Patient.objects.matching(pesel=digits).filter(is_active=True, pesel_is_mothers=False))
    else:
        found = list(Patient.objects.matching(document_number=v.compact_document_number(value))
                     .filter(is_active=True))
    return found
