from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class SlotTaken(ValidationError):
    """Someone else booked the time first (found by the check or by the database's no-overlap guard).

    A ValidationError, so forms show it like any other; the API answers it with 409.
    """

    def __init__(self, message=None):
        super().__init__(message or _("This time has just been booked by someone else. Choose another slot."),
                         code="conflict")
