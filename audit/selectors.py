"""Reads of the record."""

from django.db.models import QuerySet

from .models import AuditEntry


def application_record(*, application_id: int) -> QuerySet[AuditEntry]:
    """Every event of one application, in chain order (one query)."""
    return AuditEntry.objects.for_application(application_id)
