"""REST API of the domain core: token, me, agencies, applications (drafts), certificates."""

from .errors import exception_handler

__all__ = ["exception_handler"]
