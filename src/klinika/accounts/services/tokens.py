"""Per-user API tokens for integrations. The token is shown once; only its SHA-256 is kept."""
import datetime
import hashlib
import hmac
import secrets

from django.db import transaction
from django.utils import timezone

from klinika.accounts.models import ApiToken
from klinika.audit.models import Action
from klinika.audit.services import record

PREFIX = "kl_"
# last_used_at is refreshed at most this often, so a busy integration does not write on every call.
TOUCH_EVERY = datetime.timedelta(minutes=5)


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def create_token(user, name: str, days: int | None = 365) -> tuple[str, ApiToken]:
    raw = PREFIX + secrets.token_urlsafe(32)
    expires = timezone.now() + datetime.timedelta(days=days) if days else None
    with transaction.atomic():
        token = ApiToken.objects.create(user=user, name=name.strip()[:80] or "token", prefix=raw[:10],
                                        digest=_digest(raw), expires_at=expires)
        record(Action.GRANT, object_type="api-token", object_id=token.pk, clinic_id=user.clinic_id,
               reason="api token created")
    return raw, token


def revoke_token(user, token_id) -> bool:
    with transaction.atomic():
        count = ApiToken.objects.filter(pk=token_id, user=user, revoked_at__isnull=True).update(
            revoked_at=timezone.now())
        if count:
            record(Action.GRANT, object_type="api-token", object_id=token_id, clinic_id=user.clinic_id,
                   reason="api token revoked")
    return bool(count)


def resolve_token(raw: str) -> ApiToken | None:
    """The live token for this string, or None (unknown, revoked, expired, or its user inactive)."""
    if not raw or not raw.startswith(PREFIX):
        return None
    token = ApiToken.objects.select_related("user", "user__clinic").filter(digest=_digest(raw)).first()
    if token is None or not hmac.compare_digest(token.digest, _digest(raw)):
        return None
    now = timezone.now()
    user = token.user
    if token.revoked_at or (token.expires_at and token.expires_at <= now) or not user.is_active:
        return None
    if user.clinic_id and user.clinic.status != user.clinic.Status.ACTIVE:
        return None
    if token.last_used_at is None or now - token.last_used_at > TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token
