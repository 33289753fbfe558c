"""Phone numbers as SMS gateways want them, and as logs may show them."""
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

POLAND = "48"


def to_msisdn(value: str) -> str:
    """'+48 600 100 200', '600-100-200', '0048600100200' → '48600100200'.

    Nine digits are a Polish number; anything else must carry its country code.
    """
    raw = (value or "").strip()
    if not raw or any(ch not in "+0123456789 -()." for ch in raw):
        raise ValidationError(_("This is not a phone number an SMS can be sent to."), code="phone")
    digits = "".join(ch for ch in raw if ch.isdigit())
    if raw.startswith("00"):
        digits = digits[2:]
    if len(digits) == 9 and not raw.startswith("+") and not raw.startswith("00"):
        digits = POLAND + digits
    if not 10 <= len(digits) <= 15 or digits.startswith("0"):
        raise ValidationError(_("This is not a phone number an SMS can be sent to."), code="phone")
    return digits


def mask(value: str) -> str:
    """All but the last three digits hidden: enough to tell two messages apart, not to call anyone."""
    digits = "".join(ch for ch in str(value) if ch.isdigit())
    if len(digits) <= 3:
        return "*" * len(digits)
    return "*" * (len(digits) - 3) + digits[-3:]
