"""SMSAPI.pl cannot be reached from here: the official client runs for real down to `requests`,
and only the HTTP transport (requests' adapter) is replaced by a fake that answers as SMSAPI's
documented JSON API does."""
import json
from urllib.parse import parse_qs

import pytest
import requests
from requests.adapters import HTTPAdapter

from klinika.notify.gateways.base import GatewayError
from klinika.notify.gateways.smsapi import SmsApiGateway


class FakeTransport:
    def __init__(self, status=200, body=None, raises=None):
        self.status, self.body, self.raises, self.requests = status, body, raises, []

    def send(self, adapter, request, **kwargs):
        self.requests.append((request, kwargs))
        if self.raises:
            raise self.raises
        response = requests.Response()
        response.status_code = self.status
        response._content = json.dumps(self.body).encode()
        response.headers["Content-Type"] = "application/json"
        response.url, response.request = request.url, request
        return response


@pytest.fixture
def transport(monkeypatch):
    fake = FakeTransport(body={"count": 1, "list": [{"id": "6151C4B4EF4E", "points": 0.16, "number": "48600100234",
                                                     "date_sent": 1700000000, "status": "QUEUE"}]})
    monkeypatch.setattr(HTTPAdapter, "send", lambda adapter, request, **kw: fake.send(adapter, request, **kw))
    return fake


def test_a_message_is_posted_to_smsapi_with_the_token_and_returns_its_id(transport):
    gateway = SmsApiGateway(token="secret-token", sender="Klinika", timeout=7)
    assert gateway.send("48600100234", "Przychodnia Ząb: wizyta 03.12 o 10:30") == "6151C4B4EF4E"
    (request, kwargs), = transport.requests
    assert request.method == "POST" and request.url == "https://api.smsapi.pl/sms.do"
    assert request.headers["Authorization"] == "Bearer secret-token"
    form = {key: values[0] for key, values in parse_qs(request.body).items()}
    assert form == {"to": "48600100234", "message": "Przychodnia Ząb: wizyta 03.12 o 10:30", "from": "Klinika",
                    "encoding": "utf-8", "format": "json"}
    assert kwargs["timeout"] == 7


def test_an_error_answer_becomes_a_gateway_error_with_smsapis_reason(transport):
    transport.body = {"error": 13, "message": "No correct phone numbers"}
    with pytest.raises(GatewayError) as failed:
        SmsApiGateway(token="t").send("48600100234", "x")
    assert failed.value.reason == "smsapi error 13: No correct phone numbers"


def test_an_http_error_becomes_a_gateway_error(transport):
    transport.status, transport.body = 401, {"message": "Authorization failed", "error": 101}
    with pytest.raises(GatewayError, match="smsapi error 401"):
        SmsApiGateway(token="t").send("48600100234", "x")


def test_an_unreachable_smsapi_becomes_a_gateway_error(transport):
    transport.raises = requests.ConnectionError("Name or service not known")
    with pytest.raises(GatewayError) as failed:
        SmsApiGateway(token="t").send("48600100234", "x")
    assert failed.value.reason == "smsapi unreachable (ConnectionError)"


def test_an_answer_without_a_message_id_is_a_failure(transport):
    transport.body = {"count": 0, "list": []}
    with pytest.raises(GatewayError, match="no message id"):
        SmsApiGateway(token="t").send("48600100234", "x")
