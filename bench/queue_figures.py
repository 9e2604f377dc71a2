"""The queue benchmark itself; run it as ``python bench/queue.py`` (see that file for what it prints)."""

import argparse
import os
import statistics
import sys
import time
from datetime import datetime
from urllib.parse import urlsplit, urlunsplit

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "bench-only")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")  # the in-process client speaks plain HTTP
os.environ.setdefault("LOG_LEVEL", "ERROR")
# The cache production has (sessions read from it, the permission sets): opt in with
# BENCH_CACHE_URL=redis://127.0.0.1:6379/<a database of your own>, as for bench/http.py.
if os.environ.get("BENCH_CACHE_URL"):
    os.environ["CACHE_URL"] = os.environ["BENCH_CACHE_URL"]

SERVER_URL = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
if not SERVER_URL.startswith("postgres"):
    sys.exit("set DATABASE_URL to a PostgreSQL server")
# Named after the database DATABASE_URL names, so two people's runs on one server never collide.
BENCH_DB = f"{urlsplit(SERVER_URL).path.lstrip('/') or 'postgres'}_bench_queue"
os.environ["DATABASE_URL"] = urlunsplit(urlsplit(SERVER_URL)._replace(path=f"/{BENCH_DB}"))

import django  # noqa: E402
import psycopg  # noqa: E402

django.setup()

import time_machine  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

import prepared  # noqa: E402
from bench.datasets import PERMISSION, SHANGHAI, fill  # noqa: E402
from bench.jsonline import emit  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--applications", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=300, help="timed requests per measurement")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="measure a database kept by --keep")
    parser.add_argument("--tiny", action="store_true", help="500 applications, 20 runs: checks that the bench runs")
    args = parser.parse_args()
    if args.tiny:
        args.applications, args.runs = 500, 20
    admin = urlunsplit(urlsplit(SERVER_URL)._replace(path="/postgres"))
    if not args.reuse:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
    try:
        # A fixed "today" whose deadlines all fall inside the calendar's known years, whenever this runs.
        with time_machine.travel(datetime(2026, 9, 15, 10, tzinfo=SHANGHAI), tick=True):
            if not args.reuse:
                call_command("migrate", verbosity=0)
                started = time.perf_counter()
                counts = fill(args.applications)
                print(f"filled in {time.perf_counter() - started:.0f} s: "
                      + ", ".join(f"{n:,} {what}" for what, n in counts.items()))
            figures = measure(args.runs)
    finally:
        connection.close()
        if not args.keep:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
            print(f"(dropped {BENCH_DB})")
    emit("queue", {"applications": args.applications, "runs": args.runs,
                   "cache": "shared" if os.environ.get("BENCH_CACHE_URL") else "per-process", **figures})


# --- measuring ----------------------------------------------------------------------------------
def timed(call, runs: int) -> tuple[float, float, float, float]:
    """Median and p95 wall time, and the median and p95 CPU time of this (the Django) process, in seconds.

    The CPU column separates the application's own work from waiting for PostgreSQL and from
    other processes competing for the machine."""
    for _ in range(20):
        call()
    samples, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        call()
        samples.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return (statistics.median(samples), statistics.quantiles(samples, n=20)[18], statistics.median(cpu),
            statistics.quantiles(cpu, n=20)[18])


def statements(call) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        call()
    return [q["sql"] for q in captured.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]


BARE_SQL = """
SELECT s.id, s.task_id, s.node, s.state, s.entered_at, s.claimed_at, s.finished_at, s.outcome, s.comment,
       s.due_date, s.limit_days, s.clock, a.id, a.created, a.status, g.name, u.username
FROM workflows_step s
JOIN approvals_application a ON a.id = s.application_id
JOIN approvals_agency g ON g.id = a.agency_id
LEFT JOIN approvals_user u ON u.id = s.claimed_by_id
WHERE s.state = 'open' AND s.permission = %s {after}
ORDER BY s.due_date ASC NULLS LAST, s.id ASC
LIMIT 21
"""


