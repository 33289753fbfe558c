"""Schemathesis over the whole OpenAPI document, as a registrar and as a doctor: whatever it sends,
the API answers without a 5xx, and every error it answers is JSON.

Bounded and deterministic so CI is stable: a fixed seed, derandomized generation, few examples per
operation, no example database. Requests run in-process through Django's test handler, inside the
test's transaction (so nothing outlives the test), on SQLite or PostgreSQL as the suite runs.
"""
import contextlib

import pytest
import schemathesis
from django.db import connections, transaction
from django.test.client import ClientHandler
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig

from klinika.accounts.roles import Role
from klinika.api import api
from klinika.lifecycle.services import create_clinic
from klinika.testdata.synthetic import SyntheticPeople
from tests.api.edge_world import build_edge_world
from tests.scheduling.clients import api_client

pytestmark = pytest.mark.django_db
ROLES = [Role.REGISTRAR, Role.DOCTOR]

# Strings the fuzzer slips in now and then, where a string goes: what broke before (issue 8).
EDGE_STRINGS = ["met\x00f", "\x00", "a\x01b", "9999-12-31", "0001-01-01", "9999-12-31T23:59:59+00:00",
                "0001-01-01T00:00:00"]
CONFIG = SchemathesisConfig.from_dict({
    "seed": 8,
    "dictionaries": {"edges": {"values": EDGE_STRINGS}},
    "generation": {"max-examples": 12, "deterministic": True, "database": "none",
                   "dictionaries": {"string": {"dictionary": "edges", "probability": 0.25}}},
    # Stateful sequences need links between operations; each operation on its own is what is checked here.
    "phases": {"stateful": {"enabled": False}, "coverage": {"unexpected-methods": ["delete", "patch"]}},
})
schema = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api/"), config=CONFIG)


class InProcess:
    """A WSGI app around Django's test handler: unlike the production WSGIHandler it leaves the test's
    database connection (and its open transaction) alone at the end of each request."""

    def __init__(self):
        self.handler = ClientHandler(enforce_csrf_checks=False)

    def __call__(self, environ, start_response):
        response = self.handler(environ)
        headers = list(response.items()) + [("Set-Cookie", c.output(header="").strip())
                                            for c in response.cookies.values()]
        start_response(f"{response.status_code} {response.reason_phrase}", headers)
        return response.streaming_content if response.streaming else [response.content]


APP = InProcess()


def errors_are_json(ctx, response, case):
    if response.status_code >= 400:
        content_type = response.headers.get("content-type", [""])[0]
        assert content_type.startswith("application/json"), f"a {response.status_code} answered as {content_type}"
        detail = response.json().get("detail")
        assert isinstance(detail, str) and detail, f"a {response.status_code} without a detail: {response.text}"


@pytest.fixture(scope="module")
def tokens(django_db_setup, django_db_blocker):
    """The edge world (tests/api/edge_world.py), built once for the module inside a transaction that is
    rolled back at its end; each test's own transaction nests in it (a savepoint), so every operation
    starts from this same clinic."""
    with django_db_blocker.unblock(), contextlib.ExitStack() as stack:
        for alias in connections:
            stack.enter_context(transaction.atomic(using=alias))
        world = build_edge_world(create_clinic("Przychodnia Fuzz", "fuzz"), SyntheticPeople(seed=8))
        yield {role: api_client(world.users[role]).defaults["HTTP_AUTHORIZATION"] for role in ROLES}
        for alias in connections:
            transaction.set_rollback(True, using=alias)


@pytest.mark.parametrize("role", ROLES)
@schema.parametrize()
# The world (and what the API adds to it) is shared by one operation's examples, on purpose: a later
# example may meet what an earlier one created.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_the_api_answers_every_input_without_a_5xx_and_errors_in_json(case, role, tokens):
    response = case.call(app=APP, headers={"Authorization": tokens[role]})
    case.validate_response(response, checks=[not_a_server_error, errors_are_json])
