from klinika.notify.checks import development_backends_in_production


def test_development_backends_are_flagged_for_production(settings):
    settings.KLINIKA_SMS_BACKEND = "file"
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    assert {w.id for w in development_backends_in_production(None)} == {"notify.W001", "notify.W002"}


def test_production_backends_pass(settings):
    settings.KLINIKA_SMS_BACKEND = "smsapi"
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    assert development_backends_in_production(None) == []
