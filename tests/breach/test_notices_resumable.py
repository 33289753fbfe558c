"""10,000 art. 34 notices through the file SMS backend, interrupted twice and resumed: once by a crash
injected right after the gateway accepted a message, once by SIGKILL of the sending process. In the end
every recipient has exactly one SMS in the outbox: none twice, none missed. Two senders running at
once never send the same notice twice."""
import datetime
import multiprocessing
import os
import signal
import time
from collections import Counter

import pytest
from django.db import connections
from django.utils import timezone

from klinika.breach import services
from klinika.breach.models import Notice
from klinika.crypto import keystore
from klinika.lifecycle.services import create_clinic
from klinika.notify.gateways.file import read_outbox, sms_outbox_file
from klinika.patients.models import Patient
from klinika.tenancy.context import clinic_context
from tests.breach.gateways import CrashingFileGateway, SimulatedCrash

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _own_outbox(settings, tmp_path):
    settings.KLINIKA_OUTBOX_DIR = tmp_path / "outbox"
    settings.KLINIKA_SMS_BACKEND = "file"


def incident_with_recipients(n: int, slug: str):
    """A clinic of `n` generated patients, each with a phone of their own and no e-mail, and an incident
    whose scope (keys exposed, estimated from the live database) requires notifying all of them."""
    clinic = create_clinic(f"Przychodnia {slug}", slug)
    # Straight into the table (the registration rules are tested elsewhere): name, sex, birth date and a
    # phone of their own, sealed under each patient's key as a registration would.
    people = [Patient(clinic_id=clinic.pk, first_name=f"Imię{i}", last_name=f"Nazwisko{i}", sex="F" if i % 2 else "M",
                      birth_date=datetime.date(1950 + i % 50, 1 + i % 12, 1 + i % 28), phone=f"5{i:08d}")
              for i in range(n)]
    keystore.create_subject_keys(clinic.pk, [p.subject_ref for p in people])
    with clinic_context(clinic):
        Patient.objects.bulk_create(people, batch_size=1000)
    incident = services.open_incident(
        clinic, summary="Kopia bazy i keystore wykradzione", detected_at=timezone.now(),
        source_kind="database_copy", source_ref="", keystore_exposed=True, root_key_exposed=True,
        contact_point="iod@przychodnia.example")
    incident = services.scope_incident(incident)
    prepared = services.prepare_notices(incident)
    assert prepared.sms == n and prepared.email == 0
    return incident


def outbox_numbers() -> Counter:
    return Counter(line["to"] for line in read_outbox())


def _send_in_child(incident_pk, batch_size):
    connections.close_all()
    from klinika.breach.models import Incident
    from klinika.tenancy.context import cross_clinic

    with cross_clinic("test: the child finds its incident"):
        incident = Incident.objects.get(pk=incident_pk)
    services.send_notices(incident, batch_size=batch_size)
    connections.close_all()
    os._exit(0)


def _fork_sender(incident, batch_size=200):
    connections.close_all()  # a forked child must not share the parent's open database handles
    process = multiprocessing.get_context("fork").Process(target=_send_in_child, args=(incident.pk, batch_size))
    process.start()
    return process


def _lines() -> int:
    path = sms_outbox_file()
    if not path.exists():
        return 0
    with open(path, "rb") as f:
        return sum(1 for _ in f)


def test_ten_thousand_notices_survive_a_crash_and_a_kill(settings):
    total = 10_000
    incident = incident_with_recipients(total, "dziesiec")
    progress = []

    # 1. A crash injected right after the gateway accepted message 2,345.
    settings.KLINIKA_SMS_BACKEND = "tests.breach.gateways.CrashingFileGateway"
    CrashingFileGateway.accepted, CrashingFileGateway.crash_after = 0, 2_345
    with pytest.raises(SimulatedCrash):
        services.send_notices(incident, batch_size=500, progress=progress.append)
    assert _lines() == 2_345
    counts = services.progress_counts(incident)
    assert counts["sending"] == 500 and counts["sent"] == 2_000  # the crashed batch: claimed, outcome unknown
    assert progress and progress[-1]["sent"] == 2_000

    # 2. Resumed in another process, killed (SIGKILL) mid-run.
    settings.KLINIKA_SMS_BACKEND = "file"
    process = _fork_sender(incident)
    deadline = time.monotonic() + 120
    while _lines() < 6_000 and process.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert process.is_alive(), "the sender finished before it could be killed"
    os.kill(process.pid, signal.SIGKILL)
    process.join()
    killed_at = _lines()
    assert 6_000 <= killed_at < total
    assert outbox_numbers().most_common(1)[0][1] == 1  # nothing doubled so far

    # 3. Resumed again, to the end.
    services.send_notices(incident, batch_size=500)
    sent = outbox_numbers()
    assert len(sent) == total and sum(sent.values()) == total == _lines()  # every recipient once, none twice
    counts = services.progress_counts(incident)
    assert counts["sent"] == total and counts["total"] == total
    with clinic_context(incident.clinic_id):
        assert not Notice.objects.exclude(status=Notice.Status.SENT).exists()
    # A further run sends nothing.
    again = services.send_notices(incident, batch_size=500)
    assert again.sent == 0 and _lines() == total


def test_two_senders_at_once_never_send_one_notice_twice():
    total = 1_500
    incident = incident_with_recipients(total, "rownolegle")
    senders = [_fork_sender(incident, batch_size=50) for _ in range(2)]
    for sender in senders:
        sender.join(timeout=180)
        assert sender.exitcode == 0
    sent = outbox_numbers()
    assert len(sent) == total and sum(sent.values()) == total
    assert services.progress_counts(incident)["sent"] == total


def test_preparing_twice_adds_no_second_notice():
    incident = incident_with_recipients(50, "dwa-razy")
    again = services.prepare_notices(incident)
    assert again.sms == 50  # counted as present...
    assert services.progress_counts(incident)["total"] == 50  # ...but stored once (the unique guard)
