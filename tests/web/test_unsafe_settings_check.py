"""`klinika check --deploy` names every unsafe setting; a production-ready configuration passes."""
import pytest

from klinika.web.checks import https_without_proxy, unsafe_settings


@pytest.fixture
def safe(settings):
    settings.SECURE, settings.DEBUG = True, False
    settings.ALLOWED_HOSTS = ["klinika.example.pl"]
    settings.SECRET_KEY = "x7" * 40
    settings.KLINIKA_PUBLIC_URL = "https://klinika.example.pl"
    settings.KLINIKA_TRUSTED_PROXY = "127.0.0.1"
    return settings


def test_a_production_ready_configuration_passes(safe):
    assert unsafe_settings(None) == [] and https_without_proxy(None) == []


@pytest.mark.parametrize("name, value, check_id, named", [
    ("SECURE", False, "klinika.W001", "KLINIKA_HTTPS"),
    ("DEBUG", True, "klinika.W002", "KLINIKA_DEBUG"),
    ("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"], "klinika.W003", "KLINIKA_ALLOWED_HOSTS"),
    ("ALLOWED_HOSTS", ["*"], "klinika.W003", "KLINIKA_ALLOWED_HOSTS"),
    ("SECRET_KEY", "dev-only-not-for-production-/srv/klinika/var", "klinika.W004", "KLINIKA_SECRET_KEY"),
    ("KLINIKA_PUBLIC_URL", "http://klinika.example.pl", "klinika.W005", "KLINIKA_PUBLIC_URL"),
], ids=["https-off", "debug", "default-hosts", "any-host", "derived-secret-key", "http-public-url"])
def test_each_unsafe_setting_is_named(safe, name, value, check_id, named):
    setattr(safe, name, value)
    (found,) = unsafe_settings(None)
    assert found.id == check_id and named in f"{found.msg} {found.hint}"


def test_https_without_a_trusted_proxy_is_said_to_loop(safe):
    safe.KLINIKA_TRUSTED_PROXY = ""
    (found,) = https_without_proxy(None)
    assert "KLINIKA_TRUSTED_PROXY" in found.msg and "redirects" in found.msg
