from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import resolve, reverse
from django.urls.exceptions import Resolver404
from django.utils.translation import gettext as _

from klinika.accounts.views import SEEN_COOKIE, fully_logged_in

# Pages anyone may open, by full view name (with namespace, so an app's own "login" page
# does not become public by sharing the name). Everything else needs a logged-in (and,
# outside the demo, 2FA-verified) user.
PUBLIC_URL_NAMES = {
    "login", "login-verify", "set_language", "healthz",
    # An invitation link: the new login has no password yet; the token in the address is the key.
    "invitation",
    # A reminder's confirm/cancel link: patients have no login; the token in the address is the key.
    "reminders:reply",
}
# Reminder reply links: opened by patients, who have no login (the token in the link is the key).
PUBLIC_URL_NAMES |= {"reminders:reply"}


def is_public(path: str) -> bool:
    try:
        return resolve(path).view_name in PUBLIC_URL_NAMES
    except Resolver404:
        # Static files are served before Django (WhiteNoise); here they can only be a 404.
        return path.startswith("/" + settings.STATIC_URL.lstrip("/"))


class LoginRequiredMiddleware:
    """Default deny: a new page is private unless it is added to PUBLIC_URL_NAMES."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if fully_logged_in(request.user) or is_public(request.path_info):
            return self.get_response(request)
        if request.path_info.startswith("/api/"):
            return JsonResponse({"detail": _("Authentication required.")}, status=401)
        params = {"next": request.get_full_path()}
        if request.COOKIES.get(SEEN_COOKIE) and not request.user.is_authenticated:
            params["expired"] = "1"
        login_url = f"{reverse('login')}?{urlencode(params)}"
        if getattr(request, "htmx", False):
            # A redirect inside an htmx swap would paste the login page into a fragment.
            response = HttpResponse(status=401)
            response["HX-Redirect"] = login_url
            return response
        return redirect(login_url)
