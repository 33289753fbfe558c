"""PDF, JPEG and PNG only, told by the file's first bytes: not by its name, not by the browser."""
import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from klinika.records.models import Attachment
from klinika.records.services import attachments
from tests.records import files
from tests.records.world import logged_in

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("content, name, browser_type, detected", [
    (files.pdf(), "wynik.pdf", "application/pdf", "application/pdf"),
    (files.jpeg(), "skan.JPG", "image/jpeg", "image/jpeg"),
    (files.png(), "usg.png", "image/png", "image/png"),
    (files.png(), "zdjecie.txt", "text/plain", "image/png"),  # a PNG by content, whatever the name says
])
def test_accepted_formats_are_detected_from_the_content(ctx, file_store, content, name, browser_type, detected):
    attachment = attachments.upload(ctx.users["nurse"], ctx.woman.pk, files.upload(content, name, browser_type),
                                    kind="lab", description="morfologia")
    assert Attachment.objects.get(pk=attachment.pk).content_type == detected
    assert attachment.size == len(content) and attachment.original_name == name


@pytest.mark.parametrize("content, name", [
    (files.exe(), "wyniki.pdf"),  # a renamed program
    (b"<html><script>alert(1)</script></html>", "wynik.png"),
    (b"GIF89a" + bytes(40), "skan.jpg"),
    (b"PK\x03\x04" + bytes(40), "wynik.docx"),
])
def test_anything_else_is_refused_and_nothing_is_stored(ctx, file_store, content, name):
    with pytest.raises(ValidationError) as caught:
        attachments.upload(ctx.users["nurse"], ctx.woman.pk, files.upload(content, name, "application/pdf"))
    assert caught.value.message_dict == {"file": [
        "Only PDF, JPEG and PNG files can be attached, and this file's content is none of them "
        "(whatever its name says)."]}
    assert not Attachment.objects.exists()
    assert not file_store.exists() or not any(file_store.iterdir())


def test_other_bad_input_is_named(ctx, file_store):
    with pytest.raises(ValidationError) as caught:
        attachments.upload(ctx.users["nurse"], ctx.woman.pk, files.upload(files.pdf()), kind="mri",
                           description="x" * 501)
    assert set(caught.value.message_dict) == {"kind", "description"}
    with pytest.raises(ValidationError) as caught:
        attachments.upload(ctx.users["nurse"], ctx.woman.pk, None)
    assert caught.value.message_dict == {"file": ["Choose a file to attach."]}
    assert not Attachment.objects.exists()


def test_a_registrar_attaches_nothing(ctx, file_store):
    with pytest.raises(PermissionDenied):
        attachments.upload(ctx.users["registrar"], ctx.woman.pk, files.upload(files.pdf()))
    assert not Attachment.objects.exists()


def test_the_upload_form_refuses_a_renamed_program_with_the_reason(world, file_store):
    client = logged_in(world.users["nurse"])
    response = client.post(f"/records/patients/{world.woman.pk}/attachments/",
                           {"file": files.as_post_file(files.exe(), "wyniki.pdf"), "kind": "lab"}, follow=True)
    assert "this file&#x27;s content is none of them" in response.content.decode()
    ok = client.post(f"/records/patients/{world.woman.pk}/attachments/",
                     {"file": files.as_post_file(files.pdf(), "wyniki.pdf"), "kind": "lab"}, follow=True)
    assert "File attached." in ok.content.decode() and "wyniki.pdf" in ok.content.decode()
