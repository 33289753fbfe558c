"""The steps happen in their order only, each refused with a reason until its turn, and each audited."""
import datetime

import pytest
from django.test import override_settings
from django.utils import timezone

from klinika.audit.models import AuditEvent
from klinika.crypto.models import KeyEncryptionKey, KeyState
from klinika.lifecycle.termination import certificate, services, steps
from klinika.lifecycle.termination.services import TerminationError
from klinika.patients.models import Patient
from klinika.tenancy.context import clinic_context, cross_clinic
from klinika.tenancy.models import Clinic

from .conftest import make_admin, write_export

pytestmark = pytest.mark.django_db


def vendor_events(clinic):
    with cross_clinic("tests: the vendor chain's termination events"):
        return list(AuditEvent.objects.filter(chain="vendor", object_type="clinic-termination",
                                              object_id=str(clinic.pk)).order_by("seq")
                    .values_list("reason", flat=True))


def live_kek(clinic) -> bool:
    return KeyEncryptionKey.objects.using("keystore").filter(clinic_id=clinic.pk, state=KeyState.ACTIVE).exists()


def test_notice_needs_a_reason_and_who_and_is_given_once(clinic):
    with pytest.raises(TerminationError, match="--reason"):
        services.give_notice(clinic, reason=" ", by="operator-1")
    with pytest.raises(TerminationError, match="--by"):
        services.give_notice(clinic, reason="contract ended", by="")
    first = services.give_notice(clinic, reason="contract ended", by="operator-1")
    again = services.give_notice(clinic, reason="another reason", by="operator-2")
    assert again.pk == first.pk and again.reason == "contract ended"
    assert len(vendor_events(clinic)) == 1 and "notice given by operator-1" in vendor_events(clinic)[0]


def test_nothing_before_notice(clinic, tmp_path):
    write_export(clinic, tmp_path / "export")
    with pytest.raises(TerminationError, match="no termination under way"):
        services.record_delivery(clinic, tmp_path / "export", by="operator-1")
    with pytest.raises(TerminationError, match="no termination under way"):
        services.advance(clinic)


@pytest.mark.parametrize("changes, message", [
    ({"complete": False}, "not complete"),
    ({"clinic": {"id": "00000000-0000-0000-0000-000000000001"}}, "another clinic"),
    ({"format": "something-else"}, "not a handover manifest"),
])
def test_a_bad_export_is_refused_and_nothing_changes(clinic, tmp_path, changes, message):
    services.give_notice(clinic, reason="contract ended", by="operator-1")
    write_export(clinic, tmp_path / "export", changes)
    with pytest.raises(TerminationError, match=message):
        services.record_delivery(clinic, tmp_path / "export", by="operator-1")
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "manifest.json").write_text("{not json")
    with pytest.raises(TerminationError, match="not JSON"):
        services.record_delivery(clinic, tmp_path / "broken", by="operator-1")
    with pytest.raises(TerminationError, match="Cannot read"):
        services.record_delivery(clinic, tmp_path / "missing", by="operator-1")
    assert services.termination_of(clinic).delivered_at is None


def test_acknowledgement_needs_the_delivered_manifest_hash_and_the_clinics_admin(make_clinic, tmp_path):
    clinic, other = make_clinic(), make_clinic()
    admin, stranger = make_admin(clinic), make_admin(other)
    services.give_notice(clinic, reason="contract ended", by="operator-1")
    with pytest.raises(TerminationError):
        services.acknowledge(clinic, "0" * 64, admin=admin)  # nothing delivered yet
    digest = write_export(clinic, tmp_path / "export")
    services.record_delivery(clinic, tmp_path / "export", by="operator-1")
    for wrong in ("abc", "f" * 64):
        with pytest.raises(TerminationError):
            services.acknowledge(clinic, wrong, admin=admin)
    with pytest.raises(TerminationError):
        services.acknowledge(clinic, digest, admin=stranger)
    assert services.termination_of(clinic).acknowledged_at is None
    termination = services.acknowledge(clinic, digest.upper(), admin=admin)
    assert termination.acknowledged_by == admin.username
    assert termination.grace_ends_at - termination.acknowledged_at == datetime.timedelta(days=7)
    # a new export cannot replace the acknowledged one
    write_export(clinic, tmp_path / "export2", {"created_at": "2026-12-01T10:00:00Z"})
    with pytest.raises(TerminationError, match="already acknowledged"):
        services.record_delivery(clinic, tmp_path / "export2", by="operator-1")


def test_the_grace_period_cannot_be_cut_short(clinic, acknowledged, people):
    with clinic_context(clinic):
        Patient(**people.patient()).save()
    termination = acknowledged(clinic)
    with pytest.raises(TerminationError, match="grace period runs until") as refused:
        services.advance(clinic)
    assert f"{timezone.localtime(termination.grace_ends_at):%Y-%m-%d}" in str(refused.value)
    with pytest.raises(TerminationError, match="grace period runs until"):
        services.advance(clinic, now=termination.grace_ends_at - datetime.timedelta(seconds=1))
    # nothing shredded, the clinic still reads and writes (the export is still possible)
    assert live_kek(clinic) and steps.next_step(services.termination_of(clinic)) == steps.GRACE
    with clinic_context(clinic):
        assert Patient.objects.get().last_name
    assert len(vendor_events(clinic)) == 3  # notice, delivered, acknowledged


def test_advance_runs_every_step_in_order_and_audits_each(synth_clinic, acknowledged, settings):
    settings.KLINIKA_TERMINATION_GRACE_DAYS = 0
    clinic = synth_clinic("porzadek")
    acknowledged(clinic)
    termination = services.advance(clinic)
    times = [getattr(termination, steps.DONE_FIELD[step]) for step in steps.ORDER]
    assert None not in times and times == sorted(times)
    assert Clinic.objects.get(pk=clinic.pk).status == Clinic.Status.TERMINATED
    assert not live_kek(clinic)
    events = vendor_events(clinic)
    for text in ("notice given", "export delivered", "export acknowledged", "grace period over", "crypto-shred",
                 "root key rotated", "rows removed", "deletion certificate issued"):
        assert sum(text in event for event in events) == 1, (text, events)
    assert certificate.verify(bytes(termination.certificate)).ok
    # running it again changes nothing
    with override_settings(KLINIKA_TERMINATION_GRACE_DAYS=0):
        again = services.advance(clinic)
    assert bytes(again.certificate) == bytes(termination.certificate) and vendor_events(clinic) == events
