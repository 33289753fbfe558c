"""Which environment this is (KLINIKA_ENV), and the checks that keep production from leaking.

Only production holds real people. There the development message backends (which write
numbers and texts in clear) are refused, and `klinika serve` does not start while any
check tagged UNSAFE reports a problem. Imports nothing of klinika's apps, so every floor
may use it.
"""
import os

PRODUCTION, STAGING, TEST, DEV = "production", "staging", "test", "dev"
ENVIRONMENTS = (PRODUCTION, STAGING, TEST, DEV)
DEFAULT = DEV

# The Django check tag of every setting that may leak personal data or credentials.
UNSAFE = "unsafe"


def from_environment() -> str:
    """KLINIKA_ENV from the process environment (settings.py), refused when misspelt."""
    value = os.environ.get("KLINIKA_ENV", DEFAULT).strip().lower() or DEFAULT
    if value not in ENVIRONMENTS:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(f"KLINIKA_ENV={value!r}: choose one of {', '.join(ENVIRONMENTS)}")
    return value


def is_production() -> bool:
    from django.conf import settings

    return getattr(settings, "KLINIKA_ENV", DEFAULT) == PRODUCTION


def register_deployment_check(check, *tags):
    """`check --deploy` always runs it; in production every command's checks do too (`klinika check`
    lists them), while a developer's commands stay quiet. Findings are warnings, so maintenance
    commands still run."""
    from django.core import checks

    checks.register(check, *tags, deploy=not is_production())
    return check


def register_unsafe_check(check):
    """A deployment check of settings that may leak: `klinika serve` refuses to start on its findings
    in production (web/management/commands/serve.py)."""
    from django.core import checks

    return register_deployment_check(check, UNSAFE, checks.Tags.security)
