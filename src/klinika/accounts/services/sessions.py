"""Ending every session of one user, in whichever browser it is open."""
from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.utils import timezone

# The user who gave the right password and still owes the second-factor code.
PENDING_USER_KEY = "klinika_pending_user"


def end_sessions_of(user) -> int:
    """Log the user out everywhere, including a login that is half done (password given, code owed).

    Sessions are not stored by user, so the live ones are read to find the user's: fine for a
    rare administrative step, not for a hot path. Needs a database-backed session engine (the
    settings' default); the engine's own delete also clears a cached copy (cached_db).
    """
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    ended = 0
    for session in store_class.get_model_class().objects.filter(expire_date__gt=timezone.now()).iterator():
        data = session.get_decoded()
        if str(data.get(SESSION_KEY)) == str(user.pk) or data.get(PENDING_USER_KEY) == user.pk:
            store_class(session.session_key).delete()
            ended += 1
    return ended
