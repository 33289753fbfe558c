"""The size limit comes from settings (default 20 MB); a bigger file is refused with both sizes."""
import pytest
from django.core.exceptions import ValidationError

from klinika.records.models import Attachment
from klinika.records.services import attachments
from klinika.records.storage import DEFAULT_MAX_BYTES, max_upload_bytes
from tests.records import files
from tests.records.world import logged_in

pytestmark = pytest.mark.django_db
MB = 1024 * 1024


def test_the_default_limit_is_20_mb_and_a_setting_changes_it(settings):
    del settings.KLINIKA_ATTACHMENT_MAX_BYTES
    assert max_upload_bytes() == DEFAULT_MAX_BYTES == 20 * MB
    settings.KLINIKA_ATTACHMENT_MAX_BYTES = 5 * MB
    assert max_upload_bytes() == 5 * MB


def test_a_file_over_the_limit_is_refused(ctx, file_store, settings):
    settings.KLINIKA_ATTACHMENT_MAX_BYTES = 1 * MB
    content = files.pdf(padding=MB)
    with pytest.raises(ValidationError) as caught:
        attachments.upload(ctx.doctor_user, ctx.woman.pk, files.upload(content))
    assert caught.value.message_dict == {"file": ["The file is too large: 1.1 MB; at most 1 MB can be attached."]}
    assert not Attachment.objects.exists()
    exactly = files.pdf() + b" " * (MB - len(files.pdf()))
    attachments.upload(ctx.doctor_user, ctx.woman.pk, files.upload(exactly))
    assert Attachment.objects.count() == 1


def test_an_empty_file_is_refused(ctx, file_store):
    with pytest.raises(ValidationError) as caught:
        attachments.upload(ctx.doctor_user, ctx.woman.pk, files.upload(b""))
    assert caught.value.message_dict == {"file": ["The file is empty."]}


def test_the_upload_page_stops_keeping_a_big_file_in_memory_and_says_why(world, file_store, settings):
    settings.KLINIKA_ATTACHMENT_MAX_BYTES = 200_000
    client = logged_in(world.doctor_user)
    response = client.post(f"/records/patients/{world.woman.pk}/attachments/",
                           {"file": files.as_post_file(files.pdf(padding=300_000)), "kind": "scan"}, follow=True)
    assert response.status_code == 200
    assert "The file is too large: 0.3 MB; at most 0.2 MB can be attached." in response.content.decode()
    from klinika.tenancy.context import clinic_context

    with clinic_context(world.clinic):
        assert not Attachment.objects.exists()
