"""API views that only read: no request transaction.

With ``ATOMIC_REQUESTS`` every API request runs in a transaction, and for a read that is two more
round trips to the database (BEGIN and COMMIT) around one or two statements, and nothing gained: a
read commits nothing. A ``ReadView`` runs outside it, as the HTML pages that only read already do
(``transaction.non_atomic_requests``).

Called inside someone else's transaction (a test's), it opens a savepoint instead: DRF's error
handling marks the enclosing transaction for rollback, and that mark must end with this request.
"""

from django.db import transaction
from rest_framework.views import APIView


class ReadView(APIView):
    http_method_names = ["get", "head", "options"]

    @transaction.non_atomic_requests
    def dispatch(self, request, *args, **kwargs):
        if transaction.get_connection().in_atomic_block:
            with transaction.atomic():
                return super().dispatch(request, *args, **kwargs)
        return super().dispatch(request, *args, **kwargs)
