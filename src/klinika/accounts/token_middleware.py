from django.http import JsonResponse

from klinika.accounts.services.tokens import resolve_token


class ApiTokenMiddleware:
    """`Authorization: Bearer kl_…` on /api/ logs the token's user in for this one request.

    Runs before the login, clinic-context and audit middleware, so a token request is scoped and
    audited exactly like a session request.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        header = request.headers.get("Authorization", "")
        if request.path_info.startswith("/api/") and header[:7].lower() == "bearer ":
            token = resolve_token(header[7:].strip())
            if token is None:
                return JsonResponse({"detail": "Invalid, expired or revoked API token"}, status=401)
            user = token.user
            # Tokens are issued from a 2FA-verified session; a call does not repeat the second factor.
            user.otp_device = None
            user.is_verified = lambda: True
            request.user = user
            request.api_token = token
        return self.get_response(request)
