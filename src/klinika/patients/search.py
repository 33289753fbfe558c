"""One search box for the registration desk, under encryption (DESIGN.md, Keys: blind indexes).

What is typed decides which indexes are asked, and each kind costs as few queries as it can:

- 11 digits (a PESEL): the PESEL and document indexes in one query; a former identifier only when
  nobody has it now; the valid PESELs one digit away (python-stdnum checks them) only when nobody
  had it ever, in one query, shown as suggestions.
- a phone number, an e-mail, a document number: one query each, the identifier history only
  when nothing was found.
- words (a name, maybe a birth date or year): the whole-surname and surname-part indexes of
  every way of reading the words as "surname [first names]" or "[first names] surname", in one
  query. When no one is called so, or one word is typed that is short enough to be an unfinished
  surname (up to 5 letters: "Kowal"), also the truncated three-letter prefix index of each word, in one query, whose
  candidates are checked after decryption without building model instances.

Names are compared case- and diacritics-folded (crypto.blind.fold: "Ciemiega" is "Ciemięga", a
typed "lukasz" is "Łukasz"); everything an index returns is checked against the decrypted value,
since a prefix index is shared by many surnames on purpose (docs/search-index-leakage.md).
Results are ranked (exact surname first, then folded, then a part, then a prefix) and each
says why it matched.
"""
import datetime
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import Case, Q, Value, When
from django.utils.translation import gettext_lazy as _
from stdnum.pl import pesel as stdnum_pesel

from klinika.crypto.blind import PREFIX_LETTERS, fold, name_parts, normalise_name
from klinika.crypto.fields import blind_index_for
from klinika.patients import validators as v
from klinika.patients.cleaning import as_text
from klinika.patients.models import IdentifierKind, Patient, PatientIdentifier
from klinika.tenancy.context import require_clinic_id

