"""The officials' queue pages at scale on PostgreSQL: keyset pages against COUNT(*) + OFFSET pages.

Fills the step table with ``--rows`` open acceptance tasks (and ``--inbox`` of them claimed by one
official), then times, on the same data in the same run:

- the baseline: Django's ``Paginator`` over the same queue queryset (a ``COUNT(*)`` and an ``OFFSET``),
  for the first page and for a page in the middle of the queue;
- the product: ``workflows.selectors.queue_page`` (keyset on due date, id) over the same queryset,
  first page and the page after a cursor in the middle;
- the whole page (``GET /tasks/queue/`` and ``/tasks/``) through the real view, middleware and template.

Figures are printed as ratios to the baseline, plus the SQL statements per page request.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres python bench/queue_pages.py [--rows 1000000]

A throw-away database (``test_<name>``) is created, migrated and dropped. The seed application gets
its mandatory documents through the real upload service before it is submitted. The last line is one
JSON object (bench "queue_pages"); ``--tiny`` fills 2,000 rows and repeats each call 3 times.
"""

import argparse
import io
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "bench-only")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
_scratch = tempfile.mkdtemp(prefix="bench-queue-pages-")  # the seed application's uploads
os.environ.setdefault("MEDIA_ROOT", _scratch)
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")  # the in-process client speaks plain HTTP

import django  # noqa: E402

django.setup()

import time_machine  # noqa: E402
from django.core.paginator import Paginator  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.jsonline import emit  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="open acceptance tasks in the queue")
    parser.add_argument("--inbox", type=int, default=2_000, help="of which claimed by the measured official")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--tiny", action="store_true", help="2,000 rows, 3 repeats: checks that the bench runs")
    args = parser.parse_args()
    if args.tiny:
        args.rows, args.inbox, args.repeat = 2_000, 100, 3
    if connection.vendor != "postgresql":
        sys.exit("set DATABASE_URL to a PostgreSQL server")
    old_name = connection.settings_dict["NAME"]
    test_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        figures = run(args)
    finally:
        connection.close()
        connection.creation.destroy_test_db(old_name, verbosity=0)
        shutil.rmtree(_scratch, ignore_errors=True)
        print(f"(dropped {test_name})")
    emit("queue_pages", figures)  # the last line, stamped with the real date (outside the travel)


