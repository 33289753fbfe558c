"""`klinika retention due|approve|run --clinic C`: opaque ids only, approval by a named login, erasure."""
import io

import pytest
from django.core.management import CommandError, call_command

from klinika.crypto.fields import ERASED
from klinika.patients.models import Patient
from klinika.tenancy.context import clinic_context

from .conftest import at

pytestmark = pytest.mark.django_db


def _run(*args) -> str:
    out = io.StringIO()
    call_command("retention", *args, stdout=out)
    return out.getvalue()


def test_due_approve_run(world, old):
    patient = old.patient(at(2001, 2, 2))
    slug = world.clinic.slug
    listing = _run("due", "--clinic", slug)
    assert f"{patient.subject_ref}\tpatient\tdoc-20y\t2022-01-01\tawaiting approval" in listing
    assert patient.last_name not in listing and patient.pesel not in listing
    assert "erased 0" in _run("run", "--clinic", slug)  # nothing approved yet
    assert "approved 1 item(s) by dpo-" in _run("approve", "--clinic", slug, "--by", world.users["dpo"].username,
                                                str(patient.subject_ref))
    output = _run("run", "--clinic", slug, "--rotate-index")
    assert f"{patient.subject_ref}\tpatient\tdoc-20y\tcrypto-erased" in output
    assert "rotated the index key" in output  # old clinic-database backups stop matching the erased PESEL
    with clinic_context(world.clinic):
        assert Patient.objects.get(pk=patient.pk).last_name is ERASED


@pytest.mark.parametrize("args, message", [
    (["approve", "--all", "--by", "nobody"], "No active login 'nobody'"),
    (["approve", "--by", "{doctor}", "--all"], "may not approve erasure"),
    (["approve", "--by", "{dpo}"], "name the ids to approve"),
    (["approve", "--by", "{dpo}", "6f1c1a52-0000-4000-8000-000000000000"], "not in this clinic's retention queue"),
    (["approve", "--by", "{dpo}", "x"], "is not an id from the retention queue"),
])
def test_mistakes_are_explained(world, args, message):
    args = [a.format(doctor=world.users["doctor"].username, dpo=world.users["dpo"].username) for a in args]
    with pytest.raises(CommandError, match=message):
        _run(*args, "--clinic", world.clinic.slug)


def test_an_unknown_clinic_is_explained(db):
    with pytest.raises(CommandError, match="klinika clinic list"):
        _run("due", "--clinic", "nope")
