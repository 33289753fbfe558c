"""ICD-10 and ICD-9-PL: type-ahead search, checking the codes a visit uses, loading a licensed dictionary.

A clinic sees the built-in list plus the dictionary it loaded itself; where both have a code,
the clinic's (licensed, official) name wins.
"""
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Case, IntegerField, Q, Value, When

from klinika.audit.models import Action
from klinika.audit.services import record
from klinika.records.codefiles import (
    ICD9PL,
    ICD10,
    SYSTEM_LABELS,
    fold,
    is_valid_code,
    normalise_code,
    read_dictionary,
    search_text,
)
from klinika.records.models import Code
from klinika.tenancy.context import require_clinic_id

__all__ = ["ICD10", "ICD9PL", "SYSTEM_LABELS", "search", "lookup", "load_dictionary", "DictionaryRefused"]
SEARCH_LIMIT = 20
MAX_WORDS = 5


def search(system: str, query: str, limit: int = SEARCH_LIMIT) -> list[Code]:
    """Codes whose code starts with the query, or whose name has words starting with each word of
    it ('zak gor' finds 'zakażenie ... górnych'); diacritics and case do not matter."""
    if system not in SYSTEM_LABELS:
        return []
    words = fold(query).split()[:MAX_WORDS]
    if not words:
        return []
    by_name = Q()
    for word in words:
        by_name &= Q(search_text__startswith=word) | Q(search_text__contains=" " + word)
    code_prefix = normalise_code(system, query) if len(words) == 1 else ""
    by_code = Q(code__startswith=code_prefix) if code_prefix else Q(pk__in=[])
    rows = (
        Code.objects.filter(system=system)
        .filter(by_code | by_name)
        .annotate(rank=Case(When(by_code, then=Value(0)), default=Value(1), output_field=IntegerField()))
        # A code in both lists comes twice; fetching twice the limit still leaves `limit` distinct ones.
        .order_by("rank", "code", "clinic_id")[: limit * 2]
    )
    return _prefer_clinic(rows)[:limit]


def _prefer_clinic(rows) -> list[Code]:
    chosen: dict[str, Code] = {}
    for row in rows:
        if row.code not in chosen or row.clinic_id is not None:
            chosen[row.code] = row
    return list(chosen.values())


_memo: ContextVar[dict | None] = ContextVar("code_lookup_memo", default=None)


@contextmanager
def memoised():
    """Inside, lookup() remembers what it found (and what does not exist): a bulk import checks
    thousands of visits against the same few hundred codes with one query per new code, not two
    queries per visit. Only for one clinic's import, inside one transaction."""
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def lookup(system: str, codes) -> dict[str, Code]:
    """{normalised code: Code} for the codes that exist (the caller names the ones that do not)."""
    wanted = {normalise_code(system, c) for c in codes}
    wanted = {c for c in wanted if is_valid_code(system, c)}
    if not wanted:
        return {}
    memo = _memo.get()
    if memo is None:
        return _lookup(system, wanted)
    missing = {c for c in wanted if (system, c) not in memo}
    if missing:
        found = _lookup(system, missing)
        memo.update({(system, c): found.get(c) for c in missing})
    return {c: memo[(system, c)] for c in wanted if memo[(system, c)] is not None}


def _lookup(system: str, wanted: set) -> dict[str, Code]:
    rows = Code.objects.filter(system=system, code__in=wanted).order_by("code", "clinic_id")
    return {row.code: row for row in _prefer_clinic(rows)}


@dataclass
class LoadReport:
    added: int
    updated: int
    removed: int
    total: int


class DictionaryRefused(ValueError):
    """The file has problems; nothing was loaded. `problems` is [(line, message), ...]."""

    def __init__(self, problems):
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


def load_dictionary(system: str, data: bytes | str, *, progress=None) -> LoadReport:
    """Make the clinic in context's dictionary of `system` exactly the file's rows, in one transaction.

    Run from the command line by whoever administers the deployment for the clinic (there is no
    clinic role for it: the file comes with the clinic's licence). Code lists hold no personal data.
    """
    if system not in SYSTEM_LABELS:
        raise ValueError(f"unknown code system {system!r}")
    parsed = read_dictionary(system, data)
    if parsed.problems:
        raise DictionaryRefused(parsed.problems)
    clinic_id = require_clinic_id()
    total = len(parsed.rows)
    with transaction.atomic():
        existing = {c.code: c for c in Code.objects.filter(system=system, clinic_id=clinic_id)}
        new, changed = [], []
        for done, (code, name) in enumerate(parsed.rows, start=1):
            row = existing.pop(code, None)
            if row is None:
                new.append(Code(clinic_id=clinic_id, system=system, code=code, name=name,
                                search_text=search_text(code, name)))
            elif row.name != name:
                row.name, row.search_text = name, search_text(code, name)
                changed.append(row)
            if progress and (done % 500 == 0 or done == total):
                progress(done, total)
        Code.objects.bulk_create(new, batch_size=1000)
        Code.objects.bulk_update(changed, ["name", "search_text"], batch_size=1000)
        if existing:  # codes the new file no longer has
            Code.objects.filter(pk__in=[c.pk for c in existing.values()]).delete()
        record(Action.UPDATE, object_type="code-dictionary", object_id=system,
               reason=f"loaded {total} codes: {len(new)} new, {len(changed)} renamed, {len(existing)} removed")
    return LoadReport(len(new), len(changed), len(existing), total)
