import pytest

from klinika.notify.checks import development_backends, gateways_not_configured, undelivered_channels


def test_development_backends_are_flagged_as_unsafe(settings):
    settings.KLINIKA_SMS_BACKEND = "file"
    settings.EMAIL_BACKEND = "klinika.notify.mail.ConsoleEmailBackend"
    found = development_backends(None)
    assert {w.id for w in found} == {"notify.W001", "notify.W002"}
    assert found[0].msg.startswith("KLINIKA_SMS_BACKEND=file") and found[1].msg.startswith("KLINIKA_EMAIL_BACKEND")


def test_production_backends_pass(settings):
    settings.KLINIKA_SMS_BACKEND = "smsapi"
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    assert development_backends(None) == [] and gateways_not_configured(None) == []
    assert undelivered_channels() == []


def test_no_gateway_is_said_by_the_check_and_for_the_dashboard(settings):
    settings.KLINIKA_SMS_BACKEND = "none"
    settings.EMAIL_BACKEND = "klinika.notify.mail.NotConfiguredEmailBackend"
    assert {w.id for w in gateways_not_configured(None)} == {"notify.W003", "notify.W004"}
    assert development_backends(None) == []
    assert undelivered_channels() == ["sms", "email"]


@pytest.mark.parametrize("env, undelivered", [("production", ["sms", "email"]), ("dev", [])])
def test_development_backends_deliver_nothing_in_production_only(settings, env, undelivered):
    settings.KLINIKA_ENV = env
    settings.KLINIKA_SMS_BACKEND = "file"
    settings.EMAIL_BACKEND = "klinika.notify.mail.FileEmailBackend"
    assert undelivered_channels() == undelivered
