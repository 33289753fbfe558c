"""What the registration desk types, checked: PESEL, identity documents, names, contacts.

Each check either returns the value in the form it is stored in, or raises a Django
ValidationError with a translated message that names the problem. Nothing here touches
the database.
"""
import datetime
import re
import string
import unicodedata

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils import formats
from django.utils.translation import gettext as _
from stdnum import exceptions as stdnum_errors
from stdnum.pl import pesel as stdnum_pesel

from klinika.inputs import in_calendar

FIRST_NAME_MAX = 100
LAST_NAME_MAX = 150
EMAIL_MAX = 254


def show_date(value: datetime.date) -> str:
    """A date as the user's language writes it (used inside messages)."""
    return formats.date_format(value, "DATE_FORMAT")


def sex_label(code: str) -> str:
    from klinika.patients.models import Sex

    return str(Sex(code).label) if code in Sex.values else code


# --- PESEL -------------------------------------------------------------------------------

def clean_pesel(value: str, *, today: datetime.date | None = None) -> str:
    """The 11 digits of a valid PESEL whose birth date is not in the future."""
    number = "".join((value or "").split())
    if not number.isdigit() or len(number) != 11:
        raise ValidationError(_("A PESEL has exactly 11 digits."), code="pesel_format")
    try:
        stdnum_pesel.validate(number)
    except stdnum_errors.InvalidChecksum:
        raise ValidationError(_("This PESEL's check digit is wrong: look for a mistyped digit."),
                              code="pesel_checksum") from None
    except stdnum_errors.ValidationError:
        # The month carries the century; a month or day that no calendar has lands here
        # (e.g. 29 February of a year that is not a leap year).
        raise ValidationError(_("This PESEL does not hold a real birth date: look for a mistyped digit."),
                              code="pesel_date") from None
    born = pesel_birth_date(number)
    if born > (today or datetime.date.today()):
        raise ValidationError(_("This PESEL gives a birth date in the future (%(date)s).") % {"date": show_date(born)},
                              code="pesel_future")
    return number


def pesel_birth_date(number: str) -> datetime.date:
    return stdnum_pesel.get_birth_date(number)


def pesel_sex(number: str) -> str:
    """'M' or 'F': the tenth digit is odd for men, even for women."""
    return stdnum_pesel.get_gender(number)


def pesel_mismatches(number: str, birth_date: datetime.date | None, sex: str | None) -> dict[str, str]:
    """What the user entered that contradicts the PESEL, by field; empty if nothing does."""
    problems = {}
    born = pesel_birth_date(number)
    if birth_date is not None and birth_date != born:
        problems["birth_date"] = _("PESEL gives birth date %(pesel)s but %(entered)s was entered.") % {
            "pesel": show_date(born), "entered": show_date(birth_date)}
    derived = pesel_sex(number)
    if sex and sex != derived:
        problems["sex"] = _("PESEL gives sex %(pesel)s but %(entered)s was entered.") % {
            "pesel": sex_label(derived), "entered": sex_label(sex)}
    return problems


# --- identity documents ------------------------------------------------------------------

LETTER_VALUES = {letter: 10 + n for n, letter in enumerate(string.ascii_uppercase)}
# The check digit is the 4th character of an ID card number and the 3rd of a passport
# number; with its weight 9 the weighted sum of all characters is a multiple of 10.
ID_CARD_WEIGHTS = (7, 3, 1, 9, 7, 3, 1, 7, 3)
PASSPORT_WEIGHTS = (7, 3, 9, 1, 7, 3, 1, 7, 3)
ID_CARD_RE = re.compile(r"[A-Z]{3}[0-9]{6}")
PASSPORT_RE = re.compile(r"[A-Z]{2}[0-9]{7}")
RESIDENCE_CARD_RE = re.compile(r"[A-Z]{2}[0-9]{7}")
COUNTRY_RE = re.compile(r"[A-Z]{2}")


def compact_document_number(value: str) -> str:
    """Upper case without spaces and hyphens: how numbers are stored and searched."""
    return "".join(ch for ch in (value or "").upper() if ch not in " -\t")


def _weighted_sum_ok(number: str, weights) -> bool:
    values = [LETTER_VALUES[ch] if ch.isalpha() else int(ch) for ch in number]
    return sum(v * w for v, w in zip(values, weights, strict=True)) % 10 == 0


def id_card_is_valid(number: str) -> bool:
    return bool(ID_CARD_RE.fullmatch(number)) and _weighted_sum_ok(number, ID_CARD_WEIGHTS)


def polish_passport_is_valid(number: str) -> bool:
    return bool(PASSPORT_RE.fullmatch(number)) and _weighted_sum_ok(number, PASSPORT_WEIGHTS)


def clean_country(value: str) -> str:
    code = (value or "").strip().upper()
    if not COUNTRY_RE.fullmatch(code):
        raise ValidationError(_("Enter the issuing country as a two-letter code, e.g. PL, UA, DE."),
                              code="country")
    return code


