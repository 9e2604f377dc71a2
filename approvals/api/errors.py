"""The error contract every API module follows:
400 with field messages (ValidationError), 403 for a role that may not act (PermissionDenied),
404 for an object the caller may not see (querysets are always scoped to the caller),
409 when the task is taken or done, or the transition is not allowed now (DomainError).
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from approvals.exceptions import DomainError


def exception_handler(exc, context):
    """Map domain and Django errors onto the API's status codes."""
    if isinstance(exc, DomainError):
        body = {"detail": str(exc)}
        current = getattr(exc, "current_status", "")
        if current:
            body["status"] = current
        set_rollback()  # the request's transaction must not commit half of a refused action
        return Response(body, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    return drf_exception_handler(exc, context)
