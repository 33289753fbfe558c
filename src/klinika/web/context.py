def shell(request):
    """What every page's frame needs: the clinic, whether it is the demo, the user's role."""
    user = getattr(request, "user", None)
    clinic = getattr(user, "clinic", None) if user is not None and user.is_authenticated else None
    return {"clinic": clinic, "is_demo": bool(clinic and clinic.is_demo)}
