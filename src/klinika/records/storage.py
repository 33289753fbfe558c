"""Where attachment files live: Django's storage API, so the backend is a setting.

Default: files under KLINIKA_DATA_DIR/uploads/attachments. An S3-compatible bucket is one
entry in settings.STORAGES (django-storages, installed separately when wanted):

    STORAGES["attachments"] = {"BACKEND": "storages.backends.s3.S3Storage",
                               "OPTIONS": {"bucket_name": "...", "endpoint_url": "https://..."}}

Whatever the backend, it only ever receives ciphertext under random names.
"""
from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage, storages

ALIAS = "attachments"
DEFAULT_MAX_BYTES = 20 * 1024 * 1024


def attachment_storage() -> Storage:
    if ALIAS in settings.STORAGES:
        return storages[ALIAS]
    # No base_url: files are never served directly, only through the audited download view.
    return FileSystemStorage(location=settings.DATA_DIR / "uploads" / "attachments", base_url=None,
                             file_permissions_mode=0o600, directory_permissions_mode=0o700)


def max_upload_bytes() -> int:
    return int(getattr(settings, "KLINIKA_ATTACHMENT_MAX_BYTES", DEFAULT_MAX_BYTES))
