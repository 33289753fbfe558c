import uuid

from django.db import transaction

from klinika.audit.context import Actor, acting_as, batch_scope
from klinika.audit.services import flush


class AuditBatchMiddleware:
    """One transaction per request; the request's audit events are written at its end, inside it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = str(uuid.uuid4())
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            grant = getattr(user, "support_grant_id", None)
            role = f"{user.role}+grant:{grant}" if grant else user.role
            actor = Actor(user.pk, role, request.request_id)
        else:
            actor = Actor(None, "anonymous", request.request_id)
        with acting_as(actor), batch_scope(), transaction.atomic():
            response = self.get_response(request)
            flush()
        return response
