"""Bulk import of staff logins: a login and its staff record per row (registrars, nurses, admins...).

The path a migration from another system takes for people who are not (or not yet) practitioners,
and the demo clinic's way of making its logins. Names and contacts are sealed under each person's
own key through the fields' pre_save, as a single save seals them. Each chunk is one transaction;
a refused row names its index and field; one CREATE audit event per staff member, reason
"imported". Logins get no usable password unless `password_hash` is given (an already hashed
password, e.g. the demo's shared one: hashing it once, not once per login, keeps the import fast).
"""
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from klinika.accounts.models import StaffMember, User
from klinika.accounts.roles import CLINIC_ROLES
from klinika.audit.context import Actor
from klinika.audit.models import Action
from klinika.audit.services import record_many
from klinika.bulk import CHUNK, IMPORTED, ImportRejected, RowProblem, chunks, problems_of
from klinika.crypto import keystore
from klinika.tenancy.context import clinic_context

NAME_MAX = 100


@dataclass
class StaffLoginResult:
    count: int = 0
    user_ids: list = field(default_factory=list)  # in row order


def import_staff(clinic, rows: Iterable[dict], *, actor: Actor, password_hash: str | None = None,
                 chunk_size: int = CHUNK) -> StaffLoginResult:
    """rows: login (unique across the installation), role (a clinic role), first_name, last_name,
    email and phone (optional)."""
    result = StaffLoginResult()
    password = password_hash or make_password(None)
    with clinic_context(clinic):
        for number, chunk in enumerate(chunks(rows, chunk_size)):
            stored = result.count
            try:
                with transaction.atomic():
                    _import_chunk(clinic, chunk, number * chunk_size, actor, password, result)
            except ImportRejected as rejected:
                raise ImportRejected(rejected.problems, stored=stored) from None
    return result


def _clean(row: dict) -> dict:
    errors, out = {}, {}
    for name in ("first_name", "last_name"):
        out[name] = " ".join(str(row.get(name) or "").split())
        if not out[name] or len(out[name]) > NAME_MAX:
            errors[name] = _("Enter a name of at most %(max)d characters.") % {"max": NAME_MAX}
    out["role"] = row.get("role")
    if out["role"] not in CLINIC_ROLES:
        errors["role"] = _("Choose a role of a clinic's staff.")
    out["email"] = str(row.get("email") or "").strip()
    if out["email"]:
        try:
            validate_email(out["email"])
        except ValidationError:
            errors["email"] = _("Enter a valid e-mail address, e.g. name@example.com.")
    out["phone"] = str(row.get("phone") or "").strip()
    out["login"] = str(row.get("login") or "").strip()
    if not out["login"] or len(out["login"]) > User._meta.get_field("username").max_length \
            or any(c.isspace() for c in out["login"]):
        errors["login"] = _("Give each person a login.")
    if errors:
        raise ValidationError(errors)
    return out


def _import_chunk(clinic, chunk, first, actor, password, result):
    problems, cleaned, logins = [], [], {}
    for i, row in enumerate(chunk, start=first):
        try:
            values = _clean(row)
        except ValidationError as error:
            problems.extend(problems_of(error, i))
            continue
        if values["login"] in logins:
            problems.append(RowProblem(i, "login", _("The same as row %(row)d.") % {"row": logins[values["login"]]}))
        logins[values["login"]] = i
        cleaned.append(values)
    for login in User.objects.filter(username__in=list(logins)).values_list("username", flat=True):
        problems.append(RowProblem(logins[login], "login", _("This login is taken.")))
    if problems:
        raise ImportRejected(sorted(problems, key=lambda p: p.row))
    users = User.objects.bulk_create([User(username=v["login"], password=password, role=v["role"], clinic=clinic)
                                      for v in cleaned])
    members = [StaffMember(clinic=clinic, user=user, subject_ref=uuid.uuid4(), first_name=v["first_name"],
                           last_name=v["last_name"], email=v["email"], phone=v["phone"])
               for user, v in zip(users, cleaned, strict=True)]
    keystore.create_subject_keys(clinic.id, [m.subject_ref for m in members])
    StaffMember.objects.bulk_create(members)
    record_many(Action.CREATE, [("staff", m.pk, m.subject_ref) for m in members], reason=IMPORTED,
                clinic_id=clinic.id, actor=actor)
    result.count += len(users)
    result.user_ids.extend(u.pk for u in users)
