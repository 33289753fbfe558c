"""Bulk import of practitioners: a login, a staff member and a practitioner record per row.

The rows are checked by the same rules as create_practitioner (licence, title, specialties); names
and contacts are sealed under each person's own key through the fields' pre_save; the database's
licence_unique_in_clinic stays in force. Each chunk is one transaction; one CREATE audit event per
staff member and per practitioner, reason "imported". Logins get no usable password: each person
sets one through an invitation or a password reset.
"""
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from klinika.accounts.models import StaffMember, User
from klinika.audit.context import Actor
from klinika.audit.models import Action
from klinika.audit.services import record_many
from klinika.bulk import CHUNK, IMPORTED, ImportRejected, RowProblem, chunks, problems_of
from klinika.crypto import keystore
from klinika.crypto.fields import blind_index_for
from klinika.staff.models import Practitioner, Profession, Specialty
from klinika.staff.services import ROLE_FOR_PROFESSION, TITLE_MAX
from klinika.staff.validators import validate_licence
from klinika.tenancy.context import clinic_context

NAME_MAX = 100


@dataclass
class StaffImportResult:
    count: int = 0
    practitioner_ids: list = field(default_factory=list)  # in row order


def import_practitioners(clinic, rows: Iterable[dict], *, actor: Actor, chunk_size: int = CHUNK) -> StaffImportResult:
    """rows: first_name, last_name, profession, licence_number, title, specialties (codes), email,
    phone and login (unique across the installation)."""
    result = StaffImportResult()
    with clinic_context(clinic):
        for number, chunk in enumerate(chunks(rows, chunk_size)):
            stored = result.count
            try:
                with transaction.atomic():
                    _import_chunk(clinic, chunk, number * chunk_size, actor, result)
            except ImportRejected as rejected:
                raise ImportRejected(rejected.problems, stored=stored) from None
    return result


def _clean(row: dict, specialties: dict) -> dict:
    errors = {}
    out = {}
    for name in ("first_name", "last_name"):
        value = " ".join(str(row.get(name) or "").split())
        if not value or len(value) > NAME_MAX:
            errors[name] = _("Enter a name of at most %(max)d characters.") % {"max": NAME_MAX}
        out[name] = value
    profession = row.get("profession")
    if profession not in Profession.values:
        errors["profession"] = _("Choose a profession.")
    else:
        try:
            out["licence_number"] = validate_licence(profession, row.get("licence_number") or "")
        except ValidationError as error:
            errors["licence_number"] = error.messages[0]
    out["profession"] = profession
    out["title"] = str(row.get("title") or "").strip()
    if len(out["title"]) > TITLE_MAX:
        errors["title"] = _("The title may have at most %(max)d characters.") % {"max": TITLE_MAX}
    codes = [str(c).strip() for c in row.get("specialties") or ()]
    unknown = [c for c in codes if c not in specialties]
    if unknown:
        errors["specialties"] = _("Unknown specialty code: %(codes)s.") % {"codes": ", ".join(unknown)[:100]}
    out["specialties"] = [specialties[c] for c in codes if c in specialties]
    out["email"] = str(row.get("email") or "").strip()
    out["phone"] = str(row.get("phone") or "").strip()
    out["login"] = str(row.get("login") or "").strip()
    if not out["login"] or len(out["login"]) > User._meta.get_field("username").max_length:
        errors["login"] = _("Give each person a login.")
    if errors:
        raise ValidationError(errors)
    return out


def _import_chunk(clinic, chunk, first, actor, result):
    specialties = {s.code: s for s in Specialty.objects.all()}
    problems, cleaned, licences, logins = [], [], {}, {}
    for i, row in enumerate(chunk, start=first):
        try:
            values = _clean(row, specialties)
        except ValidationError as error:
            problems.extend(problems_of(error, i))
            continue
        for name, seen in (("licence_number", licences), ("login", logins)):
            if values[name] in seen:
                problems.append(RowProblem(i, name, _("The same as row %(row)d.") % {"row": seen[values[name]]}))
            seen[values[name]] = i
        cleaned.append((i, values))
    index = blind_index_for(Practitioner, "licence_number")
    tokens = {bytes(t): i for i, values in cleaned for t in index.tokens(clinic.id, values["licence_number"])}
    for token in Practitioner.objects.filter(licence_index__in=list(tokens)).values_list("licence_index", flat=True):
        problems.append(RowProblem(tokens[bytes(token)], "licence_number",
                                   _("Another practitioner of this clinic has this licence number.")))
    for login in User.objects.filter(username__in=list(logins)).values_list("username", flat=True):
        problems.append(RowProblem(logins[login], "login", _("This login is taken.")))
    if problems:
        raise ImportRejected(sorted(problems, key=lambda p: p.row))

    unusable = make_password(None)
    users = User.objects.bulk_create([
        User(username=v["login"], password=unusable, role=ROLE_FOR_PROFESSION[v["profession"]], clinic=clinic)
        for _i, v in cleaned])
    members = [StaffMember(clinic=clinic, user=user, subject_ref=uuid.uuid4(), first_name=v["first_name"],
                           last_name=v["last_name"], email=v["email"], phone=v["phone"])
               for user, (_i, v) in zip(users, cleaned, strict=True)]
    keystore.create_subject_keys(clinic.id, [m.subject_ref for m in members])
    StaffMember.objects.bulk_create(members)
    practitioners = Practitioner.objects.bulk_create([
        Practitioner(clinic=clinic, staff=member, profession=v["profession"], title=v["title"],
                     licence_number=v["licence_number"])
        for member, (_i, v) in zip(members, cleaned, strict=True)])
    through = Practitioner.specialties.through
    through.objects.bulk_create([through(practitioner_id=p.pk, specialty_id=s.pk)
                                 for p, (_i, v) in zip(practitioners, cleaned, strict=True)
                                 for s in dict.fromkeys(v["specialties"])])
    record_many(Action.CREATE, [("staff", m.pk, m.subject_ref) for m in members]
                + [("practitioner", p.pk, m.subject_ref) for p, m in zip(practitioners, members, strict=True)],
                reason=IMPORTED, clinic_id=clinic.id, actor=actor)
    result.count += len(practitioners)
    result.practitioner_ids.extend(p.pk for p in practitioners)
