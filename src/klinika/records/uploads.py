"""An upload handler that keeps files in memory only, and stops keeping them past the size limit.

Django's default handlers write uploads over 2.5 MB to a temporary file: a scan of a lab
result would lie on disk in plaintext until the request ends (or for ever, after a crash).
This one never touches the disk. It is the only handler (settings.FILE_UPLOAD_HANDLERS), so
the screen and the API both use it.

The bound is per request, not per file: a request with many files holds at most the limit
in memory in all. A file past it arrives empty, marked `too_large`, with its real size, so
the service can say what the limit is (and stores nothing).
"""
import io

from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler

from klinika.records.storage import max_upload_bytes


class BoundedMemoryUploadHandler(FileUploadHandler):
    def __init__(self, request=None):
        super().__init__(request)
        self.limit = max_upload_bytes()
        self.kept = 0  # bytes of every file of this request held in memory so far

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.buffer, self.received, self.too_large = io.BytesIO(), 0, False

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.too_large:
            return None
        if self.received > self.limit or self.kept + len(raw_data) > self.limit:
            # Drop what came so far: it will not be stored anyway.
            self.kept -= self.buffer.tell()
            self.buffer, self.too_large = io.BytesIO(), True
            return None
        self.buffer.write(raw_data)
        self.kept += len(raw_data)
        return None

    def file_complete(self, file_size):
        self.buffer.seek(0)
        upload = InMemoryUploadedFile(self.buffer, self.field_name, self.file_name, self.content_type,
                                      self.received, self.charset, self.content_type_extra)
        upload.too_large = self.too_large
        return upload
