"""Where documents live: under MEDIA_ROOT, which no URL serves. Files leave only through the
permission-checked download views, so the storage refuses to hand out a URL."""

from django.core.files.storage import FileSystemStorage
from django.utils.deconstruct import deconstructible


@deconstructible
class PrivateStorage(FileSystemStorage):
    """FileSystemStorage at MEDIA_ROOT (read lazily, so tests can move it) with no public URL."""

    def __init__(self):
        super().__init__(base_url=None, file_permissions_mode=0o640, directory_permissions_mode=0o750)

    def url(self, name):
        raise NotImplementedError("documents are served only through permission-checked views")


private_storage = PrivateStorage()
