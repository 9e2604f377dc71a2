"""The service-centre dashboard as the facts grow: 1,000 → 10,000 → 100,000 → 1,000,000 ended applications.

The data is written by the bulk path (``demo.bulk``): the records the real flow leaves and the facts
recomputed from them would give (``--facts-only`` writes the applications and their facts without the
step, document and audit records, for the largest sizes). A few thousand open steps, some overdue,
feed the overdue list. At each size it times, through Django's whole stack signed in as the monitor,
the five-reductions API (whole period and a filtered year), the dashboard API and the HTML dashboard
(median of ``--repeat``) with the figures computed on every request (``CMA_DASHBOARD_CACHE_SECONDS=0``:
what the first request after a fact is written costs) and, apart, served from the figures cache;
counts their queries (they must not change with the size), checks the API's headline against one
hand-written SQL statement over the facts and prints the ratio to it. The dashboard reads roll-ups
per day and group, so its computed time must grow by less than 2× from 10,000 to 1,000,000 facts
(``growth``).

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres python bench/dashboard.py \
        [--sizes 1000,10000,100000,1000000] [--facts-only] [--repeat 15]
    ... python bench/dashboard.py --sizes 300 --repeat 2     # a smoke run for CI

A throw-away database (``test_<name>``) is created, migrated and dropped. The last line is one JSON
object (``bench/jsonline.py``).
"""

import argparse
import os
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "bench-only")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")  # the in-process client speaks plain HTTP

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import Group  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.jsonline import emit  # noqa: E402

BATCH = 5000
FIRST_DAY = date(2019, 1, 2)  # before the 2021 reform: the baseline rules' own history is in the data
LAST_DAY = date(2026, 6, 30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000,1000000",
                        help="ended applications at each measurement, comma-separated, ascending")
    parser.add_argument("--facts-only", action="store_true",
                        help="write applications and facts only (no step, document or audit records)")
    parser.add_argument("--open-steps", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=15, help="requests timed per endpoint and size")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--tiny", action="store_true", help="300 and 600 applications, 2 requests each: checks that it runs")
    args = parser.parse_args()
    if args.tiny:
        args.sizes, args.repeat, args.open_steps = "300,600", 2, 100
    args.sizes = sorted({int(size) for size in args.sizes.split(",")})
    if connection.vendor != "postgresql":
        sys.exit("set DATABASE_URL to a PostgreSQL server")
    old_name = connection.settings_dict["NAME"]
    test_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        run(args)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        print(f"(dropped {test_name})", file=sys.stderr)


def grow(bulk, n: int, *, facts_only: bool) -> float:
    """Write ``n`` more ended applications; their rate per second."""
    start = time.perf_counter()
    bulk.run(count=n, since=FIRST_DAY, until=LAST_DAY, commitment=0.15, batch=BATCH, records=not facts_only)
    return n / (time.perf_counter() - start)


