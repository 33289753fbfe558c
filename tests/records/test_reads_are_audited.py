"""Every read of clinical data leaves an audit event (ids only); every write too."""
import pytest

from klinika.audit.models import AuditEvent
from klinika.records import services
from klinika.records.summary import patient_summary
from klinika.tenancy.context import clinic_context
from tests.records.world import api_client, logged_in

pytestmark = pytest.mark.django_db


def _events(**filters):
    return list(AuditEvent.objects.filter(**filters).order_by("seq"))


def test_reading_a_visit_its_versions_and_the_summary_are_audited(ctx, visit):
    encounter = services.start_encounter(ctx.doctor_user, patient_id=ctx.woman.pk)
    services.sign(ctx.doctor_user, encounter.pk, visit)
    before = AuditEvent.objects.count()
    services.get_encounter(ctx.users["nurse"], encounter.pk)
    services.encounter_versions(ctx.doctor_user, encounter.pk)
    patient_summary(ctx.doctor_user, ctx.woman.pk)
    services.current_vitals(ctx.users["nurse"], ctx.woman.pk)
    services.active_allergies(ctx.doctor_user, ctx.woman.pk)
    reads = _events(action="read", seq__gt=before)  # the actor comes from the request (see the last test)
    assert [e.object_type for e in reads] == [
        "encounter", "encounter", "encounter-version", "clinical-summary", "vital-signs-list", "allergy-list"]
    assert all(e.subject_ref == ctx.woman.subject_ref for e in reads)


def test_writes_are_audited_with_ids_and_no_content(ctx, visit):
    encounter = services.start_encounter(ctx.doctor_user, patient_id=ctx.woman.pk)
    services.save_draft(ctx.doctor_user, encounter.pk, visit)
    services.sign(ctx.doctor_user, encounter.pk)
    services.amend(ctx.doctor_user, encounter.pk, {**visit, "interview": "poprawka"}, "błąd w wywiadzie")
    services.record_vitals(ctx.users["nurse"], ctx.woman.pk, {"pulse": 173})
    services.add_allergy(ctx.users["nurse"], ctx.woman.pk, substance="Ibuprofen")
    events = _events(subject_ref=ctx.woman.subject_ref)
    kinds = [(e.action, e.object_type, e.reason) for e in events if e.action != "read"]
    assert kinds == [("create", "encounter", "unplanned"), ("update", "encounter", "draft saved"),
                     ("update", "encounter", "signed"), ("create", "encounter-version", "amendment 2"),
                     ("update", "encounter", "amended to version 2"), ("create", "vital-signs", ""),
                     ("create", "allergy", "")]
    text = " ".join(f"{e.object_id} {e.reason}" for e in events)
    for secret in ["Ból gardła", "J06.9", "Ibuprofen", "błąd w wywiadzie", "poprawka"]:
        assert secret not in text
    # the measured value is in no reason (ids are numbers too, so object ids are not searched for it)
    assert not any("173" in e.reason or "pulse" in e.reason for e in events)


def test_a_page_view_writes_its_reads_in_the_request(world, visit):
    with clinic_context(world.clinic):
        encounter = services.start_encounter(world.doctor_user, patient_id=world.woman.pk)
        before = AuditEvent.objects.count()
    logged_in(world.doctor_user).get(f"/records/encounters/{encounter.pk}/")
    api_client(world.users["nurse"]).get(f"/api/records/encounters/{encounter.pk}")
    with clinic_context(world.clinic):
        reads = _events(action="read", seq__gt=before, subject_ref=world.woman.subject_ref)
    assert {"encounter", "clinical-summary"} <= {e.object_type for e in reads}
    assert {e.actor_id for e in reads} == {world.doctor_user.pk, world.users["nurse"].pk}
    assert all(e.request_id for e in reads)
