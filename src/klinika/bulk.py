"""What every bulk import shares (patients, staff, schedules): chunks, and rows refused with their index and field.

Each app's services/bulk.py validates rows with the app's own rules and stores a chunk per
transaction; a refused row stops its chunk and is reported as "row N, field: message".
"""
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from klinika.tenancy.context import clinic_context

CHUNK = 1000
IMPORTED = "imported"  # the reason of every imported record's CREATE audit event


@dataclass
class RowProblem:
    row: int      # the row's 0-based position in the whole import
    field: str
    message: str

    def __str__(self):
        return f"row {self.row}, {self.field}: {self.message}"


class ImportRejected(ValidationError):
    """Rows that break the rules; nothing of their chunk was stored."""

    def __init__(self, problems: list[RowProblem], *, stored: int = 0):
        self.problems, self.stored = problems, stored
        shown = "; ".join(str(p) for p in problems[:10])
        more = f" (and {len(problems) - 10} more)" if len(problems) > 10 else ""
        super().__init__(_("%(count)d row(s) refused, their chunk was not stored (%(stored)d stored before it): "
                           "%(problems)s%(more)s") % {"count": len(problems), "stored": stored,
                                                      "problems": shown, "more": more})


def chunks(rows: Iterable, size: int) -> Iterator[list]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


def problems_of(error: ValidationError, row: int) -> list[RowProblem]:
    if hasattr(error, "error_dict"):
        return [RowProblem(row, name, message) for name, messages in error.message_dict.items()
                for message in messages]
    return [RowProblem(row, "__all__", message) for message in error.messages]


def import_in_chunks(clinic, rows: Iterable, chunk_size: int, one_chunk, result):
    """Run `one_chunk(clinic, chunk, first_row_number, result)` over `rows` in chunks, each one
    transaction in the clinic's context. A refused chunk stores nothing of itself and says how
    many records earlier chunks stored (ImportRejected.stored). Returns `result`."""
    with clinic_context(clinic):
        for number, chunk in enumerate(chunks(rows, chunk_size)):
            stored = result.count
            try:
                with transaction.atomic():
                    one_chunk(clinic, chunk, number * chunk_size, result)
            except ImportRejected as rejected:
                raise ImportRejected(rejected.problems, stored=stored) from None
    return result
