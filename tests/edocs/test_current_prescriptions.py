"""Current prescriptions: signed or registered and still valid; not drafts, cancelled, rejected or expired ones."""
import datetime

import pytest
from django.utils import timezone

from klinika.edocs import services
from klinika.edocs.gateway import simulator
from klinika.tenancy.context import clinic_context
from tests.edocs.issuing import signed_package
from tests.edocs.world import amoxicillin_item, free_item

pytestmark = pytest.mark.django_db


def test_only_valid_and_live_prescriptions_are_current(world):
    live = signed_package(world, items=[amoxicillin_item(), free_item(validity_days=90, supply_days=90)])
    with simulator.rejecting("REJ-TEST"):
        signed_package(world, items=[free_item()])
    with clinic_context(world.clinic):
        services.issue_prescriptions(world.doctor, encounter_id=world.encounter.pk, items=[free_item()])  # draft
        antibiotic, chronic = live.prescriptions.order_by("pk")
        services.cancel_document(world.doctor, "rx", chronic.pk, "not_needed")
        later = signed_package(world, items=[free_item(drug_name="Bisoprololum")])
        _patient, today = services.current_prescriptions(world.doctor, world.patient.pk)
        in_ten_days = timezone.localdate() + datetime.timedelta(days=10)
        _patient, then = services.current_prescriptions(world.doctor, world.patient.pk, today=in_ten_days)
        later_rx = later.prescriptions.get().pk
    assert {rx.pk for rx in today} == {antibiotic.pk, later_rx}
    assert {rx.pk for rx in then} == {later_rx}  # the antibiotic was valid 7 days
