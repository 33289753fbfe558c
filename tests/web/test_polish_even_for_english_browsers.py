import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_an_english_browser_still_gets_polish_until_the_user_switches():
    client = Client(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    page = client.get("/login/")
    assert page["Content-Language"] == "pl"
    client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    assert client.get("/login/")["Content-Language"] == "en"
