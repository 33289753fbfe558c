"""The clinic context comes from the request's user, the CLI's --clinic, or a task's argument."""
import pytest

from klinika.patients.models import Patient
from klinika.tenancy.context import ClinicContextMissing, clinic_context, current_clinic_id
from klinika.tenancy.tasks import clinic_task
from tests.klinika_cli import run_klinika

pytestmark = pytest.mark.django_db


@clinic_task
def count_patients():
    return [str(current_clinic_id()), Patient.objects.count()]


def test_a_task_runs_in_the_clinic_named_by_its_argument(make_clinic, people):
    a, b = make_clinic(), make_clinic()
    with clinic_context(a):
        for _ in range(3):
            Patient(**people.patient()).save()
    result = count_patients.enqueue(str(a.pk))
    assert result.return_value == [str(a.pk), 3]
    assert count_patients.enqueue(str(b.pk)).return_value == [str(b.pk), 0]
    with pytest.raises(ClinicContextMissing):
        Patient.objects.count()  # nothing leaks out of the task


def test_a_task_queued_before_a_shred_does_nothing_afterwards(make_clinic, people):
    from klinika.lifecycle.services import shred_clinic

    clinic = make_clinic()
    with clinic_context(clinic):
        Patient(**people.patient()).save()
    shred_clinic(clinic, reason="contract ended")
    assert count_patients.enqueue(str(clinic.pk)).return_value == {"skipped_clinic": "terminated"}


def test_cli_clinic_option_sets_the_context(tmp_path):
    def run(*args):
        return run_klinika(tmp_path, *args)

    assert run("demo", "--no-serve").returncode == 0
    code = "from klinika.patients.models import Patient; print('count', Patient.objects.count())"
    ok = run("--clinic", "demo", "shell", "--no-imports", "-c", code)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("count ") and int(ok.stdout.split()[1]) >= 50  # 50 people, plus guardians
    missing = run("shell", "--no-imports", "-c", code)
    assert missing.returncode != 0 and "No clinic in context" in missing.stderr
    unknown = run("--clinic", "nope", "shell", "-c", code)
    assert unknown.returncode != 0 and "klinika clinic list" in unknown.stderr


def test_files_klinika_creates_are_private_to_its_user(tmp_path):
    import stat

    data_dir = tmp_path / "data"
    not_set_up = run_klinika(data_dir, "clinic", "list")
    assert not_set_up.returncode != 0 and "klinika migrate" in not_set_up.stderr
    assert "Traceback" not in not_set_up.stderr
    assert run_klinika(data_dir, "migrate").returncode == 0
    assert run_klinika(data_dir, "migrate", "--database", "keystore").returncode == 0
    assert run_klinika(data_dir, "clinic", "create", "Przychodnia", "--slug", "p").returncode == 0
    for path in [data_dir, *data_dir.rglob("*")]:
        assert not path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO), path
