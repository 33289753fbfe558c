"""Logged-in test clients: a session that passed both login steps, or an API token."""
from django.conf import settings
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY

from klinika.accounts.models import TOTPDevice
from klinika.accounts.services.tokens import create_token


def logged_in(user, language=None) -> Client:
    """A browser session of a user who entered password and TOTP code (the device is bound to the session).

    language: what the language switch chose (a cookie; the browser's Accept-Language is ignored).
    """
    client = _with_language(Client(), language)
    client.force_login(user, backend="klinika.accounts.backends.StaffBackend")
    if user.requires_two_factor:
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
            user=user, name="phone", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def api_client(user, language=None) -> Client:
    raw, _token = create_token(user, "tests")
    return _with_language(Client(HTTP_AUTHORIZATION=f"Bearer {raw}"), language)


def _with_language(client, language):
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client
