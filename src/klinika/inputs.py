"""What any input must be before the domain sees it, shared by pages, the API and the services.

Dates: the calendar window. Python's dates end at years 1 and 9999, so a date at either end
overflows as soon as the code adds a day, a week or a validity period, or converts it to
another time zone. No clinic date (a birth, a visit, a prescription) is anywhere near those
ends, so every date that comes in must lie in a window far from them; then no arithmetic the
apps do on it can overflow.

Text: PostgreSQL cannot store a NUL character in text, UTF-8 cannot encode a lone surrogate
(JSON can carry one as "\\ud800"), and XML (the e-document platform) forbids the other C0
control characters. Such text is refused at the door (klinika.web.boundary) for every request.
"""
import datetime
import re
from typing import Annotated

from django.core.exceptions import BadRequest, ValidationError
from django.utils.translation import gettext as _
from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

EARLIEST = datetime.date(1800, 1, 1)
LATEST = datetime.date(2999, 12, 31)

# C0 controls except tab, line feed and carriage return; and lone surrogates.
_UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")


class RefusedInput(BadRequest):
    """A 400 whose message is meant for the user (klinika.web.boundary shows it: JSON or the error page)."""


def date_range_message() -> str:
    return _("Give a date between %(earliest)s and %(latest)s.") % {
        "earliest": EARLIEST.isoformat(), "latest": LATEST.isoformat()}


def in_calendar(value, field: str | None = None):
    """The date or datetime itself, or a ValidationError (under `field`, if given) when outside the window."""
    if value is None:
        return value
    day = value.date() if isinstance(value, datetime.datetime) else value
    if not EARLIEST <= day <= LATEST:
        error = ValidationError(date_range_message(), code="date_range")
        raise ValidationError({field: [error]}) if field else error
    return value


def calendar_date(value, field: str) -> datetime.date:
    """A date typed, posted or given as a date, inside the window; a ValidationError under `field` otherwise."""
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return in_calendar(value, field)
    try:
        day = datetime.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError({field: _("Enter a date, e.g. 2026-03-02.")}) from None
    return in_calendar(day, field)


def outside_calendar(exc: ValidationError) -> bool:
    """Whether a ValidationError is (or holds) in_calendar's refusal."""
    errors = [e for es in exc.error_dict.values() for e in es] if hasattr(exc, "error_dict") else exc.error_list
    return any(e.code == "date_range" for e in errors)


def _pydantic_in_calendar(value):
    try:
        return in_calendar(value)
    except ValidationError as exc:
        raise PydanticCustomError("date_range", exc.messages[0]) from None


def day_param(text: str, default: datetime.date) -> datetime.date:
    """A page's ?date=YYYY-MM-DD: `default` when missing or not a date, RefusedInput when outside the window."""
    try:
        day = datetime.date.fromisoformat(text)
    except ValueError:
        return default
    if not EARLIEST <= day <= LATEST:
        raise RefusedInput(date_range_message())
    return day


# The API's date and datetime inputs: a date outside the window is a 400 like any other bad field.
Day = Annotated[datetime.date, AfterValidator(_pydantic_in_calendar)]
Moment = Annotated[datetime.datetime, AfterValidator(_pydantic_in_calendar)]


def unstorable(text: str) -> bool:
    """True when the text holds a character no database column (or XML document) can take."""
    return bool(_UNSTORABLE.search(text))


def unstorable_message() -> str:
    return _("The text contains a control character (such as a NUL byte) that cannot be stored. "
             "Remove it and send again.")
