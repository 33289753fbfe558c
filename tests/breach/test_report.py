"""The art. 33 draft says what art. 33(3) lists (nature, categories and approximate numbers, DPO contact,
consequences, measures) with the 72-hour clock, in JSON and as a Polish PDF; the processor's notice exists
for incidents the vendor detected."""
import datetime
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from pypdf import PdfReader

from klinika.breach import report, services
from klinika.patients.models import Patient
from klinika.tenancy.context import clinic_context
from tests.breach.support import make_patients

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(clinic):
    make_patients(clinic, 12)
    with clinic_context(clinic):  # registered before the leak
        Patient.objects.update(created_at=timezone.now() - datetime.timedelta(days=30))
    opened = services.open_incident(
        clinic, summary="Kopia bazy i keystore na serwerze testowym", source_kind="database_copy", source_ref="",
        detected_at=timezone.now() - datetime.timedelta(hours=80), keystore_exposed=True, root_key_exposed=True,
        detected_by="vendor", contact_point="iod@przychodnia.example, tel. 22 100 20 30",
        measures_taken="Serwer wyłączony, klucze wymienione.")
    return services.scope_incident(opened)


def test_the_json_holds_what_article_33_requires(incident):
    data = report.build(incident)
    assert data["format"] == "klinika-breach-report/1" and data["kind"] == "art33"
    assert data["incident"]["nature"] == "Kopia bazy i keystore na serwerze testowym"
    assert data["dpo_contact"] == "iod@przychodnia.example, tel. 22 100 20 30"
    assert data["people"]["patients"] == 12 and data["people"]["approximate"] is True  # no copy: an estimate
    assert {c["code"] for c in data["categories"]} == {"identifiers", "contact"}
    assert data["records_total"] == sum(c["records"] for c in data["categories"])
    assert data["likely_consequences"] and data["measures_proposed"]
    assert data["measures_taken"] == "Serwer wyłączony, klucze wymienione."
    assert data["deadline"]["overdue"] is True and data["deadline"]["delay_reason_missing"] is True
    assert data["severity"]["level"] == "very_high" and data["severity"]["dpc"]["reasons"]
    assert data["patient_notice"]["required"] is True
    json.dumps(data)  # serialisable as it is


def test_the_pdf_is_polish(incident):
    pdf = report.render_pdf(report.build(incident))
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    for words in ("Zgłoszenie naruszenia ochrony danych osobowych", "Punkt kontaktowy", "termin minął",
                  "brak: wymagane przy zgłoszeniu po 72 godzinach", "Możliwe konsekwencje", "Proponowane środki",
                  "iod@przychodnia.example"):
        assert words in text, words


def test_the_cli_writes_both_files_and_the_processor_notice(incident, tmp_path):
    out = io.StringIO()
    call_command("breach", "report", str(incident.public_id), "--out", str(tmp_path), "--processor-notice",
                 "--controller-notified-at", timezone.now().isoformat(), stdout=out, stderr=io.StringIO())
    notice = json.loads((tmp_path / f"zawiadomienie-administratora-{incident.reference}.json").read_text())
    assert notice["kind"] == "processor" and notice["controller_notified_at"]
    assert (tmp_path / f"zawiadomienie-administratora-{incident.reference}.pdf").read_bytes().startswith(b"%PDF")
    with pytest.raises(CommandError, match="reasons for the delay"):
        call_command("breach", "report", str(incident.public_id), "--reported-at", timezone.now().isoformat())
    call_command("breach", "report", str(incident.public_id), "--reported-at", timezone.now().isoformat(),
                 "--delay-reason", "Zakres ustalono po odzyskaniu kopii.", stdout=io.StringIO())
    incident.refresh_from_db()
    assert incident.reported_at is not None


def test_the_processor_notice_is_only_for_what_the_vendor_detected(clinic, tmp_path):
    opened = services.open_incident(clinic, summary="Zgubiony eksport", detected_at=timezone.now(),
                                    source_kind="handover_export", source_ref=str(tmp_path), keystore_exposed=False,
                                    root_key_exposed=False, contact_point="iod@example.pl")
    services.scope_incident(opened)
    with pytest.raises(CommandError, match="vendor detected"):
        call_command("breach", "report", str(opened.public_id), "--out", str(tmp_path), "--processor-notice")
