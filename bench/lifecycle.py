"""Ordinary-track lifecycles through the real services on PostgreSQL.

Prints lifecycles completed per second, SQL statements per task completion, and the cost of one task
completion in "bare commits": a Django ``atomic()`` single-row update measured in the same run.
viewflow alone costs about 9 bare commits per task completion on the reference machine; the target
is that the whole product's completion (state machine, flow, audit, step record) costs no more.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres python bench/lifecycle.py [--lifecycles 200]

A throw-away database (``test_<name>``) is created, migrated and dropped. Each draft gets its
documents through the real upload service; side effects go to an in-memory queue, as they would
go to the broker in production, and are not executed.
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
    parser.add_argument("--lifecycles", type=int, default=200)
    parser.add_argument("--bare", type=int, default=2000, help="bare commits measured for the baseline")
    parser.add_argument("--tiny", action="store_true", help="3 lifecycles, 100 bare commits: checks that it runs")
    args = parser.parse_args()
    if args.tiny:
        args.lifecycles, args.bare = 3, 100
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
            start = time.perf_counter()
            services.task_complete(task_id=task_id, by=user, outcome=outcome, data=data)
            times.append(time.perf_counter() - start)
            if capture is not None:
                capture_counts.append(len(capture.captured_queries) - before)
        return times

    capture_counts: list[int] = []

    # Baseline: a bare atomic() single-row update, measured in this run on this database.
    row = App.objects.create(agency=agency, created_by=applicant, test_sites="x")
    for _ in range(100):  # warm-up
        with transaction.atomic():
            App.objects.filter(pk=row.pk).update(review_experts="warm")
    start = time.perf_counter()
    for i in range(args.bare):
        with transaction.atomic():
            App.objects.filter(pk=row.pk).update(review_experts=str(i))
    bare = (time.perf_counter() - start) / args.bare

    for _ in range(5):  # warm-up
        lifecycle()
    completion_times: list[float] = []
    start = time.perf_counter()
    for _ in range(args.lifecycles):
        completion_times.extend(lifecycle())
    elapsed = time.perf_counter() - start

    with CaptureQueriesContext(connection) as capture:
        for _ in range(5):
            lifecycle(capture)
    statements = statistics.mean(capture_counts)

    completion = statistics.median(completion_times)
    print(f"bare commit (atomic single-row update): {bare * 1000:.3f} ms  ({1 / bare:,.0f}/s)")
    print(f"lifecycles: {args.lifecycles} in {elapsed:.2f} s = {args.lifecycles / elapsed:.1f} lifecycles/s "
          f"(each: draft, submit, {len(NODES)} task completions)")
    print(f"task completion: median {completion * 1000:.2f} ms, p95 "
          f"{statistics.quantiles(completion_times, n=20)[18] * 1000:.2f} ms")
    print(f"SQL statements per task completion: {statements:.1f} (by node: {capture_counts[:len(NODES)]})")
    print(f"one task completion = {completion / bare:.1f} bare commits (target: <= 9, viewflow alone)")
    return {"lifecycles": args.lifecycles, "bare_commit_ms": bare * 1000, "lifecycles_per_s": args.lifecycles / elapsed,
            "completion_median_ms": completion * 1000,
            "completion_p95_ms": statistics.quantiles(completion_times, n=20)[18] * 1000,
            "statements_per_completion": statements, "completion_bare_commits": completion / bare}


if __name__ == "__main__":
    main()
