"""Nothing is lost when the broker or the worker fails (issue 11), with real processes: PostgreSQL,
a Redis of the test's own, a Celery worker and beat as they run in production.

- The broker is stopped, a certificate is issued over the API (200), the broker comes back empty:
  the certificate's PDF and the application's facts appear with nobody acting, and the worker and
  beat that lived through the outage are the same processes.
- The worker is SIGKILLed while it renders a certificate, ten times: a new worker (as the
  supervisor would start) finishes each one, and each PDF exists exactly once.
"""

import logging
import os
import shutil
import time

import pytest
from django.db import OperationalError, connection, transaction
from rest_framework.test import APIClient

from documents.models import CertificateSignature, RenderedDocument
from metrics.models import ApplicationFacts
from outbox.models import Message
from tests.celery_helpers import forget_connections
from tests.documents.helpers import pdf_of, reader
from tests.factories import ApplicationFactory
from tests.workflows.helpers import complete, open_step, to_decision

from .processes import CeleryProcess, RedisServer, wait_until

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def broker(tmp_path, settings, monkeypatch):
    """Our own redis-server; this process publishes to it too (never eagerly)."""
    if not shutil.which("redis-server"):
        pytest.skip("needs redis-server (Debian's redis-server package; CI has it)")
    if connection.vendor != "postgresql":
        pytest.skip("needs DATABASE_URL on PostgreSQL: the worker processes open the test database")
    from project.celery import app

    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)  # Celery reads it before its own setting
    monkeypatch.setitem(settings.DATABASES["default"], "CONN_MAX_AGE", 0)  # put back afterwards
    settings.CMA_OUTBOX_RETRY_SECONDS = 2  # as the worker processes are told (processes.process_env)
    server = RedisServer(tmp_path)
    server.start()
    saved = {key: app.conf[key] for key in ("task_always_eager", "broker_url")}
    app.conf.update(task_always_eager=False, broker_url=server.url)
    forget_connections(app)
    try:
        yield server
    finally:
        app.conf.update(saved)
        forget_connections(app)
        server.stop()


@pytest.fixture
def processes(tmp_path):
    started: list[CeleryProcess] = []

    def start(kind: str, broker: RedisServer, wait: bool = True) -> CeleryProcess:
        process = CeleryProcess(kind, broker.url, tmp_path / f"{kind}-{len(started)}.log")
        started.append(process)
        if wait:
            process.wait_ready()
        return process

    yield start
    for process in started:
        process.stop()


def ready_to_issue(applicant, acceptor, reviewer, approver):
    application = ApplicationFactory(agency=applicant.agency, created_by=applicant)
    to_decision(application, applicant, acceptor, reviewer)
    complete(application, "decide", approver, "approve", comment="符合条件")
    return application


def issue_over_the_api(application, issuer) -> None:
    api = APIClient()
    api.force_authenticate(issuer)
    step = open_step(application, "issue")
    response = api.post(f"/api/v1/tasks/{step.task_id}/complete/", {"outcome": "issue"}, format="json")
    assert response.status_code == 200, response.content


def certificate_pdf(application) -> RenderedDocument:
    return RenderedDocument.objects.get(application=application, kind="certificate")


def the_one_pdf(application) -> RenderedDocument:
    """The certificate's PDF: ready, signed once, and exactly one file where the PDFs are kept."""
    rendered = certificate_pdf(application)
    assert rendered.state == "ready"
    folder = (rendered.file.storage.path(rendered.file.name)).rsplit("/", 1)[0]
    assert sorted(name for name in os.listdir(folder) if name.startswith("certificate")) == ["certificate-1.pdf"]
    number = application.certificate.number
    assert number in reader(pdf_of(rendered)).pages[0].extract_text().replace(" ", "")
    assert CertificateSignature.objects.filter(version__certificate=application.certificate).count() == 1
    return rendered


