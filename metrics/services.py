"""Writes of the five-reductions measurement: an application's facts, computed when it ends.

The flow calls ``facts_schedule`` in the transaction that ends an application; the facts are
computed after commit by a Celery task that takes the application's id and may run any number of
times (it rewrites the one row). ``facts_recompute`` rewrites them in bulk, e.g. after a calendar
correction or a rule-set edit.
"""

from collections.abc import Callable, Iterable

from django.db import transaction
from django.utils import timezone

import outbox
from approvals.models import Application

from .history import facts_values, is_measurable
from .models import ENDED_STATES, ApplicationFacts


def facts_record(*, application_id: int) -> ApplicationFacts | None:
    """Compute and store the facts of an ended application (rewrites its row; None if it has not ended).

    Raises ``CalendarMissing`` when a working day it needs is in a year the calendar lacks.
    """
    application = Application.objects.select_related("rule_set").get(pk=application_id)
    if not is_measurable(application):
        return None
    values = facts_values(application)
    facts, _created = ApplicationFacts.objects.update_or_create(
        application=application, defaults={**values, "computed_at": timezone.now()}
    )
    return facts


def facts_schedule(*, application: Application) -> None:
    """Inside the transaction that ends an application: compute its facts once it commits."""
    if application.status not in ENDED_STATES:
        return
    outbox.schedule("metrics.facts", application.pk)  # computed by the worker, re-sent until done


def facts_recompute(*, ids: Iterable[int] | None = None, missing_only: bool = False,
                    progress: Callable[[int, int], None] | None = None) -> tuple[int, list[tuple[int, str]]]:
    """Rewrite the facts of ended applications (all of them, the given ids, or only those without facts).

    Returns how many were written and the (id, error) of those that could not be computed.
    """
    applications = Application.objects.filter(status__in=ENDED_STATES, submitted_at__isnull=False)
    if ids is not None:
        applications = applications.filter(pk__in=list(ids))
    if missing_only:
        applications = applications.filter(facts__isnull=True)
    pks = list(applications.order_by("pk").values_list("pk", flat=True))
    written, failed = 0, []
    for index, pk in enumerate(pks, start=1):
        try:
            with transaction.atomic():
                if facts_record(application_id=pk) is not None:
                    written += 1
        except Exception as error:  # one bad record must not stop a bulk rewrite; it is reported
            failed.append((pk, f"{type(error).__name__}: {error}"))
        if progress is not None:
            progress(index, len(pks))
    return written, failed
