"""Practitioners: who sees patients, under which licence, in which specialties."""
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from klinika.accounts.models import StaffMember
from klinika.accounts.policy import require
from klinika.accounts.roles import Role
from klinika.audit.models import Action
from klinika.audit.services import record
from klinika.staff.models import Practitioner, Profession, Specialty
from klinika.staff.validators import validate_licence

# The role a login needs for each profession: what a practitioner may do follows from the role.
ROLE_FOR_PROFESSION = {Profession.DOCTOR: Role.DOCTOR, Profession.NURSE: Role.NURSE, Profession.MIDWIFE: Role.NURSE}
TITLE_MAX = Practitioner._meta.get_field("title").max_length


def list_practitioners(user, *, specialty_code=None, active_only=True):
    require(user, "staff.view")
    qs = Practitioner.objects.select_related("staff").prefetch_related("specialties")
    if active_only:
        qs = qs.filter(is_active=True)
    if specialty_code:
        qs = qs.filter(specialties__code=specialty_code)
    return sorted(qs.distinct(), key=lambda p: (str(p.staff.last_name), str(p.staff.first_name), p.pk))


def get_practitioner(user, practitioner_id) -> Practitioner:
    """The practitioner; another clinic's id (or a malformed one) is simply not found."""
    require(user, "staff.view")
    return get_object_or_404(Practitioner.objects.select_related("staff").prefetch_related("specialties"),
                             pk=_as_int(practitioner_id))


def staff_who_may_practise(user, *, include=None):
    """Staff members with a doctor's or nurse's login and no practitioner record yet (plus `include`)."""
    require(user, "staff.manage")
    members = StaffMember.objects.select_related("user").filter(
        user__role__in=[Role.DOCTOR, Role.NURSE], user__is_active=True)
    taken = set(Practitioner.objects.values_list("staff_id", flat=True))
    keep = {include.pk} if include is not None else set()
    return sorted((m for m in members if m.pk not in taken or m.pk in keep),
                  key=lambda m: (str(m.last_name), str(m.first_name)))


def create_practitioner(user, *, staff_id, profession, licence_number, title="", specialty_codes=()) -> Practitioner:
    require(user, "staff.manage")
    staff = StaffMember.objects.select_related("user").filter(pk=_as_int(staff_id)).first()
    if staff is None:
        raise ValidationError({"staff": _("Choose a member of staff of this clinic.")})
    if Practitioner.objects.filter(staff=staff).exists():
        raise ValidationError({"staff": _("This person already has a practitioner record; edit it instead.")})
    practitioner = Practitioner(staff=staff)
    return _save(user, practitioner, Action.CREATE, profession=profession, licence_number=licence_number,
                 title=title, specialty_codes=specialty_codes, is_active=True)


def update_practitioner(user, practitioner_id, *, profession, licence_number, title="", specialty_codes=(),
                        is_active=True) -> Practitioner:
    require(user, "staff.manage")
    practitioner = get_object_or_404(Practitioner.objects.select_related("staff__user"), pk=_as_int(practitioner_id))
    return _save(user, practitioner, Action.UPDATE, profession=profession, licence_number=licence_number,
                 title=title, specialty_codes=specialty_codes, is_active=is_active)


def _save(user, practitioner, action, *, profession, licence_number, title, specialty_codes, is_active):
    if profession not in Profession.values:
        raise ValidationError({"profession": _("Choose a profession.")})
    number = validate_licence(profession, licence_number)
    title = (title or "").strip()
    if len(title) > TITLE_MAX:
        raise ValidationError({"title": _("The title may have at most %(max)d characters.") % {"max": TITLE_MAX}})
    role = practitioner.staff.user.role
    if ROLE_FOR_PROFESSION[profession] != role:
        raise ValidationError({"profession": _(
            "This profession does not fit the person's login role (%(role)s).") % {"role": Role(role).label}})
    specialties = _specialties(specialty_codes)
    same_licence = Practitioner.objects.matching(licence_number=number)
    if practitioner.pk:
        same_licence = same_licence.exclude(pk=practitioner.pk)
    if same_licence.exists():
        raise ValidationError({"licence_number": _("Another practitioner of this clinic has this licence number.")})
    practitioner.profession, practitioner.licence_number, practitioner.title = profession, number, title
    practitioner.is_active = bool(is_active)
    try:
        with transaction.atomic():
            practitioner.save()
            practitioner.specialties.set(specialties)
            record(action, object_type="practitioner", object_id=practitioner.pk,
                   subject_ref=practitioner.staff.subject_ref)
    except IntegrityError:
        # A parallel save took the licence (or the staff member) between the check and the write.
        raise ValidationError(_("Another practitioner of this clinic has this licence number.")) from None
    return practitioner


def _specialties(codes) -> list[Specialty]:
    codes = [str(c).strip() for c in (codes or []) if str(c).strip()]
    found = {s.code: s for s in Specialty.objects.filter(code__in=codes)}
    unknown = [c for c in codes if c not in found]
    if unknown:
        raise ValidationError({"specialties": _("Unknown specialty code: %(codes)s.") % {
            "codes": ", ".join(sorted(set(unknown)))[:100]}})
    return list(found.values())


def _as_int(value):
    """Ids come from URLs and forms: anything but a whole number matches nothing."""
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return -1