# --- open steps for the overdue list -----------------------------------------------------------
def build_open_steps(n: int, rng: random.Random, *, agencies, applicant, rules, officials) -> None:
    """Applications waiting at a step, a fifth of them past their due date."""
    from viewflow.workflow.models import Process, Task

    from approvals.models import Application
    from workflows import steps as declared_steps
    from workflows.flows import OrdinaryFlow
    from workflows.models import Step

    today = timezone.localdate()
    nodes = [("accept", "approvals.accept_application"), ("review", "approvals.review_application"),
             ("decide", "approvals.decide_application"), ("issue", "approvals.issue_certificate")]
    status = {"accept": "submitted", "review": "accepted", "decide": "review_passed", "issue": "approved"}
    for offset in range(0, n, BATCH):
        size = min(BATCH, n - offset)
        picks = [nodes[rng.randrange(len(nodes))] for _ in range(size)]
        apps = Application.objects.bulk_create(
            Application(agency=rng.choice(agencies), created_by=applicant, status=status[node], test_sites="贵阳",
                        declaration=True, rule_set=rules, submitted_at=timezone.now())
            for node, _perm in picks
        )
        # Plain processes: the steps and their tasks are what the dashboard reads (a multi-table
        # ApplicationProcess cannot be bulk-created).
        processes = Process.objects.bulk_create(Process(flow_class=OrdinaryFlow, status="NEW") for _app in apps)
        tasks = Task.objects.bulk_create(
            Task(process=process, flow_task=getattr(OrdinaryFlow, node), flow_task_type="HUMAN", status="NEW",
                 owner_permission=perm)
            for process, (node, perm) in zip(processes, picks, strict=True)
        )
        steps = []
        for app, task, (node, perm) in zip(apps, tasks, picks, strict=True):
            entered = timezone.now() - timedelta(days=rng.randint(0, 60))
            due = today + timedelta(days=rng.randint(-20, 80))
            claimed = rng.random() < 0.5
            steps.append(Step(
                task=task, application=app, node=node, permission=perm, entered_at=entered,
                state="claimed" if claimed else "open", claimed_by=rng.choice(officials) if claimed else None,
                claimed_at=entered if claimed else None, limit_days=declared_steps.limit_days(rules, node),
                clock_started_on=timezone.localdate(entered), due_date=due,
            ))
        Step.objects.bulk_create(steps)
    connection.cursor().execute("ANALYZE workflows_step")


# --- the hand-written SQL over the facts ---------------------------------------------------------
HAND_SQL = """
SELECT count(*), count(*) FILTER (WHERE on_time),
       sum(days_baseline), sum(days_limit), sum(steps_baseline), sum(steps), sum(documents_baseline),
       sum(documents_uploaded), sum(procedures),
       percentile_disc(0.5) WITHIN GROUP (ORDER BY days_counted),
       percentile_disc(0.9) WITHIN GROUP (ORDER BY days_counted)
  FROM metrics_applicationfacts
"""


def timed_sql(sql: str, repeat: int) -> tuple[float, list]:
    times, rows = [], []
    with connection.cursor() as cursor:
        for _ in range(repeat):
            start = time.perf_counter()
            cursor.execute(sql)
            rows = cursor.fetchall()
            times.append(time.perf_counter() - start)
    return statistics.median(times), rows


def timed_api(client: Client, url: str, repeat: int) -> tuple[float, int, dict | None]:
    """Median time of a request through Django's whole stack, its query count, and its JSON body."""
    client.get(url)  # warm: calendar cache, code paths
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - start)
        assert response.status_code == 200, (url, response.status_code, response.get("Location"), response.content[:300])
    with CaptureQueriesContext(connection) as capture:
        response = client.get(url)
    body = response.json() if response["Content-Type"].startswith("application/json") else None
    return statistics.median(times), len(capture.captured_queries), body


