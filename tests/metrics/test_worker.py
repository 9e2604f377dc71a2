"""A real Celery worker, through a real broker: facts after the flow ends an application, an export with progress."""

import pytest
from django.db import transaction

from metrics.exports import export_path, export_request
from metrics.models import ApplicationFacts, MetricsExport
from metrics.selectors import Filters
from outbox import tasks as outbox_tasks  # noqa: F401  (registers the delivery with the worker)
from tests.celery_helpers import waiting_for_effect
from tests.factories import ApplicationFactory
from workflows import services
from workflows.models import Step

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_the_worker_records_the_facts_and_builds_an_export(worker, applicant, acceptor, monitor):  # noqa: F811
    application = ApplicationFactory(agency=applicant.agency, created_by=applicant)
    services.application_submit(application=application, by=applicant)
    facts_done = waiting_for_effect("metrics.facts")
    try:
        step = Step.objects.active().get(application=application, node="accept")
        services.task_complete(task_id=step.task_id, by=acceptor, outcome="refuse",
                               data={"comment": "不属于本机关职权范围"})  # commits: the flow ends here
        assert facts_done.wait(timeout=60), "the worker did not record the facts"
    finally:
        facts_done.disconnect()
    facts = ApplicationFacts.objects.get(application=application)
    assert facts.outcome == "refused" and facts.steps == 2 and facts.days_counted == 0

    export_done = waiting_for_effect("metrics.export")
    try:
        with transaction.atomic():
            export = export_request(by=monitor, kind="facts", fmt="csv", filters=Filters())
            assert MetricsExport.objects.get(pk=export.pk).state == "pending"  # nothing runs before the commit
        assert export_done.wait(timeout=60), "the worker did not build the export"
    finally:
        export_done.disconnect()
    export.refresh_from_db()
    assert export.state == "done" and (export.rows_total, export.rows_done) == (1, 1)
    assert application.reference in export_path(export).read_text(encoding="utf-8")
