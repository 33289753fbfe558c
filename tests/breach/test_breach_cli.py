"""`klinika breach`: opening asks whether keys were exposed (no default), a vendor-wide incident is one
per clinic sharing a case, list shows the 72-hour clocks, scope and notify report in English for operators."""
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from klinika.breach.models import Incident
from klinika.tenancy.context import cross_clinic
from tests.breach.support import make_patients

pytestmark = pytest.mark.django_db

OPEN = ["breach", "open", "--summary", "Kopia bazy na publicznym serwerze", "--detected-at", "2026-03-02T09:30",
        "--source", "database_copy", "--contact-point", "iod@example.pl"]


def _run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_keys_exposed_must_be_answered(clinic):
    with pytest.raises(CommandError, match="--keys-exposed"):
        call_command(*OPEN, "--clinic", clinic.slug)
    with cross_clinic("test"):
        assert not Incident.objects.exists()


def test_a_vendor_wide_incident_is_one_per_clinic_with_one_case(make_clinic):
    first, second = make_clinic(), make_clinic()
    out = _run(*OPEN, "--clinic", first.slug, "--clinic", second.slug, "--keys-exposed", "none",
               "--detected-by", "vendor")
    assert "vendor-wide case" in out
    with cross_clinic("test"):
        incidents = list(Incident.objects.all())
    assert {i.clinic_id for i in incidents} == {first.pk, second.pk} and len({i.case for i in incidents}) == 1
    listing = _run("breach", "list")
    assert listing.count("OVERDUE") == 2  # aware since 2026-03-02: long past 72 hours


def test_bad_input_is_named_and_changes_nothing(clinic):
    with pytest.raises(CommandError, match="ISO 8601"):
        call_command(*OPEN[:5], "yesterday", *OPEN[6:], "--clinic", clinic.slug, "--keys-exposed", "none")
    with pytest.raises(CommandError, match="No clinic"):
        call_command(*OPEN, "--clinic", "no-such-clinic", "--keys-exposed", "none")
    with pytest.raises(CommandError, match="Give the time of awareness"):
        call_command(*OPEN[:5], "2999-01-01T00:00", *OPEN[6:], "--clinic", clinic.slug, "--keys-exposed", "none")
    with cross_clinic("test"):
        assert not Incident.objects.exists()


def test_scope_show_and_notify(clinic, settings, tmp_path):
    settings.KLINIKA_OUTBOX_DIR = tmp_path
    make_patients(clinic, 6)
    _run("breach", "open", "--clinic", clinic.slug, "--summary", "Konto lekarza przejęte",
         "--detected-at", timezone.now().isoformat(), "--source", "database_copy", "--keys-exposed", "both",
         "--contact-point", "iod@example.pl")
    with cross_clinic("test"):
        incident = Incident.objects.get(clinic=clinic)
    scoped = _run("breach", "scope", incident.reference, "--clinic", clinic.slug, "--people")
    assert "6 patients (6 readable)" in scoped and "ESTIMATE" in scoped and "patient notice required: True" in scoped
    notified = _run("breach", "notify", str(incident.public_id), "--batch-size", "4")
    assert "6 SMS, 2 e-mail prepared" in notified and "sent 8, failed 0" in notified
    assert "sent 0, failed 0" in _run("breach", "notify", str(incident.public_id))  # nothing twice