def measure(runs: int) -> dict:
    from rest_framework.authtoken.models import Token
    from viewflow.workflow.models import Task

    from approvals.models import User
    from workflows import selectors
    from workflows.models import Step

    user = User.objects.get(username="acceptor1")
    token, _created = Token.objects.get_or_create(user=user)
    client = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    permission = PERMISSION["accept"]
    queue = Step.objects.filter(state="open", permission=permission)
    queue_length = queue.count()
    deep = queue.order_by("due_date", "id")[queue_length // 2]
    deep_cursor = selectors.encode_cursor(deep)
    total_steps = Step.objects.count()
    print(f"acceptance officer's queue: {queue_length:,} open tasks among {total_steps:,} steps; "
          f"'deep' = after row {queue_length // 2:,}")

    def api(cursor=None):
        params = {"scope": "queue", **({"cursor": cursor} if cursor else {})}
        response = client.get("/api/v1/tasks/", params)
        assert response.status_code == 200, response.content[:300]
        return response

    browser = Client()
    browser.force_login(user)

    def html(cursor=None):
        response = browser.get(reverse("workflows:claimable"), {"after": cursor} if cursor else {})
        assert response.status_code == 200, response.content[:300]
        return response

    def bare(cursor_step=None, execute=prepared.execute):
        """The page's rows by hand, planned once like the product's own query (``prepared``); with
        ``execute`` a cursor's, sent as text and planned on every run."""
        after, params = "", [permission]
        if cursor_step is not None:
            after, params = "AND (s.due_date, s.id) > (%s, %s)", [permission, cursor_step.due_date, cursor_step.pk]
        with connection.cursor() as cursor:
            execute(cursor, BARE_SQL.format(after=after), params)
            return cursor.fetchall()

    def as_text(cursor, sql, params):
        cursor.execute(sql, params)

    floor_api, floor_html = framework_floor(client, browser)
    first_api = api().json()
    assert [t["id"] for t in first_api["results"]] == [row[1] for row in bare()[:20]], "API and bare SQL disagree"
    figures: dict = {"task_rows": Task.objects.count(), "steps": total_steps, "queue_length": queue_length}
    print(f"{'':34}{'median':>9}{'p95':>9}{'× bare (median/p95)':>22}{'SQL':>6}{'app CPU':>10}{'CPU p95':>9}")
    for label, cursor, cursor_step in (("page 1", None, None), ("deep page", deep_cursor, deep)):
        key = "page1" if cursor is None else "deep"
        text_median, text_p95, _cpu, _cpu95 = timed(lambda c=cursor_step: bare(c, as_text), runs)
        bare_median, bare_p95, _cpu, _cpu95 = timed(lambda c=cursor_step: bare(c), runs)
        print(f"  bare SQL as text, {label:<14}{text_median * 1000:8.2f} {text_p95 * 1000:8.2f} ms")
        print(f"  bare SQL prepared, {label:<13}{bare_median * 1000:8.2f} {bare_p95 * 1000:8.2f} ms{'1.0':>14}{1:>6}")
        figures.update({f"bare_{key}_median_ms": bare_median * 1000, f"bare_{key}_p95_ms": bare_p95 * 1000,
                        f"bare_text_{key}_median_ms": text_median * 1000, f"bare_text_{key}_p95_ms": text_p95 * 1000})
        for kind, name, call in (("api", "API  GET /api/v1/tasks/", api), ("html", "HTML GET /tasks/queue/  ", html)):
            median, p95, cpu, cpu95 = timed(lambda c=cursor, f=call: f(c), runs)
            sql = statements(lambda c=cursor, f=call: f(c))
            assert not any("COUNT(" in q.upper() for q in sql), "a COUNT slipped into the queue page"
            print(f"  {name}, {label:<10}{median * 1000:7.2f} {p95 * 1000:8.2f} ms"
                  f"{median / bare_median:9.1f} / {p95 / bare_p95:<5.1f}{len(sql):>6}{cpu * 1000:8.2f} ms{cpu95 * 1000:7.2f} ms")
            figures.update({
                f"{kind}_{key}_median_ms": median * 1000, f"{kind}_{key}_p95_ms": p95 * 1000,
                f"{kind}_{key}_cpu_median_ms": cpu * 1000, f"{kind}_{key}_cpu_p95_ms": cpu95 * 1000,
                f"{kind}_{key}_ratio_bare_median": median / bare_median, f"{kind}_{key}_ratio_bare_p95": p95 / bare_p95,
                f"{kind}_{key}_statements": len(sql),
            })
    # The framework's own floor: the same request cycle (middleware, sign-in, the cached permission
    # set, DRF or the page layout) around no query and no rows. What is left of "× bare SQL" once this
    # is paid is the page's own work.
    for kind, name, call in (("api", "API  floor: no query, no rows", floor_api),
                             ("html", "HTML floor: no query, no rows", floor_html)):
        median, p95, cpu, _cpu95 = timed(call, runs)
        print(f"  {name:<35}{median * 1000:7.2f} {p95 * 1000:8.2f} ms"
              f"{median / figures['bare_page1_median_ms'] * 1000:9.1f} / {p95 / figures['bare_page1_p95_ms'] * 1000:<5.1f}"
              f"{len(statements(call)):>6}{cpu * 1000:8.2f} ms")
        figures.update({f"floor_{kind}_median_ms": median * 1000, f"floor_{kind}_p95_ms": p95 * 1000,
                        f"floor_{kind}_ratio_bare_p95": p95 * 1000 / figures["bare_page1_p95_ms"]})
    print(f"load average while measuring: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")

    count_median, *_ = timed(lambda: Step.objects.filter(state="open", permission=permission).count(), 50)
    all_median, *_ = timed(lambda: Step.objects.filter(permission=permission).count(), 20)
    print(f"for contrast, what a page-number paginator adds: COUNT of this queue {count_median * 1000:.2f} ms, "
          f"COUNT of all its node's steps (done included) {all_median * 1000:.2f} ms")
    return figures


def framework_floor(client: Client, browser: Client):
    """Two requests through the product's own stack that do everything a queue request does but read
    it: the API (token, the permission set, DRF, an empty page of results) and a page (the session,
    the signed-in user, the permission set, the layout around no table). Served at URLs this process
    adds; nothing of them is part of the product."""
    from django.contrib.auth.decorators import login_required
    from django.db import transaction
    from django.shortcuts import render
    from django.urls import clear_url_caches, path
    from rest_framework.response import Response
    from rest_framework.views import APIView

    from approvals.api.reads import ReadsOutsideTransaction
    from project import urls

    class EmptyQueue(ReadsOutsideTransaction, APIView):
        def get(self, request):
            request.user.get_all_permissions()
            return Response({"next": None, "previous": None, "results": []})

    @transaction.non_atomic_requests
    @login_required
    def empty_page(request):
        request.user.get_all_permissions()
        return render(request, "base.html", {})

    urls.urlpatterns[:0] = [path("bench/floor/api/", EmptyQueue.as_view()), path("bench/floor/page/", empty_page)]
    clear_url_caches()

    def floor_api():
        response = client.get("/bench/floor/api/")
        assert response.status_code == 200, response.content[:300]
        return response

    def floor_html():
        response = browser.get("/bench/floor/page/")
        assert response.status_code == 200, response.content[:300]
        return response

    return floor_api, floor_html


if __name__ == "__main__":
    main()