def test_a_certificate_issued_while_the_broker_is_down_gets_its_pdf_and_facts_when_it_returns(
        broker, processes, applicant, acceptor, reviewer, approver, issuer, caplog):
    worker = processes("worker", broker)
    beat = processes("beat", broker)
    application = ready_to_issue(applicant, acceptor, reviewer, approver)

    broker.stop()
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="outbox.services"):
        issue_over_the_api(application, issuer)  # 200: the side effects are rows, the publish failed quietly
    assert time.monotonic() - started < 15  # the refused publish is not waited for
    assert "the reconciler will send" in caplog.text
    application.refresh_from_db()
    assert application.status == "certified"
    assert certificate_pdf(application).state == "pending"
    assert not ApplicationFacts.objects.filter(application=application).exists()
    assert {("documents.render", str(certificate_pdf(application).pk)), ("metrics.facts", str(application.pk))} <= set(
        Message.objects.pending().values_list("handler", "key"))
    wait_until(lambda: "Cannot connect to redis" in worker.output(), timeout=60, what="the worker to meet the outage")
    assert worker.alive() and beat.alive()

    broker.start()  # empty: whatever was queued before is gone
    wait_until(lambda: certificate_pdf(application).state == "ready"
               and ApplicationFacts.objects.filter(application=application).exists(),
               timeout=120, what="the PDF and the facts after the broker returned", every=0.2)
    the_one_pdf(application)
    assert ApplicationFacts.objects.get(application=application).outcome == "certified"
    assert worker.alive() and beat.alive(), "the same worker and beat lived through the outage"
    assert not Message.objects.pending().filter(key__in=[str(application.pk), str(certificate_pdf(application).pk)],
                                                handler__in=["documents.render", "metrics.facts"]).exists()


def rendering(rendered_id: int) -> bool:
    """True while a worker holds the PDF row's lock: it is inside the render."""
    try:
        with transaction.atomic():
            list(RenderedDocument.objects.select_for_update(nowait=True).filter(pk=rendered_id).values_list("pk"))
    except OperationalError:
        return True
    return False


def test_a_worker_killed_mid_render_ten_times_leaves_each_pdf_exactly_once(
        broker, processes, applicant, acceptor, reviewer, approver, issuer):
    """Odd kills take the pool process that renders (the worker forks a new one; the broker's message
    was acknowledged as failed, so only the reconciler can bring it back); even kills take the whole
    worker, main process included, and a new worker is started as the supervisor would."""
    processes("beat", broker)
    worker = processes("worker", broker)
    issued, kills, tries = [], 0, 0
    while kills < 10:
        tries += 1
        assert tries <= 20, f"only {kills} of {tries - 1} kills landed inside a render"
        application = ready_to_issue(applicant, acceptor, reviewer, approver)
        issue_over_the_api(application, issuer)
        issued.append(application)
        rendered_id = certificate_pdf(application).pk
        wait_until(lambda: rendering(rendered_id) or certificate_pdf(application).state == "ready",  # noqa: B023
                   timeout=120, what="the worker to start rendering the certificate", every=0.01)
        whole_worker = kills % 2 == 1
        if whole_worker:
            worker.kill()
        else:
            worker.kill_pool_child()
        if certificate_pdf(application).state != "ready":  # the kill landed inside the render
            kills += 1
            # the dead process's row lock goes with its database connection
            wait_until(lambda: not rendering(rendered_id), timeout=30, what="the dead render's lock to go")  # noqa: B023
        if whole_worker:
            worker = processes("worker", broker, wait=False)
        wait_until(lambda: certificate_pdf(application).state == "ready",  # noqa: B023
                   timeout=120, what=f"the certificate PDF after kill {kills}", every=0.1)
        assert worker.alive()

    for application in issued:
        the_one_pdf(application)
    wait_until(lambda: ApplicationFacts.objects.filter(application__in=issued).count() == len(issued),
               timeout=60, what="the facts of every issued application")
