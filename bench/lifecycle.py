"""Ordinary-track lifecycles through the real services on PostgreSQL, against raw viewflow.

Interleaved rounds, each: a batch of bare commits (a Django ``atomic()`` single-row update), one
product lifecycle (draft with its documents, submit, then accept, review, decide, issue through
``workflows.services.task_complete``) and one raw viewflow lifecycle of the same flow shape (start,
then four human tasks with Switch nodes between them, each completion assigning and executing its
task from code under the same blocking process lock, with viewflow's own permission check, and one
write of the outcome the next Switch reads). Machine noise hits the three alike.

Prints the median completion of each, the product's in bare commits (the unit measured in the same
rounds) and as a ratio to raw viewflow, SQL statements and requests to the database per completion,
this process's CPU time per completion of each (the rest is the server's work and the wire),
lifecycles per second. Targets: a product completion ≤ 9 bare commits and ≤ 1.0× raw viewflow.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres python bench/lifecycle.py [--lifecycles 200]

A throw-away database (``test_<name>``) is created, migrated and dropped. Each draft gets its
documents through the real upload service; side effects go to an in-memory queue, as they would
go to the broker in production, and are not executed. The last line is one JSON object (bench
"lifecycle"); ``--tiny`` runs 3 rounds.
"""

import argparse
import io
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "bench-only")
# Side effects (PDFs, e-mail) are published to a queue as in production, not run inside the request.
os.environ.setdefault("CELERY_BROKER_URL", "memory://")
_scratch = tempfile.mkdtemp(prefix="bench-lifecycle-")  # uploads and a throw-away signing key
os.environ.setdefault("MEDIA_ROOT", _scratch)
os.environ.setdefault("CERT_SIGNING_DEV_KEY_DIR", _scratch)
os.environ.setdefault("CERT_SIGNING_DEV_KEY_ALLOWED", "1")

import django  # noqa: E402

django.setup()

from django.contrib.auth.hashers import make_password  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from pypdf import PdfWriter  # noqa: E402

from bench.jsonline import emit  # noqa: E402

NODES = [("accept", "acceptor", "accept", {}), ("review", "reviewer", "pass", {"review_mode": "written"}),
         ("decide", "approver", "approve", {"comment": "符合条件"}), ("issue", "issuer", "issue", {})]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lifecycles", type=int, default=200, help="rounds (one lifecycle of each kind per round)")
    parser.add_argument("--bare", type=int, default=20, help="bare commits per round")
    parser.add_argument("--tiny", action="store_true", help="3 lifecycles, 100 bare commits: checks that it runs")
    args = parser.parse_args()
    if args.tiny:
        args.lifecycles, args.bare = 3, 5
    if connection.vendor != "postgresql":
        sys.exit("set DATABASE_URL to a PostgreSQL server")

    old_name = connection.settings_dict["NAME"]
    test_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        figures = run(args)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        shutil.rmtree(_scratch, ignore_errors=True)
        print(f"(dropped {test_name})")
    emit("lifecycle", figures)


