"""API views whose reads run without a request transaction.

With ``ATOMIC_REQUESTS`` every API request runs in a transaction, and for a read that is two more
round trips to the database (BEGIN and COMMIT) around one or two statements, and nothing gained: a
read commits nothing. A view with ``ReadsOutsideTransaction`` runs its GET, HEAD and OPTIONS outside
one, as the HTML pages that only read already do (``transaction.non_atomic_requests``); any other
method runs in a transaction exactly as ``ATOMIC_REQUESTS`` would run it. Only for views whose
safe methods write nothing.

Called inside someone else's transaction (a test's), a read opens a savepoint instead: DRF's error
handling marks the enclosing transaction for rollback, and that mark must end with this request.
"""

from django.db import transaction
from rest_framework.permissions import SAFE_METHODS


class ReadsOutsideTransaction:
    """Mix in before ``APIView`` (or a generic view or viewset)."""

    @transaction.non_atomic_requests
    def dispatch(self, request, *args, **kwargs):
        if request.method in SAFE_METHODS and not transaction.get_connection().in_atomic_block:
            return super().dispatch(request, *args, **kwargs)
        with transaction.atomic():
            return super().dispatch(request, *args, **kwargs)
