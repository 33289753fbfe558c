"""Document numbers: one sequence per clinic, kind and year, taken under a row lock.

Call inside the transaction that saves the document: two doctors issuing at the same time
queue on the sequence row (select_for_update; SQLite's write lock does the same), and a
rolled-back document gives its number back. The unique constraint on (clinic, number) is
the backstop should anything get past the lock.
"""
import re
import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone

from klinika.edocs.models import DocKind, NumberSequence

PREFIX = {DocKind.PRESCRIPTION: "RX", DocKind.REFERRAL: "SK", DocKind.SICK_LEAVE: "ZLA"}
PATTERN = {kind: re.compile(rf"{prefix}-(\d{{4}})-(\d{{6}})") for kind, prefix in PREFIX.items()}


def next_number(kind: str, *, year: int | None = None) -> str:
    """The next free number, e.g. RX-2026-000042. Needs an open transaction and a clinic in context."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_number() must run inside the transaction that saves the document")
    kind = DocKind(kind)
    year = year or timezone.localdate().year
    sequence = _locked_sequence(kind, year)
    sequence.last_value += 1
    sequence.save(update_fields=["last_value"])
    return f"{PREFIX[kind]}-{year}-{sequence.last_value:06d}"


def take_numbers(kind: str, year: int, count: int) -> list[str]:
    """`count` consecutive numbers of one kind and year at once, under one lock (a bulk import of history)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("take_numbers() must run inside the transaction that saves the documents")
    if count <= 0:
        return []
    kind = DocKind(kind)
    sequence = _locked_sequence(kind, year)
    first = sequence.last_value + 1
    sequence.last_value += count
    sequence.save(update_fields=["last_value"])
    return [f"{PREFIX[kind]}-{year}-{n:06d}" for n in range(first, first + count)]


def _locked_sequence(kind, year) -> NumberSequence:
    sequence = NumberSequence.objects.select_for_update().filter(kind=kind, year=year).first()
    if sequence is None:
        try:
            with transaction.atomic():
                NumberSequence(kind=kind, year=year).save()
        except IntegrityError:
            pass  # a parallel transaction made it first; wait for its lock below
        sequence = NumberSequence.objects.select_for_update().get(kind=kind, year=year)
    return sequence


def is_valid_number(kind: str, number: str) -> bool:
    return bool(PATTERN[DocKind(kind)].fullmatch(number or ""))


def new_access_code() -> str:
    """The 4-digit code the patient gives at the pharmacy or the registration desk."""
    return f"{secrets.randbelow(10_000):04d}"


def keep_numbers(kind: str, numbers: list[str]) -> None:
    """Numbers given from outside (a handover import keeps each document's number): each year's
    sequence moves past the highest of them, so numbers issued here later never collide."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("keep_numbers() must run inside the transaction that saves the documents")
    kind = DocKind(kind)
    highest: dict[int, int] = {}
    for number in numbers:
        match = PATTERN[kind].fullmatch(number)
        year, value = int(match.group(1)), int(match.group(2))
        highest[year] = max(highest.get(year, 0), value)
    for year, value in sorted(highest.items()):
        sequence = _locked_sequence(kind, year)
        if sequence.last_value < value:
            sequence.last_value = value
            sequence.save(update_fields=["last_value"])
