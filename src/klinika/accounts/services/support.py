"""Break-glass support access: granted by a clinic admin, time-boxed, with a reason, audited."""
import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from klinika.accounts.models import SupportGrant, User
from klinika.accounts.policy import require
from klinika.accounts.roles import Role
from klinika.audit.models import Action
from klinika.audit.services import record
from klinika.tenancy.context import clinic_context, cross_clinic

MAX_HOURS = 72
SUPPORT_SESSION_KEY = "klinika_support_grant"


def grant_support(admin, operator_username: str, hours: int, reason: str) -> SupportGrant:
    require(admin, "support.grant")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("State why the vendor needs access."))
    if not 1 <= int(hours) <= MAX_HOURS:
        raise ValidationError(_("Access can be granted for 1 to %(max)d hours.") % {"max": MAX_HOURS})
    operator = User.objects.filter(username=operator_username, role=Role.VENDOR_OPERATOR, is_active=True).first()
    if operator is None:
        raise ValidationError(_("There is no active vendor operator with this login."))
    now = timezone.now()
    with clinic_context(admin.clinic_id), transaction.atomic():
        grant = SupportGrant(operator=operator, granted_by=admin, reason=reason[:200], starts_at=now,
                             expires_at=now + datetime.timedelta(hours=int(hours)))
        grant.save()
        record(Action.GRANT, object_type="support-grant", object_id=grant.pk,
               reason=f"granted {hours}h: {reason}"[:200])
    return grant


def revoke_support(admin, grant_id) -> SupportGrant:
    require(admin, "support.grant")
    with clinic_context(admin.clinic_id), transaction.atomic():
        grant = SupportGrant.objects.select_for_update().get(pk=grant_id)
        if grant.revoked_at is None:
            grant.revoked_at, grant.revoked_by = timezone.now(), admin
            grant.save(update_fields=["revoked_at", "revoked_by"])
            record(Action.GRANT, object_type="support-grant", object_id=grant.pk, reason="revoked")
    return grant


def grants_for_operator(operator) -> list[SupportGrant]:
    """The operator's grants that are in force now, across clinics (ids and clinic names only)."""
    if operator.role != Role.VENDOR_OPERATOR:
        return []
    now = timezone.now()
    with cross_clinic("support: list the clinics that granted this operator access"):
        grants = SupportGrant.objects.filter(operator=operator, revoked_at__isnull=True, starts_at__lte=now,
                                             expires_at__gt=now).select_related("clinic")
        return list(grants)


def active_grant(operator, grant_id) -> SupportGrant | None:
    """The grant, if it belongs to this operator and is in force now."""
    if operator is None or not operator.is_authenticated or operator.role != Role.VENDOR_OPERATOR:
        return None
    with cross_clinic("support: resolve the grant an operator works under"):
        grant = SupportGrant.objects.filter(pk=grant_id, operator=operator).first()
    return grant if grant is not None and grant.is_active() else None


def start_support_session(request, grant: SupportGrant):
    with clinic_context(grant.clinic_id):
        record(Action.GRANT, object_type="support-grant", object_id=grant.pk, reason="support session started")
    request.session[SUPPORT_SESSION_KEY] = grant.pk
