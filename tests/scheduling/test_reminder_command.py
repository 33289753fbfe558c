import io

import pytest
from django.core.management import CommandError, call_command

from klinika.notify.gateways.file import read_outbox
from klinika.scheduling.models import Reminder
from klinika.tenancy.context import clinic_context
from tests.notify.booking import add_patient, add_practitioner, book, use_outbox

pytestmark = pytest.mark.django_db


@pytest.fixture
def outbox(settings, tmp_path):
    return use_outbox(settings, tmp_path)


@pytest.fixture
def two_clinics(make_clinic, people, outbox):
    clinics = [make_clinic(), make_clinic()]
    for clinic in clinics:
        with clinic_context(clinic):
            book(add_patient(people), add_practitioner(clinic, people), 2)
    return clinics


def _run(*args):
    out = io.StringIO()
    call_command("reminders", *args, stdout=out)
    return out.getvalue()


def test_send_for_one_clinic_reports_and_touches_no_other(two_clinics, outbox):
    first, second = two_clinics
    out = _run("send", "--clinic", first.slug)
    assert f"{first.slug}: 1 sent, 0 skipped, 0 failed" in out and second.slug not in out
    assert len(read_outbox(outbox)) == 1
    with clinic_context(second):
        assert not Reminder.objects.exists()


def test_send_without_a_clinic_runs_every_clinic(two_clinics, outbox):
    out = _run("send")
    assert all(f"{clinic.slug}: 1 sent" in out for clinic in two_clinics)
    assert len(read_outbox(outbox)) == 2


def test_an_unknown_clinic_is_a_clear_error(two_clinics):
    with pytest.raises(CommandError, match="klinika clinic list"):
        _run("send", "--clinic", "no-such-clinic")


def test_failures_are_reported_after_the_whole_run(two_clinics, settings):
    settings.KLINIKA_SMS_BACKEND = "tests.notify.gateways.CrashingGateway"
    with pytest.raises(CommandError, match="2 reminder"):
        _run("send")
    for clinic in two_clinics:
        with clinic_context(clinic):
            assert Reminder.objects.get().status == "failed"


def test_enqueue_queues_one_task_per_clinic(two_clinics, outbox):
    out = _run("enqueue")  # the test settings run tasks at once
    assert out.count("queued") == 2 and "SUCCESSFUL" in out
    assert len(read_outbox(outbox)) == 2
