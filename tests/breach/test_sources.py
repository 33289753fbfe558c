"""Each kind of source is scoped its own way: an account by what it read, a test environment holds no
real people, a handover export is readable unless age-encrypted, a copy that is not at hand is estimated."""
import datetime
import json

import pytest
from django.utils import timezone

from klinika.accounts.models import User
from klinika.audit.context import Actor, acting_as
from klinika.audit.services import record
from klinika.breach import services
from klinika.breach.models import AffectedPerson
from klinika.tenancy.context import clinic_context
from tests.breach.support import make_patients

pytestmark = pytest.mark.django_db


def _open(clinic, kind, ref, keys=False, **extra):
    return services.open_incident(clinic, summary="Incydent testowy", detected_at=timezone.now(), source_kind=kind,
                                  source_ref=ref, keystore_exposed=keys, root_key_exposed=keys,
                                  contact_point="iod@example.pl", **extra)


def test_an_account_exposes_what_it_read_in_the_window(clinic):
    people = make_patients(clinic, 6)
    user = User.objects.create_user("lek-wyciek", "x" * 16, clinic=clinic, role="doctor")
    other = User.objects.create_user("lek-inny", "x" * 16, clinic=clinic, role="doctor")
    with clinic_context(clinic):
        with acting_as(Actor(user.pk, "doctor")):
            for person in people[:3]:
                record("read", object_type="patient", object_id="1", subject_ref=person.subject_ref)
            record("read", object_type="encounter", object_id="7", subject_ref=people[0].subject_ref)
            record("read", object_type="e-prescription", object_id="9", subject_ref=people[1].subject_ref)
        with acting_as(Actor(other.pk, "doctor")):
            record("read", object_type="patient", object_id="1", subject_ref=people[5].subject_ref)
    start = timezone.now() - datetime.timedelta(hours=1)
    incident = services.scope_incident(_open(clinic, "account", "lek-wyciek", window_start=start,
                                             window_end=timezone.now()))
    scope = incident.scope
    assert scope["method"] == "audit" and scope["readable"] is True and scope["notice_required"] is True
    with clinic_context(clinic):
        listed = {p.subject_ref: p.records for p in AffectedPerson.objects.filter(incident=incident)}
    assert listed == {people[0].subject_ref: {"identifiers": 1, "health": 1},
                      people[1].subject_ref: {"identifiers": 1, "edocuments": 1},
                      people[2].subject_ref: {"identifiers": 1}}
    # Outside the window, nothing.
    later = services.scope_incident(_open(clinic, "account", "lek-wyciek",
                                          window_start=timezone.now() + datetime.timedelta(minutes=1),
                                          window_end=timezone.now() + datetime.timedelta(minutes=2)))
    assert later.scope["people"]["patients"] == 0 and later.scope["readable"] is False


def test_a_test_environment_holds_no_real_people(clinic):
    make_patients(clinic, 3)
    incident = services.scope_incident(_open(clinic, "test_environment", "dataset 4f1c", keys=True))
    assert incident.scope["people"]["patients"] == 0
    assert incident.scope["notice_required"] is False
    assert [r["code"] for r in incident.scope["reasons"]] == ["test-environment"]
    assert incident.severity["level"] == "low"


@pytest.mark.parametrize("encrypted", [True, False])
def test_a_handover_export_is_readable_unless_age_encrypted(clinic, tmp_path, encrypted):
    make_patients(clinic, 4)
    suffix = ".age" if encrypted else ""
    (tmp_path / "manifest.json").write_text(json.dumps({
        "format": "klinika-handover/1", "clinic": {"id": str(clinic.pk)}, "created_at": timezone.now().isoformat(),
        "complete": True, "files": [{"path": f"fhir/Patient.ndjson{suffix}", "sha256": "0" * 64, "bytes": 1}]}))
    incident = services.scope_incident(_open(clinic, "handover_export", str(tmp_path)))
    assert incident.scope["people"]["patients"] == 4
    assert incident.scope["readable"] is (not encrypted)
    assert incident.scope["exemption_34_3_a"] is encrypted
    assert incident.scope["reasons"][0]["code"] == ("export-encrypted" if encrypted else "export-clear")


def test_without_the_copy_the_scope_is_an_estimate_and_says_so(clinic):
    make_patients(clinic, 5)
    incident = services.scope_incident(_open(clinic, "database_copy", "/nonexistent/leak.sqlite3", keys=True))
    scope = incident.scope
    assert scope["method"] == "estimate" and scope["reasons"][0]["code"] == "estimate"
    assert scope["people"]["patients"] == 5 and scope["readable"] is True


def test_people_whose_keys_died_before_the_window_stay_unreadable(clinic):
    from klinika.lifecycle.services import erase_subject

    people = make_patients(clinic, 4)
    erase_subject(clinic, people[0].subject_ref, "retention ended")
    incident = services.scope_incident(_open(clinic, "database_copy", "", keys=True,
                                             window_start=timezone.now() + datetime.timedelta(seconds=1)))
    with clinic_context(clinic):
        readable = dict(AffectedPerson.objects.filter(incident=incident).values_list("subject_ref", "readable"))
    assert readable[people[0].subject_ref] is False
    assert all(readable[p.subject_ref] for p in people[1:])
    assert "keys-destroyed" in [r["code"] for r in incident.scope["reasons"]]
