from urllib.parse import urlencode

from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import resolve, reverse
from django.urls.exceptions import Resolver404

# Pages anyone may open. Everything else needs a logged-in (and, outside the demo, 2FA-verified) user.
PUBLIC_URL_NAMES = {"login", "login-verify", "set_language", "healthz"}


class LoginRequiredMiddleware:
    """Default deny: a new page is private unless it is added to PUBLIC_URL_NAMES."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            match = resolve(request.path_info)
        except Resolver404:
            match = None
        if request.path_info.startswith("/static/") or (match and match.url_name in PUBLIC_URL_NAMES):
            return self.get_response(request)
        user = request.user
        if user.is_authenticated and (not user.requires_two_factor or user.is_verified()):
            return self.get_response(request)
        if request.path_info.startswith("/api/"):
            return JsonResponse({"detail": "Authentication required"}, status=401)
        params = {"next": request.get_full_path()}
        if request.COOKIES.get("klinika_seen") and not user.is_authenticated:
            params["expired"] = "1"
        return redirect(f"{reverse('login')}?{urlencode(params)}")
