"""The clinic admin's export screen lists exports made from the command line too, and lets the admin
resume a failed export or one whose worker died; a live running export cannot be restarted."""
import datetime
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from klinika.accounts.models import User
from klinika.accounts.roles import Role
from klinika.lifecycle.handover.models import HandoverExport
from klinika.lifecycle.handover.services import STALE_AFTER, is_resumable
from klinika.lifecycle.handover.verify import verify_export
from klinika.tenancy.context import clinic_context
from tests.records.world import logged_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def export_dir(settings, tmp_path):
    settings.KLINIKA_EXPORT_DIR = tmp_path / "exports"


def _admin(clinic):
    return User.objects.create_user("szefowa", "correct-horse-battery", role=Role.CLINIC_ADMIN, clinic=clinic)


def test_a_command_line_export_is_listed_and_a_rerun_reuses_its_row(exportable, tmp_path):
    out = tmp_path / "cli-export"
    first = io.StringIO()
    call_command("clinic", "export", exportable.clinic.slug, "--out", str(out), stdout=first, stderr=io.StringIO())
    assert "exported" in first.getvalue() and "manifest sha256" in first.getvalue()
    again = io.StringIO()
    call_command("clinic", "export", exportable.clinic.slug, "--out", str(out), stdout=again, stderr=io.StringIO())
    assert "already holds a complete export" in again.getvalue()

    with clinic_context(exportable.clinic):
        export = HandoverExport.objects.get()
    assert export.status == HandoverExport.Status.COMPLETE and export.requested_by is None
    assert export.directory == str(out.resolve()) and export.counts["patients"] == 5
    listing = logged_in(_admin(exportable.clinic), language="pl").get(reverse("handover:exports")).content.decode()
    assert f'data-export="{export.public_id}"' in listing and "gotowy" in listing


def _stalled(clinic, directory, minutes_ago):
    with clinic_context(clinic):
        export = HandoverExport.objects.create(clinic=clinic, directory=str(directory),
                                               status=HandoverExport.Status.RUNNING)
        HandoverExport.objects.filter(pk=export.pk).update(
            updated_at=timezone.now() - datetime.timedelta(minutes=minutes_ago))
        export.refresh_from_db()
    return export


def test_an_export_whose_worker_died_is_resumed_from_the_screen(exportable, tmp_path,
                                                                 django_capture_on_commit_callbacks):
    export = _stalled(exportable.clinic, tmp_path / "stalled", STALE_AFTER.total_seconds() / 60 + 1)
    assert is_resumable(export)
    client = logged_in(_admin(exportable.clinic), language="pl")
    assert "Wznów eksport" in client.get(reverse("handover:exports")).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("handover:resume", args=[export.public_id]))
    assert response.status_code == 302
    with clinic_context(exportable.clinic):
        export.refresh_from_db()
    assert export.status == HandoverExport.Status.COMPLETE
    assert verify_export(export.directory).ok


def test_a_live_running_export_is_not_restarted(exportable, tmp_path):
    export = _stalled(exportable.clinic, tmp_path / "alive", 1)
    assert not is_resumable(export)
    client = logged_in(_admin(exportable.clinic), language="pl")
    assert "Wznów eksport" not in client.get(reverse("handover:exports")).content.decode()
    response = client.post(reverse("handover:resume", args=[export.public_id]), follow=True)
    assert response.status_code == 200 and "wznowić można tylko" in response.content.decode()
    with clinic_context(exportable.clinic):
        export.refresh_from_db()
    assert export.status == HandoverExport.Status.RUNNING
