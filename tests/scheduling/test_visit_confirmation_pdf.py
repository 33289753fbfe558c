"""The patient's printed visit confirmation: date, time, place (address, room), practitioner, how to cancel;
never the reason for the visit, the visit type or a diagnosis. Printing is audited; only the desk roles print."""
import io

import pytest
from django.utils import timezone
from pypdf import PdfReader

from klinika.accounts.roles import Role
from klinika.audit.models import AuditEvent
from klinika.scheduling.services import setup as setup_services
from klinika.tenancy.context import clinic_context
from tests.scheduling.booking import book_next
from tests.scheduling.clients import logged_in

pytestmark = pytest.mark.django_db

REASON = "Krwawienie po zabiegu, podejrzenie endometriozy"


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_confirmation_names_when_where_and_whom_but_not_why(world, clinic):
    admin = world.users[Role.CLINIC_ADMIN]
    with clinic_context(clinic):
        setup_services.update_settings(admin, reminder_days_ahead=2, planning_horizon_days=90,
                                       address="ul. Lipowa 5, 00-001 Warszawa",
                                       cancel_info="Odwołanie: tel. 22 123 45 67")
        visit = book_next(world, reason=REASON, visit_type=world.prenatal)
        patient = world.patients[0]
    response = logged_in(world.users[Role.REGISTRAR]).get(f"/schedule/appointments/{visit.pk}/confirmation.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "no-store" and f"wizyta-{visit.pk}.pdf" in response["Content-Disposition"]
    text = " ".join(_text(response.content).split())
    local = timezone.localtime(visit.starts_at)
    for expected in (local.strftime("%H:%M"), str(local.day), str(local.year), "ul. Lipowa 5", "Gabinet 1",
                     world.gyn.staff.last_name, "tel. 22 123 45 67", patient.last_name, clinic.name):
        assert expected in text, expected
    for hidden in ("Krwawienie", "zabieg", "endometrioz", "prenatal", "ginekolog", "0724"):
        assert hidden.lower() not in text.lower(), hidden
    with clinic_context(clinic):
        printed = AuditEvent.objects.filter(object_type="appointment", object_id=str(visit.pk), action="print")
        assert printed.count() == 1


def test_the_confirmation_is_linked_after_booking_and_refused_where_it_should_be(world, clinic):
    with clinic_context(clinic):
        visit = book_next(world)
    url = f"/schedule/appointments/{visit.pk}/confirmation.pdf"
    assert url in logged_in(world.users[Role.REGISTRAR]).get(f"/schedule/appointments/{visit.pk}/").content.decode()
    # without an address set the page says to contact the desk
    text = _text(logged_in(world.users[Role.NURSE]).get(url).content)
    assert "rejestracj" in text.lower()
    assert logged_in(world.users[Role.DOCTOR]).get(url).status_code == 403
    assert logged_in(world.users[Role.DPO]).get(url).status_code == 403
    registrar = logged_in(world.users[Role.REGISTRAR])
    registrar.post(f"/schedule/appointments/{visit.pk}/cancel/", {"reason": "choroba"})
    cancelled = registrar.get(url, follow=True)
    assert cancelled.redirect_chain[-1][0] == f"/schedule/appointments/{visit.pk}/"
    assert "Potwierdzenie można wydrukować tylko dla umówionej wizyty." in cancelled.content.decode()


def test_another_clinics_visit_is_404(world, make_clinic, people):
    from tests.scheduling.world import build

    other = build(make_clinic("Inna"), people, patients=0)
    with clinic_context(world.clinic):
        visit = book_next(world)
    assert logged_in(other.users[Role.REGISTRAR]).get(
        f"/schedule/appointments/{visit.pk}/confirmation.pdf").status_code == 404
