from klinika.accounts.views import fully_logged_in
from klinika.web.navigation import top_navigation


def shell(request):
    """What every page's frame needs: the clinic, whether it is the demo, the screens the user may open."""
    user = getattr(request, "user", None)
    # is_verified comes from django-otp's middleware, which a request may not have passed (error pages).
    signed_in = user is not None and hasattr(user, "is_verified") and fully_logged_in(user)
    clinic = getattr(user, "clinic", None) if user is not None and user.is_authenticated else None
    return {"clinic": clinic, "is_demo": bool(clinic and clinic.is_demo),
            # Half-logged-in users (password but no code yet) are offered nothing.
            "nav": top_navigation(user, request.path) if signed_in else []}
