"""An uploaded file is never written to disk before it is encrypted: no temporary file on the screen or
through the API, even past Django's 2.5 MB in-memory threshold. A file over the limit is refused with the
limit in the message (400 from the API, a message on the screen) and nothing is stored."""
import tempfile

import pytest
from django.conf import settings as django_settings
from django.core.files import uploadedfile
from django.test import RequestFactory

from klinika.records.models import Attachment
from klinika.tenancy.context import clinic_context
from tests.records import files
from tests.records.world import api_client, logged_in

pytestmark = pytest.mark.django_db
MB = 1024 * 1024
BIG = 3 * MB  # over FILE_UPLOAD_MAX_MEMORY_SIZE (2.5 MB), well under the 20 MB attachment limit
DJANGO_DEFAULT_HANDLERS = ["django.core.files.uploadhandler.MemoryFileUploadHandler",
                           "django.core.files.uploadhandler.TemporaryFileUploadHandler"]


@pytest.fixture
def temp_files(settings, tmp_path, monkeypatch):
    """Every temporary upload file Django makes during the test, and the (empty) directory they would go to."""
    spool = tmp_path / "spool"
    spool.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(spool)
    monkeypatch.setattr(tempfile, "tempdir", str(spool))
    made = []
    original = uploadedfile.TemporaryUploadedFile.__init__

    def watched(self, *args, **kwargs):
        original(self, *args, **kwargs)
        made.append(self.temporary_file_path())

    monkeypatch.setattr(uploadedfile.TemporaryUploadedFile, "__init__", watched)
    yield made
    assert list(spool.iterdir()) == []


def _stored_files(file_store) -> list:
    return sorted(file_store.iterdir()) if file_store.exists() else []


def _post_api(client, world, content):
    return client.post(f"/api/records/patients/{world.woman.pk}/attachments",
                       {"file": files.as_post_file(content, "morfologia.pdf"), "kind": "lab"})


def _post_screen(client, world, content):
    return client.post(f"/records/patients/{world.woman.pk}/attachments/",
                       {"file": files.as_post_file(content, "morfologia.pdf"), "kind": "lab"}, follow=True)


def _assert_encrypted_copy_of(file_store, attachment, original):
    (stored,) = _stored_files(file_store)
    assert stored.name == attachment.storage_name
    ciphertext = stored.read_bytes()
    assert files.SECRET not in ciphertext and b"%PDF-1.4" not in ciphertext
    assert len(ciphertext) > len(original)


def test_every_upload_goes_through_the_bounded_memory_handler():
    assert django_settings.FILE_UPLOAD_HANDLERS == ["klinika.records.uploads.BoundedMemoryUploadHandler"]


def test_the_watch_sees_the_temporary_file_djangos_default_handlers_would_write(world, file_store, temp_files,
                                                                               settings):
    """Without this, the tests below could pass by watching the wrong place."""
    settings.FILE_UPLOAD_HANDLERS = DJANGO_DEFAULT_HANDLERS
    response = _post_api(api_client(world.doctor_user), world, files.pdf(padding=BIG))
    assert response.status_code == 201
    assert len(temp_files) == 1 and temp_files[0].startswith(settings.FILE_UPLOAD_TEMP_DIR)


def test_a_big_file_through_the_api_is_stored_encrypted_without_a_temporary_file(world, file_store, temp_files):
    original = files.pdf(padding=BIG)
    assert len(original) > django_settings.FILE_UPLOAD_MAX_MEMORY_SIZE
    client = api_client(world.doctor_user)
    response = _post_api(client, world, original)
    assert response.status_code == 201, response.content
    assert response.json()["size"] == len(original)
    assert temp_files == []
    with clinic_context(world.clinic):
        attachment = Attachment.objects.get()
    _assert_encrypted_copy_of(file_store, attachment, original)
    content = client.get(f"/api/records/attachments/{attachment.public_id}/content")
    assert content.status_code == 200 and b"".join(content.streaming_content) == original


def test_a_big_file_on_the_screen_is_stored_encrypted_without_a_temporary_file(world, file_store, temp_files):
    original = files.pdf(padding=BIG)
    client = logged_in(world.doctor_user)
    response = _post_screen(client, world, original)
    assert response.status_code == 200 and "File attached." in response.content.decode()
    assert temp_files == []
    with clinic_context(world.clinic):
        attachment = Attachment.objects.get()
    assert attachment.size == len(original)
    _assert_encrypted_copy_of(file_store, attachment, original)
    download = client.get(f"/records/attachments/{attachment.public_id}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == original


def test_a_file_over_the_limit_through_the_api_is_a_translated_400_and_stores_nothing(world, file_store, temp_files,
                                                                                     settings):
    settings.KLINIKA_ATTACHMENT_MAX_BYTES = 3 * MB
    too_big = files.pdf(padding=4 * MB)
    response = _post_api(api_client(world.doctor_user), world, too_big)
    assert response.status_code == 400
    assert response.json() == {"detail": "Invalid data.", "errors": {
        "file": ["The file is too large: 4.1 MB; at most 3 MB can be attached."]}}
    polish = api_client(world.doctor_user)
    polish.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "pl"
    response = _post_api(polish, world, too_big)
    assert response.status_code == 400
    assert response.json() == {"detail": "Nieprawidłowe dane.", "errors": {
        "file": ["Plik jest za duży: 4,1 MB; można dołączyć najwyżej 3 MB."]}}
    assert temp_files == []
    assert _stored_files(file_store) == []
    with clinic_context(world.clinic):
        assert not Attachment.objects.exists()


def test_a_file_over_the_limit_on_the_screen_is_refused_with_a_message_and_stores_nothing(world, file_store,
                                                                                         temp_files, settings):
    settings.KLINIKA_ATTACHMENT_MAX_BYTES = 3 * MB
    response = _post_screen(logged_in(world.doctor_user), world, files.pdf(padding=4 * MB))
    assert response.status_code == 200
    page = response.content.decode()
    assert "The file is too large: 4.1 MB; at most 3 MB can be attached." in page
    assert "File attached." not in page
    assert temp_files == []
    assert _stored_files(file_store) == []
    with clinic_context(world.clinic):
        assert not Attachment.objects.exists()


def test_the_screen_still_checks_csrf_on_an_upload(world, file_store):
    client = logged_in(world.doctor_user)
    client.handler.enforce_csrf_checks = True
    response = client.post(f"/records/patients/{world.woman.pk}/attachments/",
                           {"file": files.as_post_file(files.pdf()), "kind": "scan"})
    assert response.status_code == 403
    assert _stored_files(file_store) == []


def test_one_request_holds_at_most_the_limit_in_memory_across_all_its_files(settings, temp_files):
    """Many files in one request cannot add up to many times the limit in memory."""
    settings.KLINIKA_ATTACHMENT_MAX_BYTES = 1 * MB
    first, second = files.pdf(b"pierwszy", padding=600_000), files.pdf(b"drugi", padding=600_000)
    request = RequestFactory().post("/", {"a": files.as_post_file(first, "a.pdf"),
                                          "b": files.as_post_file(second, "b.pdf")})
    kept, dropped = request.FILES["a"], request.FILES["b"]
    assert not kept.too_large and kept.read() == first
    assert dropped.too_large and dropped.size == len(second) and dropped.read() == b""
    assert temp_files == []