def clean_document_number(document_type: str, number: str, country: str = "PL") -> str:
    """The compacted number; Polish ID cards and passports are checked digit by digit."""
    from klinika.patients.models import DocumentType

    compact = compact_document_number(number)
    if not compact:
        raise ValidationError(_("Enter the document number."), code="document_required")
    if len(compact) > 40:
        raise ValidationError(_("A document number has at most 40 characters."), code="document_length")
    if _has_control_characters(compact) or not compact.isprintable():
        raise ValidationError(_("The document number contains characters that cannot be typed."),
                              code="document_characters")
    if document_type == DocumentType.ID_CARD and country == "PL":
        if not ID_CARD_RE.fullmatch(compact):
            raise ValidationError(_("A Polish ID card number is 3 letters and 6 digits, e.g. ABA300000."),
                                  code="id_card_format")
        if not id_card_is_valid(compact):
            raise ValidationError(_("This ID card number's check digit is wrong: look for a mistyped character."),
                                  code="id_card_checksum")
    elif document_type == DocumentType.PASSPORT and country == "PL":
        if not PASSPORT_RE.fullmatch(compact):
            raise ValidationError(_("A Polish passport number is 2 letters and 7 digits, e.g. CC7999486."),
                                  code="passport_format")
        if not polish_passport_is_valid(compact):
            raise ValidationError(_("This passport number's check digit is wrong: look for a mistyped character."),
                                  code="passport_checksum")
    elif document_type == DocumentType.RESIDENCE_CARD:
        if not RESIDENCE_CARD_RE.fullmatch(compact):
            raise ValidationError(_("A residence card number is 2 letters and 7 digits."),
                                  code="residence_card_format")
    return compact


# --- names -------------------------------------------------------------------------------

def _has_control_characters(value: str) -> bool:
    # Cc: control characters (NUL, newline, ESC…); Cf: invisible format characters
    # (zero-width spaces, bidi overrides) that make two names look equal and differ.
    return any(unicodedata.category(ch) in {"Cc", "Cf", "Cs", "Co", "Cn"} for ch in value)


def clean_name(value: str, *, max_length: int, what: str) -> str:
    """A name as typed (NFC, outer and repeated spaces removed). Markup is kept as text:
    it is escaped wherever it is shown."""
    text = unicodedata.normalize("NFC", value or "")
    if _has_control_characters(text):
        raise ValidationError(_("The %(what)s contains invisible or control characters.") % {"what": what},
                              code="name_control")
    text = " ".join(text.split())
    if not text:
        raise ValidationError(_("Enter the %(what)s.") % {"what": what}, code="name_required")
    if len(text) > max_length:
        raise ValidationError(
            _("The %(what)s is too long: %(length)d characters, at most %(max)d are allowed.")
            % {"what": what, "length": len(text), "max": max_length}, code="name_length")
    if not any(ch.isalpha() for ch in text):
        raise ValidationError(_("The %(what)s must contain letters.") % {"what": what}, code="name_letters")
    if any(ch.isdigit() for ch in text):
        raise ValidationError(_("The %(what)s cannot contain digits.") % {"what": what}, code="name_digits")
    return text


def clean_first_name(value: str) -> str:
    return clean_name(value, max_length=FIRST_NAME_MAX, what=_("first name"))


def clean_last_name(value: str) -> str:
    return clean_name(value, max_length=LAST_NAME_MAX, what=_("last name"))


# --- contacts ----------------------------------------------------------------------------

PHONE_CHARS_RE = re.compile(r"\+?[0-9 \-]+")


def clean_phone(value: str) -> str:
    """A Polish number (9 digits, +48 optional) as "+48 600 100 200", or "+<country><number>"."""
    raw = (value or "").replace("(", "").replace(")", "").strip()
    if not PHONE_CHARS_RE.fullmatch(raw):
        raise ValidationError(_("A phone number has digits only, optionally starting with + and the country code."),
                              code="phone_characters")
    digits = "".join(ch for ch in raw if ch.isdigit())
    international = raw.startswith("+") or digits.startswith("00")
    if digits.startswith("00"):
        digits = digits[2:]
    if not international or digits.startswith("48"):
        national = digits[2:] if international else digits
        if len(national) != 9 or national[0] == "0":
            raise ValidationError(_("A Polish phone number has 9 digits, e.g. 600 100 200."), code="phone_pl")
        return f"+48 {national[:3]} {national[3:6]} {national[6:]}"
    if not 8 <= len(digits) <= 15 or digits[0] == "0":
        raise ValidationError(_("A foreign phone number is + and the country code, then 8 to 15 digits in all."),
                              code="phone_foreign")
    return "+" + digits


def clean_email(value: str) -> str:
    address = (value or "").strip()
    if len(address) > EMAIL_MAX:
        raise ValidationError(_("An e-mail address has at most %(max)d characters.") % {"max": EMAIL_MAX},
                              code="email_length")
    EmailValidator(message=_("Enter a valid e-mail address, e.g. name@example.com."))(address)
    local, _at, domain = address.rpartition("@")
    return f"{local}@{domain.lower()}"


POSTAL_CODE_PL_RE = re.compile(r"[0-9]{2}-[0-9]{3}")


def clean_postal_code(value: str, country: str) -> str:
    code = " ".join((value or "").split())
    if country == "PL" and code:
        if re.fullmatch(r"[0-9]{5}", code):
            code = f"{code[:2]}-{code[2:]}"
        if not POSTAL_CODE_PL_RE.fullmatch(code):
            raise ValidationError(_("A Polish postal code looks like 00-950."), code="postal_code")
    return code


def parse_date(value) -> datetime.date:
    """ISO (2024-02-29) or Polish (29.02.2024) dates; a clear message for anything else."""
    if isinstance(value, datetime.datetime):
        return in_calendar(value.date())
    if isinstance(value, datetime.date):
        return in_calendar(value)
    text = str(value or "").strip()
    for pattern in ("%Y-%m-%d", "%d.%m.%Y", "%d-%m-%Y", "%d/%m/%Y"):
        try:
            day = datetime.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
        return in_calendar(day)
    raise ValidationError(_("Enter a real date, e.g. 2024-02-29 or 29.02.2024."), code="date")
