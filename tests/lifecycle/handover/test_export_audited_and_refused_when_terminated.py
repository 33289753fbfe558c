"""An export is audited when it starts and when it completes; a terminated (shredded) clinic is
refused with a message that says why, and nothing is written."""
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from klinika.audit.models import Action, AuditEvent
from klinika.lifecycle.handover.container import ExportError
from klinika.lifecycle.handover.services import export_clinic
from klinika.lifecycle.services import shred_clinic
from klinika.tenancy.context import clinic_context

pytestmark = pytest.mark.django_db


def test_export_is_audited(exportable, tmp_path):
    result = export_clinic(exportable.clinic, tmp_path / "export")
    with clinic_context(exportable.clinic):
        reasons = list(AuditEvent.objects.filter(action=Action.EXPORT, object_type="clinic-handover")
                       .order_by("seq").values_list("reason", flat=True))
    assert reasons == ["handover export started",
                       f"handover export complete: {result.files} files, manifest sha256 {result.manifest_sha256}"]


def test_terminated_clinic_is_refused(exportable, tmp_path):
    clinic = exportable.clinic
    shred_clinic(clinic, "contract ended")
    clinic.refresh_from_db()
    with pytest.raises(ExportError, match="terminated: its keys were shredded"):
        export_clinic(clinic, tmp_path / "export")
    with pytest.raises(CommandError, match="Clinic eksport is terminated"):
        call_command("clinic", "export", "eksport", "--out", str(tmp_path / "by-cli"))
    assert not (tmp_path / "export").exists() and not (tmp_path / "by-cli").exists()


def test_a_directory_with_other_files_is_refused(exportable, tmp_path):
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "holiday.jpg").write_bytes(b"\xff\xd8")
    with pytest.raises(ExportError, match="is not empty"):
        export_clinic(exportable.clinic, tmp_path / "busy")
