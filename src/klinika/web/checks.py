"""Settings that are fine on a developer's machine and unsafe where real patients are.

Each finding names the environment variable to change. `klinika check --deploy` lists them
everywhere, `klinika check` in production, and `klinika serve` refuses to start on any of them
with KLINIKA_ENV=production.
"""
from django.conf import settings
from django.core import checks

from klinika.environments import register_unsafe_check

# settings.py's default: only this machine may be named in the Host header.
DEFAULT_HOSTS = {"localhost", "127.0.0.1", "[::1]"}
# The prefix of the fallback key built from the data directory's path (a guessable value).
DERIVED_SECRET_KEY_PREFIX = "dev-only-not-for-production-"


def unsafe_settings(app_configs, **kwargs):
    found = []

    def unsafe(id_, message, hint):
        found.append(checks.Warning(message, hint=hint, id=f"klinika.W{id_:03d}"))

    if not settings.SECURE:
        unsafe(1, "KLINIKA_HTTPS is off: passwords, session cookies and patient data cross the network in clear.",
               "Set KLINIKA_HTTPS=1 and serve through a TLS-terminating proxy (README: Running in production).")
    if settings.DEBUG:
        unsafe(2, "KLINIKA_DEBUG=1: error pages show settings, code and request data.", "Unset KLINIKA_DEBUG.")
    hosts = set(settings.ALLOWED_HOSTS)
    if "*" in hosts or hosts <= DEFAULT_HOSTS:
        unsafe(3, f"KLINIKA_ALLOWED_HOSTS is {'*' if '*' in hosts else 'the default (localhost only)'}: "
                  "name the host names this clinic is served under.",
               "Set KLINIKA_ALLOWED_HOSTS=klinika.example.pl (comma-separated).")
    if str(settings.SECRET_KEY).startswith(DERIVED_SECRET_KEY_PREFIX):
        unsafe(4, "KLINIKA_SECRET_KEY is not set and the key that signs sessions is derived from the data "
                  "directory's path: anyone who knows the path can forge sessions.",
               "Set KLINIKA_SECRET_KEY to a long random value.")
    if not settings.KLINIKA_PUBLIC_URL.startswith("https://"):
        unsafe(5, f"KLINIKA_PUBLIC_URL={settings.KLINIKA_PUBLIC_URL} is not https: links in reminders "
                  "would send patients to a plaintext address.",
               "Set KLINIKA_PUBLIC_URL=https://klinika.example.pl.")
    return found


def https_without_proxy(app_configs, **kwargs):
    """waitress speaks plain HTTP: with KLINIKA_HTTPS=1 only a trusted proxy can say a request was https."""
    if settings.SECURE and not settings.KLINIKA_TRUSTED_PROXY:
        return [checks.Warning(
            "KLINIKA_HTTPS=1 without KLINIKA_TRUSTED_PROXY: `klinika serve` cannot tell that a request came "
            "over https, so every page redirects to itself.",
            hint="Set KLINIKA_TRUSTED_PROXY to the address of the TLS-terminating proxy (e.g. 127.0.0.1).",
            id="klinika.W010",
        )]
    return []


def register():
    register_unsafe_check(unsafe_settings)
    checks.register(https_without_proxy, checks.Tags.security)
