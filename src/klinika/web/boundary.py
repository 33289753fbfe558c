"""The edge of every request: text the database cannot store is refused before anything reads it,
and every error under /api/ leaves as JSON in the API's error shape ({"detail": ...}).

It sits right after LocaleMiddleware, so its messages are in the user's language, and before
the sessions, the login (axes) and the views, so a NUL byte never reaches a query.
"""
import json
from importlib import import_module

from django.conf import settings
from django.core.handlers.exception import response_for_exception
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from klinika.inputs import RefusedInput, unstorable, unstorable_message

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# Headers of an error response that still mean something once its body is JSON.
KEPT_HEADERS = ("Allow", "WWW-Authenticate", "Retry-After", "Cache-Control", "HX-Redirect")


def is_api(request) -> bool:
    return request.path_info.startswith("/api/")


def refusal(request, message: str, field: str | None = None, status: int = 400) -> HttpResponse:
    """A translated 400: the API's JSON error, or the error page (rendered without the request, so no
    context processor reads the session or the user with the refused input)."""
    if is_api(request):
        body = {"detail": message}
        if field:
            body = {"detail": _("Invalid data."), "errors": {field: [message]}}
        return JsonResponse(body, status=status)
    return HttpResponse(render_to_string("400.html", {"reason": message}), status=status)


def _first_unstorable(request) -> str | None:
    """The name of the first input holding unstorable text, or None."""
    if unstorable(request.path_info):
        return "path"
    for key, values in request.GET.lists():
        if unstorable(key) or any(unstorable(v) for v in values):
            return key
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    if request.content_type in FORM_TYPES:
        for key, values in request.POST.lists():
            if unstorable(key) or any(unstorable(v) for v in values):
                return key
        for key, files in request.FILES.lists():
            if unstorable(key) or any(unstorable(f.name or "") for f in files):
                return key
    elif request.body:
        # Whatever the content type claims: the API reads any body as JSON.
        try:
            document = json.loads(request.body)
        except ValueError:
            return None  # not JSON at all: whoever reads it answers that
        return _first_unstorable_in(document, "")
    return None


def _first_unstorable_in(value, where: str) -> str | None:
    if isinstance(value, str):
        return (where or "__all__") if unstorable(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            name = f"{where}.{key}" if where else str(key)
            if unstorable(key):
                return name
            found = _first_unstorable_in(item, name)
            if found:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _first_unstorable_in(item, f"{where}.{index}" if where else str(index))
            if found:
                return found
    return None


def _generic_detail(status: int) -> str:
    if status == 401:
        return _("Authentication required.")
    if status == 403:
        return _("You may not do this.")
    if status == 404:
        return _("Not found.")
    if status == 405:
        return _("This method is not allowed here.")
    if status >= 500:
        return _("Something went wrong")
    return _("Invalid data.")


def _as_json(response) -> JsonResponse:
    out = JsonResponse({"detail": _generic_detail(response.status_code)}, status=response.status_code)
    for header in KEPT_HEADERS:
        if header in response:
            out[header] = response[header]
    out.cookies = response.cookies
    return out


class BoundaryMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if unstorable(request.COOKIES.get(settings.SESSION_COOKIE_NAME, "")):
            # Not a session anyone was given: start an empty one (so nothing looks the key up), and
            # SessionMiddleware deletes the cookie.
            request.session = import_module(settings.SESSION_ENGINE).SessionStore(None)
        try:
            field = _first_unstorable(request)
        except Exception as exc:  # a body Django cannot parse: its usual 400, then JSON below under /api/
            response = response_for_exception(request, exc)
        else:
            if field is not None:
                response = refusal(request, unstorable_message(), field if is_api(request) else None)
            else:
                response = self.get_response(request)
        if is_api(request) and response.status_code >= 400 and \
                not response.get("Content-Type", "").startswith("application/json"):
            response = _as_json(response)
        return response

    def process_exception(self, request, exception):
        """A view refused its input with a message meant for the user (a date outside the calendar)."""
        if isinstance(exception, RefusedInput):
            return refusal(request, str(exception.args[0]) if exception.args else _("Invalid data."))
        return None
