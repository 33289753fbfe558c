from klinika.accounts.services.support import SUPPORT_SESSION_KEY, active_grant


class SupportGrantMiddleware:
    """A vendor operator working under a support grant acts in the granting clinic.

    The grant is checked on every request, so an expired or revoked grant ends access at once.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        grant_id = request.session.get(SUPPORT_SESSION_KEY) if hasattr(request, "session") else None
        if grant_id is not None and user is not None and user.is_authenticated:
            grant = active_grant(user, grant_id)
            if grant is None:
                del request.session[SUPPORT_SESSION_KEY]
            else:
                user.support_clinic_id = grant.clinic_id
                user.support_grant_id = grant.pk
        return self.get_response(request)
