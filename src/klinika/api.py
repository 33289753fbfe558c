"""The JSON API (django-ninja): OpenAPI 3 at /api/docs. Every route calls the apps' services."""
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import APIKeyCookie


class StaffAuth(APIKeyCookie):
    """The session of a logged-in (2FA-verified) staff member, with CSRF; or an API token."""

    param_name = "sessionid"

    def __call__(self, request):
        if getattr(request, "api_token", None) is not None:
            return request.user  # resolved by ApiTokenMiddleware
        return super().__call__(request)

    def authenticate(self, request, key):
        user = request.user
        if user.is_authenticated and (not user.requires_two_factor or user.is_verified()):
            return user
        return None


api = NinjaAPI(title="klinika API", version="1", auth=StaffAuth(csrf=True), urls_namespace="api",
               docs_url="/docs")


def _messages(exc: ValidationError):
    if hasattr(exc, "message_dict"):
        return {field: [str(m) for m in msgs] for field, msgs in exc.message_dict.items()}
    return {"__all__": [str(m) for m in exc.messages]}


@api.exception_handler(ValidationError)
def on_validation_error(request, exc):
    return api.create_response(request, {"detail": _("Invalid data."), "errors": _messages(exc)}, status=400)


@api.exception_handler(NinjaValidationError)
def on_schema_error(request, exc):
    """Wrong types, missing or unknown fields: the same 400 shape as the services' own errors."""
    errors = {}
    for error in exc.errors:
        field = ".".join(str(part) for part in error.get("loc", ()) if part not in ("body", "payload", "query"))
        errors.setdefault(field or "__all__", []).append(str(error.get("msg", "")))
    return api.create_response(request, {"detail": _("Invalid data."), "errors": errors}, status=400)


@api.exception_handler(PermissionDenied)
def on_permission_denied(request, exc):
    return api.create_response(request, {"detail": str(exc) or _("You may not do this.")}, status=403)


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return api.create_response(request, {"detail": _("Not found.")}, status=404)


api.add_router("/patients", "klinika.patients.api.router")
api.add_router("/practitioners", "klinika.staff.api.router")
api.add_router("/schedule", "klinika.scheduling.api.router")
api.add_router("/records", "klinika.records.api.router")
api.add_router("/edocs", "klinika.edocs.api.router")


class Me(Schema):
    username: str
    role: str
    clinic: str | None


@api.get("/me", response=Me, tags=["accounts"])
def me(request):
    user = request.auth
    return {"username": user.username, "role": user.role, "clinic": str(user.clinic_id) if user.clinic_id else None}
