"""After the shred, every table the clinic owns is emptied of its rows, in chunks; the audit trail stays,
and no other clinic loses a row."""
import pytest
from django.db import DatabaseError, connection, transaction

from klinika.audit.models import AuditEvent
from klinika.lifecycle import services as lifecycle
from klinika.lifecycle.termination import services
from klinika.lifecycle.termination.services import removal
from klinika.tenancy.context import clinic_context

pytestmark = pytest.mark.django_db


def counts(clinic) -> dict[str, int]:
    with clinic_context(clinic):
        return {table.name: removal.rows_of(table, clinic.pk).count() for table in removal.plan()}


def test_every_clinic_table_is_emptied_except_the_audit_trail(synth_clinic):
    gone, stays = synth_clinic("usuwana"), synth_clinic("zostaje", seed=2)
    before, others = counts(gone), counts(stays)
    # the generated clinic fills the tables that matter (signed visits, e-documents, staff and their logins)
    for table in ("patients_patient", "scheduling_appointment", "records_encounterversion", "edocs_prescription",
                  "accounts_staffmember", "accounts_user", "staff_practitioner_specialties"):
        assert before[table] > 0, table
    with clinic_context(gone):
        audit_before = AuditEvent.objects.count()
    termination = services.give_notice(gone, reason="contract ended", by="operator-1")
    lifecycle.shred_clinic(gone, reason="test: the shred that precedes the removal")

    removed = removal.remove_rows(termination, chunk=7)  # small chunks: many transactions per table

    assert removed == {table: n for table, n in before.items() if n}
    assert set(counts(gone).values()) == {0}
    assert counts(stays) == others
    with clinic_context(gone):
        assert AuditEvent.objects.count() == audit_before + 1  # + the shred's own event, none removed
    assert removal.kept_rows(gone.pk)["audit_auditevent"] == audit_before + 1
    assert removal.kept_rows(gone.pk)["lifecycle_termination"] == 1
    # a second run finds nothing more and counts nothing twice
    termination.refresh_from_db()
    assert removal.remove_rows(termination, chunk=7) == removed


def test_the_plan_covers_every_table_with_a_clinic_and_orders_children_first():
    tables = removal.plan()
    names = [table.name for table in tables]
    for child, parent in (("records_encounterversion", "records_encounter"), ("records_encounter", "patients_patient"),
                          ("scheduling_appointment", "patients_patient"), ("accounts_staffmember", "accounts_user"),
                          ("staff_practitioner_specialties", "staff_practitioner")):
        assert names.index(child) < names.index(parent), (child, parent)
    assert not {"audit_auditevent", "audit_auditcheckpoint", "audit_auditchainhead", "lifecycle_termination",
                "tenancy_clinic", "staff_specialty", "edocs_drug"} & set(names)
    cut = {(table.name, field.name) for table in tables for field in table.unlink}
    assert cut == {("patients_patient", "guardian"), ("patients_patient", "merged_into"),
                   ("records_encounter", "current"), ("records_vitalsigns", "supersedes"),
                   ("edocs_sickleave", "reissue_of"), ("scheduling_appointment", "rescheduled_from")}


def test_a_signed_visit_of_a_clinic_not_terminated_still_cannot_be_deleted(synth_clinic):
    clinic = synth_clinic("aktywna")
    with connection.cursor() as cursor, pytest.raises(DatabaseError), transaction.atomic():
        cursor.execute("DELETE FROM records_encounterversion WHERE clinic_id = %s AND signed_at IS NOT NULL",
                       [clinic.pk.hex if connection.vendor == "sqlite" else clinic.pk])
