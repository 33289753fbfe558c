from klinika.tenancy.context import reset_clinic, set_clinic


class ClinicContextMiddleware:
    """Puts the logged-in staff member's clinic in context for the whole request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        clinic_id = getattr(user, "clinic_id", None) if user is not None and user.is_authenticated else None
        if clinic_id is None and user is not None and user.is_authenticated:
            # a vendor operator under a support grant (set by accounts' SupportGrantMiddleware)
            clinic_id = getattr(user, "support_clinic_id", None)
        token = set_clinic(clinic_id)
        try:
            return self.get_response(request)
        finally:
            reset_clinic(token)
