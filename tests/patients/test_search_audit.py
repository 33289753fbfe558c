"""Every search is audited without its text; every patient it shows is audited as read."""
import datetime

import pytest

from klinika.audit.models import AuditEvent
from klinika.patients import services
from klinika.tenancy.context import clinic_context
from tests.patients.factories import make_pesel

pytestmark = pytest.mark.django_db


def _all_text(events) -> str:
    return " ".join(f"{e.object_type} {e.object_id} {e.reason} {e.subject_ref}" for e in events)


def test_a_search_is_one_event_without_the_query_plus_one_read_per_result(register, registrar, clinic):
    pesel = make_pesel(datetime.date(1980, 2, 3), "F")
    patient = register(pesel=pesel)
    with clinic_context(clinic):
        before = AuditEvent.objects.count()
        services.search_patients(registrar, pesel)
        services.search_patients(registrar, "Kowalska Anna")
        services.search_patients(registrar, "nobody-at-all@example.com")
        events = list(AuditEvent.objects.order_by("seq"))[before:]
    searches = [e for e in events if e.object_type == "patient-search"]
    reads = [e for e in events if e.object_type == "patient"]
    assert [(e.action, e.actor_id, e.object_id) for e in searches] == [("read", registrar.pk, "")] * 3
    assert [s.reason for s in searches] == ["by pesel; 1 shown", "by name; 1 shown", "by email; 0 shown"]
    assert [(r.action, r.object_id, r.subject_ref) for r in reads] == [("read", str(patient.pk),
                                                                        patient.subject_ref)] * 2
    text = _all_text(events)
    for secret in (pesel, "Kowalska", "Anna", "nobody-at-all"):
        assert secret not in text


def test_a_search_through_the_page_is_audited_in_the_requests_transaction(register, registrar, clinic, client_for):
    register()
    client = client_for(registrar)
    response = client.post("/patients/search/", {"q": "Kowalska"})
    assert response.status_code == 200 and "Kowalska" in response.content.decode()
    with clinic_context(clinic):
        search = AuditEvent.objects.get(object_type="patient-search")
        assert search.request_id and "Kowalska" not in _all_text(AuditEvent.objects.all())
