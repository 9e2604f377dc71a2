"""Stop reading an upload as soon as it passes the size limit.

Without this, Django would stream a 2 GB "document" to a temporary file before the size check
refused it. The handler goes first in the request's handler chain (the views insert it before the
body is read) and skips the file past the limit; the view then reports the size, not a missing file.
"""

from django.core.files.uploadhandler import FileUploadHandler, SkipFile

from .validation import max_upload_bytes

TOO_LARGE = "documents_upload_too_large"


class SizeLimitUploadHandler(FileUploadHandler):
    def __init__(self, request=None):
        super().__init__(request)
        self.limit = max_upload_bytes()

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > self.limit:
            setattr(self.request, TOO_LARGE, self.file_name or True)
            raise SkipFile()
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handler in the chain builds the file


def limit_uploads(request) -> None:
    """Put the size limit first in ``request``'s upload handlers (before its body is read)."""
    request.upload_handlers.insert(0, SizeLimitUploadHandler(request))


def too_large(request) -> bool:
    return bool(getattr(request, TOO_LARGE, False))