def run(args) -> dict:
    from approvals.models import Agency, ScopeItem, User
    from approvals.models import Application as App
    from approvals.validators import credit_code_check_char
    from documents import selectors as documents_selectors
    from documents.services import document_upload
    from workflows import services
    from workflows.models import Step

    password = make_password("bench")
    users = {}
    for role in ("acceptor", "reviewer", "approver", "issuer"):
        users[role] = User.objects.create(username=role, password=password)
        users[role].groups.add(Group.objects.get(name=role))
    agency = Agency.objects.create(name="基准测试检测中心", credit_code="91520100" + "000000001"
                                   + credit_code_check_char("91520100000000001"), address="贵阳",
                                   legal_representative="甲", contact_name="乙", contact_phone="1")
    applicant = User.objects.create(username="applicant", password=password, agency=agency)
    applicant.groups.add(Group.objects.get(name="applicant"))

    pdf = io.BytesIO()
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.write(pdf)

    def new_draft() -> App:
        app = App.objects.create(agency=agency, created_by=applicant, test_sites="贵阳", declaration=True)
        ScopeItem.objects.bulk_create(
            ScopeItem(application=app, seq=i, category="食品", item="油", parameter=f"参数{i}", standard="GB 1")
            for i in range(1, 6))
        for requirement in documents_selectors.requirements_for(app).filter(mandatory=True, via_data_sharing=False):
            pdf.seek(0)
            document_upload(application=app, by=applicant, requirement=requirement.code, file=pdf, name="材料.pdf")
        return app

    def lifecycle(capture: CaptureQueriesContext | None = None) -> list[float]:
        app = new_draft()
        services.application_submit(application=app, by=applicant)
        times = []
        for node, role, outcome, data in NODES:
            # fresh user objects, as each request would have: the permission cache starts empty
            user = User.objects.get(pk=users[role].pk)
            task_id = Step.objects.values_list("task_id", flat=True).get(application=app, node=node, state="open")
            before = len(capture.captured_queries) if capture else 0
            start, start_cpu = time.perf_counter(), time.process_time()
            services.task_complete(task_id=task_id, by=user, outcome=outcome, data=data)
            times.append(time.perf_counter() - start)
            completion_cpu.append(time.process_time() - start_cpu)
            if capture is not None:
                sent = capture.captured_queries[before:]
                capture_counts.append(len(sent))
                statement_counts.append(sum(1 + q["sql"].count(";\n") for q in sent))  # writes sent together
        return times

    completion_cpu: list[float] = []  # this process's CPU time (Python and the driver), not the server's
    raw_cpu: list[float] = []
    capture_counts: list[int] = []  # requests to the database
    statement_counts: list[int] = []
    raw_flow = raw_viewflow_flow()
    raw_counts: list[int] = []

    def raw_lifecycle(capture: CaptureQueriesContext | None = None) -> list[float]:
        from viewflow.workflow.models import Task
        from viewflow.workflow.status import STATUS

        process = raw_flow.start.run()
        times = []
        for node, role, _outcome, _data in NODES:
            user = User.objects.get(pk=users[role].pk)
            task_id = Task.objects.values_list("id", flat=True).get(
                process_id=process.pk, flow_task=getattr(raw_flow, node), status=STATUS.NEW)
            before = len(capture.captured_queries) if capture else 0
            start, start_cpu = time.perf_counter(), time.process_time()
            raw_complete(raw_flow, process.pk, task_id, user, RAW_STATUS_AFTER[node])
            times.append(time.perf_counter() - start)
            raw_cpu.append(time.process_time() - start_cpu)
            if capture is not None:
                raw_counts.append(len(capture.captured_queries) - before)
        return times

    row = App.objects.create(agency=agency, created_by=applicant, test_sites="x")

    def bare_commits(count: int) -> list[float]:
        times = []
        for i in range(count):
            start = time.perf_counter()
            with transaction.atomic():
                App.objects.filter(pk=row.pk).update(review_experts=str(i))
            times.append(time.perf_counter() - start)
        return times

    for _ in range(3):  # warm-up
        bare_commits(20)
        lifecycle()
        raw_lifecycle()
    bare_times: list[float] = []
    completion_times: list[float] = []
    raw_times: list[float] = []
    product_seconds = raw_seconds = 0.0
    for _ in range(args.lifecycles):
        bare_times.extend(bare_commits(args.bare))
        start = time.perf_counter()
        completion_times.extend(lifecycle())
        product_seconds += time.perf_counter() - start
        start = time.perf_counter()
        raw_times.extend(raw_lifecycle())
        raw_seconds += time.perf_counter() - start

    with CaptureQueriesContext(connection) as capture:
        for _ in range(3):
            lifecycle(capture)
            raw_lifecycle(capture)
    requests = statistics.mean(capture_counts)
    statements = statistics.mean(statement_counts)
    raw_statements = statistics.mean(raw_counts)

    bare = statistics.median(bare_times)
    completion = statistics.median(completion_times)
    raw = statistics.median(raw_times)
    p95 = statistics.quantiles(completion_times, n=20)[18] if len(completion_times) > 1 else completion
    print(f"{args.lifecycles} interleaved rounds; load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    print(f"bare commit (atomic single-row update): median {bare * 1000:.3f} ms  ({1 / bare:,.0f}/s)")
    print(f"product: {args.lifecycles / product_seconds:.1f} lifecycles/s (each: draft with documents, submit, "
          f"{len(NODES)} completions); raw viewflow: {args.lifecycles / raw_seconds:.1f} lifecycles/s")
    print(f"task completion, product:      median {completion * 1000:.2f} ms, p95 {p95 * 1000:.2f} ms, "
          f"{requests:.1f} requests to the database (by node: {capture_counts[:len(NODES)]}), "
          f"{statements:.1f} SQL statements (by node: {statement_counts[:len(NODES)]})")
    print(f"task completion, raw viewflow: median {raw * 1000:.2f} ms, {raw_statements:.1f} SQL statements "
          f"(by node: {raw_counts[:len(NODES)]})")
    cpu, cpu_raw = statistics.median(completion_cpu), statistics.median(raw_cpu)
    print(f"CPU of this process per completion (the rest is the server and the wire): product {cpu * 1000:.2f} ms, "
          f"raw viewflow {cpu_raw * 1000:.2f} ms, ratio {cpu / cpu_raw:.2f}")
    print(f"one product completion = {completion / bare:.1f} bare commits (target <= 9); raw viewflow "
          f"{raw / bare:.1f}; product / raw viewflow = {completion / raw:.2f} (target <= 1.0)")
    return {"rounds": args.lifecycles, "bare_commit_ms": bare * 1000,
            "lifecycles_per_s": args.lifecycles / product_seconds, "raw_lifecycles_per_s": args.lifecycles / raw_seconds,
            "completion_median_ms": completion * 1000, "completion_p95_ms": p95 * 1000,
            "requests_per_completion": requests,
            "raw_completion_median_ms": raw * 1000, "statements_per_completion": statements,
            "raw_statements_per_completion": raw_statements, "completion_bare_commits": completion / bare,
            "raw_completion_bare_commits": raw / bare, "ratio_raw_viewflow": completion / raw,
            "completion_cpu_ms": cpu * 1000, "raw_completion_cpu_ms": cpu_raw * 1000, "ratio_cpu_raw_viewflow": cpu / cpu_raw}


# --- raw viewflow, the same flow shape ------------------------------------------------------------
# What each raw task's completion writes for the next Switch to read (the product's FSM status).
RAW_STATUS_AFTER = {"accept": "accepted", "review": "review_passed", "decide": "approved", "issue": "certified"}
RAW_FLOW_SOURCE = """
from viewflow import this
from viewflow.workflow import flow, lock
from viewflow.workflow.models import Process


def status_is(status):
    return lambda activation: activation.process.data.get("status") == status


class RawFlow(flow.Flow):
    process_class = Process
    lock_impl = lock.SelectForUpdateLock(nowait=False)

    start = flow.StartHandle(this.start_process).Next(this.accept)
    accept = flow.View(None).Permission("approvals.accept_application").Next(this.after_accept)
    after_accept = flow.Switch().Case(this.review, status_is("accepted")).Default(this.end)
    review = flow.View(None).Permission("approvals.review_application").Next(this.after_review)
    after_review = flow.Switch().Case(this.decide, status_is("review_passed")).Default(this.end)
    decide = flow.View(None).Permission("approvals.decide_application").Next(this.after_decide)
    after_decide = flow.Switch().Case(this.issue, status_is("approved")).Default(this.end)
    issue = flow.View(None).Permission("approvals.issue_certificate").Next(this.end)
    end = flow.End()

    def start_process(self, activation):
        return activation.process
"""


def raw_viewflow_flow():
    """The raw flow, defined in a module of an installed app (viewflow stores flows by app and path)
    that exists only in this process: nothing of it is part of the product."""
    import types

    module = types.ModuleType("workflows.bench_raw_flow")
    sys.modules[module.__name__] = module
    exec(compile(RAW_FLOW_SOURCE, "<raw viewflow flow>", "exec"), module.__dict__)  # noqa: S102
    return module.RawFlow


def raw_complete(raw_flow, process_id: int, task_id: int, user, status: str) -> None:
    """A human task completed from code as viewflow's own views would: lock, re-read, check the
    permission, assign, start, the outcome the Switch reads, execute."""
    from django.core.exceptions import PermissionDenied
    from viewflow.workflow.models import Task

    with raw_flow.lock(process_id):
        task = Task.objects.select_related("process").get(pk=task_id)
        if not task.flow_task.can_assign(user, task):
            raise PermissionDenied
        activation = task.flow_task.activation_class(task)
        activation.assign(user)
        activation.start(None)
        task.process.data["status"] = status
        task.process.save(update_fields=["data"])
        activation.execute()


if __name__ == "__main__":
    main()
