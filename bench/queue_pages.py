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

A throw-away database (``test_<name>``) is created, migrated and dropped.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "bench-only")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")  # the in-process client speaks plain HTTP

import django  # noqa: E402

django.setup()

from django.core.paginator import Paginator  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="open acceptance tasks in the queue")
    parser.add_argument("--inbox", type=int, default=2_000, help="of which claimed by the measured official")
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("set DATABASE_URL to a PostgreSQL server")
    old_name = connection.settings_dict["NAME"]
    test_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        run(args)
    finally:
        connection.close()
        connection.creation.destroy_test_db(old_name, verbosity=0)
        print(f"(dropped {test_name})")


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

    from approvals.models import Agency, Application, ScopeItem, User
    from approvals.validators import credit_code_check_char
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
            SELECT t.id, %s, 'accept', 'approvals.accept_application',
                   CASE WHEN t.id %% %s = 0 THEN 'claimed' ELSE 'open' END,
                   now() - make_interval(secs => %s - (t.id - %s)),
                   CASE WHEN t.id %% %s = 0 THEN now() END,
                   CASE WHEN t.id %% %s = 0 THEN %s END, '', '', 'approval', 5, current_date, 0, 0,
                   current_date + ((t.id * 7919) %% 60)::int
            FROM viewflow_task t WHERE t.id <> %s
        """, [application.pk, every, args.rows, seed.task_id, every, every, official.pk, seed.task_id])
        cursor.execute("ANALYZE")
    client = Client()
    client.force_login(official)
    return official, client


def run(args) -> None:
    from workflows import selectors
    from workflows.models import Step

    start = time.perf_counter()
    official, client = fill(args)
    open_rows = Step.objects.filter(state="open").count()
    inbox_rows = Step.objects.filter(state="claimed", claimed_by=official).count()
    print(f"filled {open_rows:,} open and {inbox_rows:,} claimed steps in {time.perf_counter() - start:.0f} s")

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
            client.get(url, {"after": cursor})
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


def keyset_page_sql(queryset, cursor):
    from workflows.selectors import _RowCompare, decode_cursor

    due, pk = decode_cursor(cursor)
    return queryset.filter(_RowCompare(">", due, pk))[:21].query.sql_with_params()


if __name__ == "__main__":
    main()
