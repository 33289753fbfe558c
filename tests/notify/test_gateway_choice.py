import pytest
from django.core.exceptions import ImproperlyConfigured

from klinika.notify.gateways import sms_gateway
from klinika.notify.gateways.console import ConsoleSmsGateway
from klinika.notify.gateways.file import FileSmsGateway
from klinika.notify.gateways.none import NotConfiguredSmsGateway
from klinika.notify.gateways.smsapi import SmsApiGateway


@pytest.mark.parametrize("name, cls", [("none", NotConfiguredSmsGateway), ("console", ConsoleSmsGateway),
                                       ("file", FileSmsGateway),
                                       ("klinika.notify.gateways.console.ConsoleSmsGateway", ConsoleSmsGateway)])
def test_the_setting_chooses_the_gateway(settings, name, cls):
    settings.KLINIKA_SMS_BACKEND = name
    assert type(sms_gateway()) is cls


def test_the_tests_choose_the_file_gateway_explicitly():
    """settings.py's default is "none" (tests/cli/test_production_settings.py runs it); tests choose the file."""
    from django.conf import settings

    assert (settings.KLINIKA_ENV, settings.KLINIKA_SMS_BACKEND) == ("test", "file")


def test_smsapi_with_a_token_builds_its_client(settings):
    settings.KLINIKA_SMS_BACKEND, settings.KLINIKA_SMSAPI_TOKEN = "smsapi", "token-123"
    gateway = sms_gateway()
    assert isinstance(gateway, SmsApiGateway)
    assert gateway.client.domain == "https://api.smsapi.pl/" and gateway.client.auth.access_token == "token-123"


def test_smsapi_without_a_token_says_what_is_missing(settings):
    settings.KLINIKA_SMS_BACKEND, settings.KLINIKA_SMSAPI_TOKEN = "smsapi", ""
    with pytest.raises(ImproperlyConfigured, match="KLINIKA_SMSAPI_TOKEN"):
        sms_gateway()


def test_an_unknown_backend_name_lists_the_choices(settings):
    settings.KLINIKA_SMS_BACKEND = "pigeon"
    with pytest.raises(ImproperlyConfigured, match="none, console, file, smsapi"):
        sms_gateway()