def timed(call, repeat: int) -> float:
    """Median wall time of ``call`` in milliseconds (after one warm-up call)."""
    call()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def fill(args):
    """One real submitted application (so the flow's rows exist), then its acceptance task cloned in SQL."""
    from django.contrib.auth.models import Group
    from django.test import Client
    from pypdf import PdfWriter

    from approvals.models import Agency, Application, ScopeItem, User
    from approvals.validators import credit_code_check_char
    from documents import selectors as documents_selectors
    from documents.services import document_upload
    from workflows import services
    from workflows.models import Step

    first17 = "91520100000000001"
    agency = Agency.objects.create(name="基准测试机构", credit_code=first17 + credit_code_check_char(first17),
                                   address="贵阳", legal_representative="甲", contact_name="乙", contact_phone="1")
    applicant = User.objects.create(username="applicant", agency=agency)
    official = User.objects.create(username="acceptor")
    official.groups.add(Group.objects.get(name="acceptor"))
    application = Application.objects.create(agency=agency, created_by=applicant, test_sites="贵阳", declaration=True)
    ScopeItem.objects.create(application=application, seq=1, category="食品", item="油", parameter="酸价", standard="GB")
    pdf = io.BytesIO()
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.write(pdf)
    for requirement in documents_selectors.requirements_for(application).filter(mandatory=True, via_data_sharing=False):
        pdf.seek(0)
        document_upload(application=application, by=applicant, requirement=requirement.code, file=pdf, name="材料.pdf")
    services.application_submit(application=application, by=applicant)
    seed = Step.objects.get(application=application)

    with connection.cursor() as cursor:
        cursor.execute("""
            INSERT INTO viewflow_task (flow_task, flow_task_type, status, created, token, owner_permission,
                                       process_id, data)
            SELECT flow_task, flow_task_type, status, created, token, owner_permission, process_id, data
            FROM viewflow_task, generate_series(1, %s) WHERE id = %s
        """, [args.rows - 1, seed.task_id])
        # Entered one second apart, oldest first; due dates spread over 60 days, so the queue's
        # due-date order is not the entry order; the measured official holds every n-th task.
        every = max(args.rows // max(args.inbox, 1), 1)
        cursor.execute("""
            INSERT INTO workflows_step (task_id, application_id, node, permission, state, entered_at,
                                        claimed_at, claimed_by_id, outcome, comment, clock, limit_days,
                                        clock_started_on, carried_days, stopped_days, due_date)
            SELECT t.id, %(app)s, 'accept', 'approvals.accept_application',
                   CASE WHEN t.id %% %(every)s = 0 THEN 'claimed' ELSE 'open' END,
                   %(now)s - make_interval(secs => %(rows)s - (t.id - %(seed)s)),
                   CASE WHEN t.id %% %(every)s = 0 THEN %(now)s END,
                   CASE WHEN t.id %% %(every)s = 0 THEN %(official)s END, '', '', 'approval', 5, %(today)s, 0, 0,
                   %(today)s + ((t.id * 7919) %% 60)::int
            FROM viewflow_task t WHERE t.id <> %(seed)s
        """, {"app": application.pk, "every": every, "rows": args.rows, "seed": seed.task_id, "official": official.pk,
              "now": timezone.now(), "today": timezone.localdate()})
        cursor.execute("ANALYZE")
    client = Client()
    client.force_login(official)
    return official, client


def run(args) -> dict:
    # A fixed "today" whose due dates (up to 60 days on) fall inside the calendar's known years.
    with time_machine.travel(datetime(2026, 9, 15, 10, tzinfo=ZoneInfo("Asia/Shanghai")), tick=True):
        return measure(args)


def measure(args) -> dict:
    from workflows import selectors
    from workflows.models import Step

    start = time.perf_counter()
    official, client = fill(args)
    open_rows = Step.objects.filter(state="open").count()
    inbox_rows = Step.objects.filter(state="claimed", claimed_by=official).count()
    print(f"filled {open_rows:,} open and {inbox_rows:,} claimed steps in {time.perf_counter() - start:.0f} s")
    figures: dict = {"open_rows": open_rows, "inbox_rows": inbox_rows, "repeat": args.repeat}

    def paginator_page(queryset, number):
        return list(Paginator(queryset, 20).page(number).object_list)

    for name, queryset_of, total in (("claimable", selectors.claimable, open_rows),
                                     ("inbox", selectors.inbox, inbox_rows)):
        queryset = queryset_of(user=official)
        middle = total // 2
        cursor_row = list(queryset[middle - 1: middle])[0]  # the queue's own order: soonest due first
        cursor = selectors.encode_cursor(cursor_row)
        baseline_first = timed(lambda q=queryset: paginator_page(q, 1), args.repeat)
        baseline_middle = timed(lambda q=queryset, n=middle // 20 + 1: paginator_page(q, n), args.repeat)
        keyset_first = timed(lambda q=queryset: selectors.queue_page(q).items, args.repeat)
        keyset_middle = timed(lambda q=queryset, c=cursor: selectors.queue_page(q, after=c).items, args.repeat)
        url = "/tasks/queue/" if name == "claimable" else "/tasks/"
        request_first = timed(lambda u=url: client.get(u), args.repeat)
        request_middle = timed(lambda u=url, c=cursor: client.get(u, {"after": c}), args.repeat)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, {"after": cursor})
        assert response.status_code == 200, response.status_code
        print(f"\n{name} ({total:,} rows)")
        print(f"  baseline COUNT(*)+OFFSET  first page {baseline_first:8.2f} ms   middle page {baseline_middle:8.2f} ms")
        print(f"  keyset page               first page {keyset_first:8.2f} ms   middle page {keyset_middle:8.2f} ms")
        print(f"  keyset / baseline         first page {keyset_first / baseline_first:8.3f}      "
              f"middle page {keyset_middle / baseline_middle:8.3f}")
        print(f"  whole GET {url:<14}  first page {request_first:8.2f} ms   middle page {request_middle:8.2f} ms"
              f"   ({len(queries)} SQL statements)")
        with connection.cursor() as db:
            sql, params = keyset_page_sql(queryset, cursor)
            db.execute("EXPLAIN (ANALYZE, BUFFERS OFF, TIMING OFF) " + sql, params)
            plan = [row[0] for row in db.fetchall()]
        print("  plan of the middle keyset page: " + " | ".join(line.strip() for line in plan[:3]))
        figures.update({
            f"{name}_paginator_first_ms": baseline_first, f"{name}_paginator_middle_ms": baseline_middle,
            f"{name}_keyset_first_ms": keyset_first, f"{name}_keyset_middle_ms": keyset_middle,
            f"{name}_ratio_keyset_paginator_middle": keyset_middle / baseline_middle,
            f"{name}_request_first_ms": request_first, f"{name}_request_middle_ms": request_middle,
            f"{name}_request_statements": len(queries),
        })
    return figures


def keyset_page_sql(queryset, cursor):
    from workflows.selectors import _RowCompare, decode_cursor

    due, pk = decode_cursor(cursor)
    return queryset.filter(_RowCompare(">", due, pk))[:21].query.sql_with_params()


if __name__ == "__main__":
    main()
