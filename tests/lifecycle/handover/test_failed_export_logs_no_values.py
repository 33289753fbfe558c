"""A failed background export is logged by class and frames only: the exception's text (a pydantic
error quotes its input) may hold a patient's data and never reaches the log."""
import logging

import pytest

from klinika.lifecycle.handover import services
from klinika.lifecycle.handover.models import HandoverExport
from klinika.tenancy.context import clinic_context

pytestmark = pytest.mark.django_db


def test_the_log_names_the_failure_but_not_its_message(exportable, tmp_path, monkeypatch, caplog):
    def choke(*args, **kwargs):
        raise ValueError("input_value='Testowa Ala 99999999999'")

    monkeypatch.setattr(services, "export_clinic", choke)
    with clinic_context(exportable.clinic):
        export = HandoverExport.objects.create(clinic=exportable.clinic, directory=str(tmp_path / "out"))
        with caplog.at_level(logging.ERROR, logger="klinika.handover"):
            assert services.run_queued_export(str(export.public_id)) == {"status": "failed"}
        export.refresh_from_db()
    assert export.status == HandoverExport.Status.FAILED and "Testowa" not in export.error
    assert "ValueError" in caplog.text and "test_failed_export_logs_no_values.py" in caplog.text
    assert "Testowa" not in caplog.text and "99999999999" not in caplog.text