def run(args) -> None:
    from approvals.models import Agency, RuleSet, User
    from approvals.validators import credit_code_check_char
    from demo.bulk import Bulk

    rng = random.Random(args.seed)
    rules = RuleSet.objects.get(code="national-2021")
    urls = {
        "five": "/api/v1/metrics/five-reductions/",
        "five_filtered": "/api/v1/metrics/five-reductions/?from=2025-01-01&to=2025-12-31&application_type=initial",
        "dashboard": "/api/v1/metrics/dashboard/",
        "page": "/metrics/",  # the HTML dashboard: the same figures, charts drawn on the server
    }
    agencies = []
    for n in range(1, 301):
        body = f"91520100BEN{n:06d}"
        agencies.append(Agency(name=f"基准检测机构{n}", credit_code=body + credit_code_check_char(body),
                               address="贵阳", legal_representative="甲", contact_name="乙", contact_phone="1"))
    agencies = Agency.objects.bulk_create(agencies)
    applicant = User.objects.create(username="bench-applicant", agency=agencies[0])
    officials = [User.objects.create(username=f"bench-official-{i}") for i in range(10)]
    monitor = User.objects.create(username="bench-monitor")
    monitor.groups.add(Group.objects.get(name="monitor"))
    build_open_steps(args.open_steps, rng, agencies=agencies, applicant=applicant, rules=rules, officials=officials)
    bulk = Bulk(seed=args.seed, agencies=300)
    client = Client()
    client.force_login(monitor)

    made, rows, rates = 0, {}, []
    for size in args.sizes:
        rates.append(grow(bulk, size - made, facts_only=args.facts_only))
        made = size
        connection.cursor().execute("ANALYZE")
        sql_time, sql_rows = timed_sql(HAND_SQL, max(3, args.repeat // 3))
        # What a request costs when the figures are computed (the first after any fact is written), and
        # when they come from metrics.figures_cache (every other request within the cache's seconds).
        with override_settings(CMA_DASHBOARD_CACHE_SECONDS=0):
            timings = {name: timed_api(client, url, args.repeat) for name, url in urls.items()}
        cached = {name: timed_api(client, url, args.repeat)[0] for name, url in urls.items()}
        rows[size] = {"sql": sql_time, "agree": agrees(sql_rows[0], timings["five"][2]), "cached": cached, **timings}
        line = "  ".join(f"{name} {t[0] * 1000:6.1f} ms ({t[1]} q, cached {cached[name] * 1000:.1f})"
                         for name, t in timings.items())
        print(f"{size:>9,} ended: {line}  | hand SQL {sql_time * 1000:.1f} ms | bulk {rates[-1]:,.0f}/s "
              f"| API = SQL: {'yes' if rows[size]['agree'] else 'NO'}", flush=True)

    first, last = args.sizes[0], args.sizes[-1]
    base = 10_000 if 10_000 in rows else first
    growth = {name: rows[last][name][0] / rows[base][name][0] for name in urls}
    queries_same = all(rows[size][name][1] == rows[first][name][1] for size in rows for name in urls)
    print(f"growth of each request's time from {base:,} to {last:,} facts: "
          + ", ".join(f"{name} {g:.2f}x" for name, g in growth.items()) + "  (target < 2x)")
    print(f"ratio to the hand-written SQL over the facts at {last:,}: "
          + ", ".join(f"{name} {rows[last][name][0] / rows[last]['sql']:.2f}" for name in urls))
    print(f"query counts constant across sizes: {'yes' if queries_same else 'NO'}; "
          f"bulk path: {min(rates):,.0f}–{max(rates):,.0f} applications/s "
          f"({'facts only' if args.facts_only else 'with records'})")
    emit("dashboard", {
        "sizes": args.sizes,
        "records": not args.facts_only,
        **{f"{name}_ms": {str(size): round(rows[size][name][0] * 1000, 2) for size in rows} for name in urls},
        **{f"cached_{name}_ms": {str(size): round(rows[size]["cached"][name] * 1000, 2) for size in rows}
           for name in urls},
        "hand_sql_ms": {str(size): round(rows[size]["sql"] * 1000, 2) for size in rows},
        "queries": {name: rows[last][name][1] for name in urls},
        "queries_constant": queries_same,
        "growth_base": base,
        **{f"growth_{name}": g for name, g in growth.items()},
        "ratio_to_sql_dashboard": rows[last]["dashboard"][0] / rows[last]["sql"],
        "bulk_applications_per_s": min(rates),
        "api_agrees_with_sql": all(row["agree"] for row in rows.values()),
    })


def agrees(sql_row, body) -> bool:
    n, on_time, tb, ta, sb, sa, db, da, pa, p50, p90 = sql_row
    r = body["reductions"]

    def mean(total):
        return round(float(total) / n, 2)

    return (body["applications"]["total"] == n and body["on_time_rate"] == round(on_time / n, 4)
            and body["time_p50"] == p50 and body["time_p90"] == p90
            and r["time"]["baseline"] == mean(tb) and r["time"]["actual"] == mean(ta)
            and r["steps"]["baseline"] == mean(sb) and r["steps"]["actual"] == mean(sa)
            and r["documents"]["baseline"] == mean(db) and r["documents"]["actual"] == mean(da)
            and r["procedures"]["actual"] == mean(pa))


if __name__ == "__main__":
    main()
