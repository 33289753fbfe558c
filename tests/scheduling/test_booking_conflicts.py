"""Fifty people book the same slot at the same moment: exactly one gets it, the others a clear conflict.

Each thread has its own database connection. SQLite (a file in WAL mode) serialises the
writers and its triggers guard the table; PostgreSQL lets them race into the exclusion
constraint. Either way the service answers SlotTaken and the API 409.
"""
import json
import threading

import pytest
from django.db import connection, connections

from klinika.accounts.roles import Role
from klinika.scheduling import services
from klinika.scheduling.errors import SlotTaken
from klinika.scheduling.slots import find_free_slots
from klinika.tenancy.context import clinic_context
from tests.scheduling.clients import api_client
from tests.scheduling.overlap_sql import holding_time, overlapping_pairs
from tests.scheduling.world import build, next_weekday

pytestmark = pytest.mark.django_db(transaction=True)
N = 50


@pytest.fixture
def race(clinic, people):
    world = build(clinic, people, patients=N)
    day = next_weekday(2)
    with clinic_context(clinic):
        slot = find_free_slots(visit_type=world.first_visit, practitioner=world.gyn, date_from=day, date_to=day)[2]
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode")
            assert cursor.fetchone()[0] == "wal"
    return world, slot


def _in_parallel(work):
    barrier = threading.Barrier(N, timeout=120)
    results = [None] * N

    def run(i):
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as exc:  # noqa: BLE001 - reported below, with its type
            results[i] = ("unexpected", repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(N)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in threads)
    return results


def _assert_one_booking(world):
    with clinic_context(world.clinic):
        assert holding_time(world.gyn.pk) == 1
        assert overlapping_pairs() == 0


def test_fifty_parallel_bookings_through_the_service(race):
    world, slot = race
    registrar = world.users[Role.REGISTRAR]
    conflict = SlotTaken().messages[0]

    def book(i):
        with clinic_context(world.clinic):
            try:
                services.book(registrar, patient=world.patients[i].pk, practitioner=world.gyn.pk,
                              visit_type=world.first_visit.pk, starts_at=slot.starts_at, reason=f"powód {i}")
                return "booked"
            except SlotTaken as exc:
                return ("taken", exc.messages[0])

    results = _in_parallel(book)
    assert results.count("booked") == 1, results
    assert results.count(("taken", conflict)) == N - 1, results
    _assert_one_booking(world)


def test_fifty_parallel_bookings_through_the_api(race):
    world, slot = race
    clients = [api_client(world.users[Role.REGISTRAR], language="en") for _ in range(N)]

    def book(i):
        response = clients[i].post("/api/schedule/appointments", data=json.dumps({
            "patient": world.patients[i].pk, "practitioner": world.gyn.pk, "visit_type": world.first_visit.pk,
            "starts_at": slot.local_start.isoformat(), "reason": "kontrola"}), content_type="application/json")
        return response.status_code, response.json()

    results = _in_parallel(book)
    statuses = sorted(status for status, _body in results)
    assert statuses == [201] + [409] * (N - 1), results
    assert {body["detail"] for status, body in results if status == 409} == {
        "This time has just been booked by someone else. Choose another slot."}
    _assert_one_booking(world)