SEARCH_LIMIT = 50
CANDIDATE_LIMIT = 500
# A three-letter prefix is shared by a sixty-fourth of a clinic's patients (SURNAME_PREFIX_BITS):
# 1,600 in a clinic of 100,000. Checked without model instances; enough for any such clinic.
PREFIX_CANDIDATE_LIMIT = 4000
NAME_WORDS_LIMIT = 5
MIN_PREFIX = PREFIX_LETTERS
UNFINISHED_UP_TO = 5  # letters of a typed surname that may still be unfinished
MIN_LIVE_QUERY = 3
PHONE_RE = re.compile(r"\+?[0-9][0-9 ()\-]*")
DOCUMENT_RE = re.compile(r"[A-Za-z]{1,4}[ -]?[A-Za-z0-9]*[0-9][A-Za-z0-9]*")
DATE_RES = [re.compile(r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}"), re.compile(r"[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{4}")]
YEAR_RE = re.compile(r"(19|20)[0-9]{2}")


class Why:
    """Why a patient was found (codes; REASONS says them to the user)."""

    PESEL = "pesel"
    PESEL_NEAR = "pesel_near"
    FORMER_IDENTIFIER = "former_identifier"
    DOCUMENT = "document"
    PHONE = "phone"
    EMAIL = "email"
    SURNAME = "surname"
    SURNAME_FOLDED = "surname_folded"
    SURNAME_PART = "surname_part"
    SURNAME_PREFIX = "surname_prefix"
    FIRST_NAME = "first_name"
    BIRTH_DATE = "birth_date"
    BIRTH_YEAR = "birth_year"


REASONS = {
    Why.PESEL: _("PESEL"),
    Why.PESEL_NEAR: _("PESEL differs from the typed one in one digit: check it"),
    Why.FORMER_IDENTIFIER: _("a former PESEL or document"),
    Why.DOCUMENT: _("document number"),
    Why.PHONE: _("phone number"),
    Why.EMAIL: _("e-mail address"),
    Why.SURNAME: _("surname"),
    Why.SURNAME_FOLDED: _("surname, ignoring case and Polish letters"),
    Why.SURNAME_PART: _("one part of the surname"),
    Why.SURNAME_PREFIX: _("surname begins with the typed letters"),
    Why.FIRST_NAME: _("first name"),
    Why.BIRTH_DATE: _("birth date"),
    Why.BIRTH_YEAR: _("birth year"),
}
# Lower ranks first: how close the match on the main key is.
RANK = {Why.PESEL: 0, Why.DOCUMENT: 0, Why.PHONE: 0, Why.EMAIL: 0, Why.SURNAME: 0, Why.SURNAME_FOLDED: 1,
        Why.SURNAME_PART: 2, Why.FORMER_IDENTIFIER: 3, Why.SURNAME_PREFIX: 4, Why.PESEL_NEAR: 5}


@dataclass
class SearchHit:
    patient: Patient
    # Found through an identifier the patient no longer uses (a corrected PESEL, an old document).
    old_identifier: bool = False
    # Found through a record that was merged into this one.
    via_merged_record: bool = False
    reasons: list = field(default_factory=list)
    rank: int = 0

    @property
    def why(self) -> list[str]:
        """The reasons, translated, for the result list."""
        return [str(REASONS[code]) for code in self.reasons]

    @property
    def suggestion(self) -> bool:
        """Not what was typed, but close to it (a PESEL with one digit different)."""
        return Why.PESEL_NEAR in self.reasons


@dataclass
class SearchResult:
    kind: str  # pesel, document, phone, email, name; "" when the query was not searched
    hits: list[SearchHit]
    hint: str = ""
    truncated: bool = False
    query: str = ""
    # What the register form can be prefilled with when nobody was found (register?last_name=...).
    prefill: dict = field(default_factory=dict)
    searched: list = field(default_factory=list)  # (what, value) pairs, said when nothing was found


def classify_query(query: str) -> str:
    """Which key a one-box query is: pesel, phone, email, document or name."""
    text = " ".join(query.split())
    compact = text.replace(" ", "").replace("-", "")
    if "@" in text:
        return "email"
    if compact.isdigit() and len(compact) == 11:
        # 48 600 100 200 is a phone typed with the country code, unless it is a valid PESEL.
        if compact.startswith("48") and not stdnum_pesel.is_valid(compact):
            return "phone"
        return "pesel"
    if PHONE_RE.fullmatch(text) and 9 <= sum(ch.isdigit() for ch in text) <= 15:
        return "phone"
    if DOCUMENT_RE.fullmatch(text) and not _date_in(text) and not _name_with_year(text):
        return "document"
    return "name"


def _name_with_year(text: str) -> bool:
    """ "Ewa 1985" is a first name and a birth year, not a document number."""
    words = text.split()
    return len(words) == 2 and words[0].isalpha() and len(words[0]) > 1 and bool(YEAR_RE.fullmatch(words[1]))


def _date_in(word: str):
    for pattern in DATE_RES:
        if pattern.fullmatch(word):
            try:
                return v.parse_date(word)
            except ValidationError:
                return None
    return None


def run(text: str) -> SearchResult:
    """The search proper, in the clinic in context; the caller checks the policy and audits."""
    kind = classify_query(text)
    hits: dict[int, SearchHit] = {}
    hint = ""
    searched: list = []
    prefill: dict = {}
    if kind == "pesel":
        digits = text.replace(" ", "").replace("-", "")
        searched, prefill = [(_("PESEL"), digits)], {"pesel": digits}
        _by_keys(hits, pesel=(digits, Why.PESEL), document_number=(digits, Why.DOCUMENT))
        if not hits:
            _old_identifiers(hits, digits)
        if not hits:
            _near_pesels(hits, digits)
    elif kind == "email":
        searched, prefill = [(_("e-mail address"), text)], {"email": text}
        _by_keys(hits, email=(text, Why.EMAIL))
    elif kind == "phone":
        number = v.compact_document_number(text)
        searched, prefill = [(_("phone number"), text)], {"phone": text}
        _by_keys(hits, phone=(text, Why.PHONE), document_number=(number, Why.DOCUMENT))
        if not hits:
            _old_identifiers(hits, number)
    elif kind == "document":
        number = v.compact_document_number(text)
        searched = [(_("document number"), number)]
        prefill = {"document_number": number}
        _by_keys(hits, document_number=(number, Why.DOCUMENT))
        if not hits:
            _old_identifiers(hits, number)
    else:
        hint, searched, prefill = _by_name(hits, text)
    result = _resolve_merged(hits)
    truncated = len(result) > SEARCH_LIMIT
    return SearchResult(kind, result[:SEARCH_LIMIT], hint, truncated, text, prefill, searched)


# --- identifiers, phone, e-mail -------------------------------------------------------------

def _by_keys(hits, **wanted):
    """Patients whose blind index of any of these fields matches, in one query."""
    clinic_id = require_clinic_id()
    condition, tokens = Q(), {}
    for source, (value, why) in wanted.items():
        index = blind_index_for(Patient, source)
        found = index.tokens(clinic_id, value)
        if found:
            condition |= Q(**{f"{index.name}__in": found})
            tokens[index.attname] = (set(found), why)
    if not tokens:
        return
    for patient in Patient.objects.filter(condition)[:CANDIDATE_LIMIT]:
        for attname, (found, why) in tokens.items():
            if _bytes(getattr(patient, attname)) in found:
                _add(hits, patient, why)


def _bytes(value):
    return bytes(value) if value is not None else None


def _old_identifiers(hits, value):
    """Patients who had this identifier before: matched through their identifier history."""
    rows = (PatientIdentifier.objects.matching(value=value)
            .filter(kind__in=[IdentifierKind.PESEL, IdentifierKind.DOCUMENT], replaced_at__isnull=False)
            .select_related("patient")[:CANDIDATE_LIMIT])
    for row in rows:
        if not isinstance(row.value, str):
            continue  # crypto-erased: nobody is findable by it any more
        hit = _add(hits, row.patient, Why.FORMER_IDENTIFIER)
        hit.old_identifier = True


def near_pesels(digits: str) -> list[str]:
    """Valid PESELs one typing slip away: one digit different, or two neighbours swapped."""
    found = set()
    for i in range(len(digits)):
        for d in "0123456789":
            if d != digits[i]:
                found.add(digits[:i] + d + digits[i + 1:])
        if i + 1 < len(digits) and digits[i] != digits[i + 1]:
            found.add(digits[:i] + digits[i + 1] + digits[i] + digits[i + 2:])
    return sorted(p for p in found if stdnum_pesel.is_valid(p))


def _near_pesels(hits, digits):
    index, clinic_id = blind_index_for(Patient, "pesel"), require_clinic_id()
    tokens = [t for candidate in near_pesels(digits) for t in index.tokens(clinic_id, candidate)]
    if tokens:
        for patient in Patient.objects.filter(pesel_index__in=tokens)[:CANDIDATE_LIMIT]:
            _add(hits, patient, Why.PESEL_NEAR)


def _add(hits, patient, *reasons) -> SearchHit:
    hit = hits.get(patient.pk)
    if hit is None:
        hit = hits[patient.pk] = SearchHit(patient)
    for why in reasons:
        if why not in hit.reasons:
            hit.reasons.append(why)
    return hit


# --- names ---------------------------------------------------------------------------------

@dataclass
class NameQuery:
    words: list[str]  # as typed
    birth_date: datetime.date | None = None
    birth_year: int | None = None

    def splits(self):
        """Every reading of the words as (surname words, first-name words): "Kowalska Anna",
        "Anna Kowalska" and surnames of several words ("de la Cruz", "Wójcik Żółkiewska")."""
        seen, words = set(), self.words
        for cut in range(1, len(words) + 1):
            for surname, first in ((words[:cut], words[cut:]), (words[len(words) - cut:], words[:len(words) - cut])):
                key = (normalise_name(" ".join(surname)), tuple(fold(w) for w in first))
                if key[0] and key not in seen:
                    seen.add(key)
                    yield key


def parse_name_query(text: str) -> NameQuery:
    words, birth_date, year = [], None, None
    for word in text.split():
        day = _date_in(word)
        if day is not None:
            birth_date = day
        elif YEAR_RE.fullmatch(word):
            year = int(word)
        else:
            words.append(word.strip(","))
    return NameQuery([w for w in words if w][:NAME_WORDS_LIMIT], birth_date, year)


def _by_name(hits, text):
    query = parse_name_query(text)
    searched = [(_("surname and first name"), " ".join(query.words))] if query.words else []
    if query.birth_date:
        searched.append((_("birth date"), query.birth_date.isoformat()))
    elif query.birth_year:
        searched.append((_("birth year"), str(query.birth_year)))
    prefill = _name_prefill(query)
    if not query.words:
        return _("Add the surname to the birth date."), searched, prefill
    splits = list(query.splits())
    clinic_id = require_clinic_id()
    whole = blind_index_for(Patient, "last_name")
    first_part = Patient._meta.get_field("last_name_first_part_index")
    last_part = Patient._meta.get_field("last_name_last_part_index")
    surnames = {surname for surname, _first in splits}
    single = {s for s in surnames if " " not in s}
    condition = Q(last_name_index__in=[t for s in surnames for t in whole.tokens(clinic_id, s)])
    for part in (first_part, last_part):
        condition |= Q(**{f"{part.name}__in": [t for s in single for t in part.tokens_of_normalised(clinic_id, s)]})
    # A short word typed alone is as likely the start of a surname as a whole one ("Kowal"): the
    # surnames beginning with it are read with the exact ones, and listed after them. Otherwise the
    # prefix index is read only when nobody fits.
    if len(query.words) == 1 and len(fold(query.words[0])) <= UNFINISHED_UP_TO and _by_prefix(
            hits, query, splits, clinic_id, exact=condition):
        return "", searched, prefill
    for patient in Patient.objects.filter(condition)[:CANDIDATE_LIMIT]:
        match = _match(query, splits, patient.last_name, patient.first_name, patient.birth_date, prefix=False)
        if match:
            _add(hits, patient, *match)
    if not hits:
        _by_prefix(hits, query, splits, clinic_id)
    return "", searched, prefill


def _by_prefix(hits, query, splits, clinic_id, exact: Q | None = None) -> bool:
    """Surnames beginning with a typed word: the truncated prefix index gives a 64th of the clinic,
    checked on the decrypted names alone (no model instances); the few that fit are loaded.
    With `exact`, the rows it finds are read in the same query, first. False if no word is long
    enough to be a prefix."""
    prefix = Patient._meta.get_field("last_name_prefix_index")
    words = {surname for surname, _first in splits if " " not in surname and len(surname) >= MIN_PREFIX}
    tokens = [t for w in words for t in prefix.tokens_of_normalised(clinic_id, w[:MIN_PREFIX])]
    if not tokens:
        return False
    found, prefixed = {}, 0
    rows = Patient.objects.filter(Q(last_name_prefix_index__in=tokens) | (exact or Q(pk__in=[])))
    if exact is not None:
        # The exact matches first, so that stopping at a full list never leaves one out.
        rows = rows.order_by(Case(When(exact, then=Value(0)), default=Value(1)), "pk")
    rows = rows.values_list("pk", "personal")
    for pk, personal in rows[:PREFIX_CANDIDATE_LIMIT].iterator(chunk_size=500):
        if not isinstance(personal, dict):
            continue
        match = _match(query, splits, personal.get("last_name"), personal.get("first_name"),
                       personal.get("birth_date"), prefix=True)
        if match:
            found[pk] = match
            # Enough to fill the list and say there are more. Only prefix matches count: the exact
            # ones come first and are all kept ("Pyc" and "Pyć" are one folded class, and the list
            # shows the typed spelling first).
            prefixed += match[0] == Why.SURNAME_PREFIX
            if prefixed > SEARCH_LIMIT:
                break
    for pk in [pk for pk in found if pk in hits]:
        _add(hits, hits[pk].patient, *found.pop(pk))
    if found:
        for patient in Patient.objects.filter(pk__in=list(found)):
            _add(hits, patient, *found[patient.pk])
    return True


def _match(query: NameQuery, splits, last_name, first_name, birth_date, *, prefix: bool) -> list | None:
    """Why this patient fits one reading of the words (None if no reading fits), best reading first."""
    if not isinstance(last_name, str):
        return None  # erased
    if isinstance(birth_date, str):
        birth_date = datetime.date.fromisoformat(birth_date)
    dated = []
    if query.birth_date is not None:
        if birth_date != query.birth_date:
            return None
        dated = [Why.BIRTH_DATE]
    elif query.birth_year is not None:
        if getattr(birth_date, "year", None) != query.birth_year:
            return None
        dated = [Why.BIRTH_YEAR]
    stored = normalise_name(last_name)
    parts = stored.split()
    first_names = name_parts(as_text(first_name))
    best = None
    for surname, first in splits:
        if stored == surname:
            typed = " ".join(query.words).casefold().replace("-", " ")
            exact = " ".join(last_name.casefold().replace("-", " ").split()) in typed
            why = Why.SURNAME if exact else Why.SURNAME_FOLDED
        elif len(parts) > 1 and surname in parts:
            why = Why.SURNAME_PART
        elif prefix and " " not in surname and any(p.startswith(surname) for p in parts):
            why = Why.SURNAME_PREFIX
        else:
            continue
        if not all(any(name.startswith(w) for name in first_names) for w in first):
            continue
        reasons = [why, *([Why.FIRST_NAME] if first else []), *dated]
        if best is None or RANK[why] < RANK[best[0]]:
            best = reasons
    return best


def _name_prefill(query: NameQuery) -> dict:
    """The register form's values from a name search: the first word the surname, the rest first names."""
    prefill = {}
    if query.words:
        prefill["last_name"] = query.words[0]
        if len(query.words) > 1:
            prefill["first_name"] = " ".join(query.words[1:])
    if query.birth_date:
        prefill["birth_date"] = query.birth_date.isoformat()
    return prefill


# --- merged records and order ---------------------------------------------------------------

def _resolve_merged(hits: dict[int, SearchHit]) -> list[SearchHit]:
    """Merged records are shown as the record they were merged into; best match first."""
    result: dict[int, SearchHit] = {}
    for hit in hits.values():
        patient, via = hit.patient, False
        seen = set()
        while not patient.is_active and patient.merged_into_id and patient.pk not in seen:
            seen.add(patient.pk)
            patient, via = Patient.objects.get(pk=patient.merged_into_id), True
        if not patient.is_active:
            continue
        rank = min((RANK.get(why, 9) for why in hit.reasons), default=9)
        existing = result.get(patient.pk)
        if existing is None:
            result[patient.pk] = SearchHit(patient, hit.old_identifier, via, list(hit.reasons), rank)
        elif rank < existing.rank or (not hit.old_identifier and not via):
            if rank <= existing.rank:
                existing.reasons, existing.rank = list(hit.reasons), rank
            if not hit.old_identifier and not via:
                existing.old_identifier = existing.via_merged_record = False
    return sorted(result.values(), key=lambda h: (h.rank, -len(h.reasons), fold(as_text(h.patient.last_name)),
                                                  fold(as_text(h.patient.first_name)), h.patient.pk))


