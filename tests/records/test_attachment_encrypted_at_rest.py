"""Stored attachment bytes are ciphertext under the patient's key: no content, not even the first bytes."""
import pytest

from klinika.crypto import keystore
from klinika.crypto.errors import DecryptionFailed, KeyDestroyed
from klinika.records.models import Attachment
from klinika.records.services import attachments
from tests.records import files
from tests.records.world import raw_rows

pytestmark = pytest.mark.django_db


def _stored(file_store, attachment) -> bytes:
    return (file_store / attachment.storage_name).read_bytes()


def test_the_stored_file_holds_none_of_the_original(ctx, file_store):
    original = files.pdf(padding=200_000)  # several encryption segments
    attachment = attachments.upload(ctx.doctor_user, ctx.woman.pk, files.upload(original, "Wójcik HCV.pdf"))
    stored = _stored(file_store, attachment)
    # Whole phrases only: a 3-byte word turns up in 200 KB of random bytes about once in a hundred runs.
    assert files.SECRET not in stored and b"HCV dodatni" not in stored
    assert original[:16] not in stored and b"%PDF-1.4" not in stored
    assert len(stored) > len(original)
    assert "Wójcik" not in attachment.storage_name and ".pdf" not in attachment.storage_name
    (name_column,) = raw_rows(f"SELECT original_name FROM {Attachment._meta.db_table} WHERE id = %s",
                              [attachment.pk])[0]
    assert "Wójcik HCV".encode() not in bytes(name_column)
    download = attachments.download(ctx.doctor_user, attachment.public_id)
    assert b"".join(download.chunks) == original


def test_a_tampered_or_truncated_file_does_not_decrypt(ctx, file_store):
    attachment = attachments.upload(ctx.doctor_user, ctx.woman.pk, files.upload(files.pdf(padding=150_000)))
    path = file_store / attachment.storage_name
    good = path.read_bytes()
    path.write_bytes(good[:-1] + bytes([good[-1] ^ 1]))
    with pytest.raises(DecryptionFailed):
        b"".join(attachments.download(ctx.doctor_user, attachment.public_id).chunks)
    path.write_bytes(good[: len(good) - 100])  # cut off inside the last segment
    with pytest.raises(DecryptionFailed):
        b"".join(attachments.download(ctx.doctor_user, attachment.public_id).chunks)
    path.write_bytes(good[: 24 + 64 * 1024 + 16])  # exactly the first segment: the rest was lost
    with pytest.raises(DecryptionFailed):
        b"".join(attachments.download(ctx.doctor_user, attachment.public_id).chunks)


def test_a_file_moved_to_another_attachment_does_not_decrypt(ctx, file_store):
    first = attachments.upload(ctx.doctor_user, ctx.woman.pk, files.upload(files.pdf(b"pierwszy")))
    second = attachments.upload(ctx.doctor_user, ctx.woman.pk, files.upload(files.pdf(b"drugi")))
    (file_store / second.storage_name).write_bytes((file_store / first.storage_name).read_bytes())
    with pytest.raises(DecryptionFailed):
        b"".join(attachments.download(ctx.doctor_user, second.public_id).chunks)


def test_erasing_the_patient_erases_the_files(ctx, file_store):
    attachment = attachments.upload(ctx.doctor_user, ctx.woman.pk, files.upload(files.pdf()))
    keystore.erase_subject(ctx.clinic.pk, ctx.woman.subject_ref)
    with pytest.raises(KeyDestroyed):
        attachments.download(ctx.doctor_user, attachment.public_id)
