"""Celery tasks of the measurement: thin adapters that load by id, idempotent, retried on transient errors."""

import logging

from celery import shared_task
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, OperationalError

from workflows.exceptions import CalendarMissing

from . import exports, services

logger = logging.getLogger(__name__)


@shared_task(bind=True, autoretry_for=(OperationalError, CalendarMissing), retry_backoff=60, retry_backoff_max=3600,
             max_retries=8)
def facts_compute(self, application_id: int) -> bool:
    """Compute an ended application's facts. A calendar year not yet loaded is retried for hours;
    ``manage.py recompute_facts --missing`` catches up whatever still failed."""
    return services.facts_record(application_id=application_id) is not None


@shared_task(bind=True, autoretry_for=(OperationalError,), retry_backoff=10, max_retries=3)
def export_build(self, export_id: int) -> None:
    """Build an export's file, recording progress; a failure is shown to the user, not hidden."""
    try:
        exports.export_run(export_id=export_id)
    except OperationalError:
        raise
    except (DatabaseError, OSError, ValueError, ValidationError) as error:
        logger.exception("export %s failed", export_id)
        exports.export_fail(export_id=export_id, error=f"{type(error).__name__}: {error}")


def facts_effect(key: str) -> None:
    """Outbox handler ``metrics.facts`` (key: the application id)."""
    services.facts_record(application_id=int(key))


def export_effect(key: str) -> None:
    """Outbox handler ``metrics.export`` (key: the export id): a failure that retrying cannot mend
    is shown on the export; a database that is away is retried."""
    export_build.run(int(key))


@shared_task
def exports_purge() -> int:
    """Periodic: delete exports older than ``CMA_EXPORT_KEEP_DAYS``."""
    return exports.exports_purge(older_than_days=settings.CMA_EXPORT_KEEP_DAYS)
