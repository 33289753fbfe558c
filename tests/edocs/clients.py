"""Logged-in test clients (both login steps done) and API clients, in English (the language switch's
cookie): messages are asserted by their msgids; the Polish catalogue is tested on its own."""
from django.conf import settings

from tests.scheduling import clients


def _in(client, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def logged_in(user, language="en"):
    return _in(clients.logged_in(user), language)


def api_client(user, language="en"):
    return _in(clients.api_client(user), language)
