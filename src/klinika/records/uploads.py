"""An upload handler that keeps a file in memory only, and stops keeping it past the size limit.

Django's default handlers write uploads over 2.5 MB to a temporary file: a scan of a lab
result would lie on disk in plaintext until the request ends (or for ever, after a crash).
This one never touches the disk; a file over the limit arrives empty, marked `too_large`,
with its real size, so the service can say what the limit is.
"""
import io

from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler

from klinika.records.storage import max_upload_bytes


class BoundedMemoryUploadHandler(FileUploadHandler):
    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.buffer, self.received, self.limit = io.BytesIO(), 0, max_upload_bytes()

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received <= self.limit:
            self.buffer.write(raw_data)
        else:
            self.buffer = io.BytesIO()  # drop what came so far: it will not be stored anyway
        return None

    def file_complete(self, file_size):
        too_large = self.received > self.limit
        self.buffer.seek(0)
        upload = InMemoryUploadedFile(self.buffer, self.field_name, self.file_name, self.content_type,
                                      self.received, self.charset, self.content_type_extra)
        upload.too_large = too_large
        return upload
