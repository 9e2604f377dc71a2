"""The service-centre dashboard API over 100,000 finished applications, on PostgreSQL.

Builds finished applications and their facts by a bulk path: synthetic histories (steps in working
days on the real calendar, supplement and rectification loops, late officials, every outcome) go
through the same ``facts.compose`` the real services use, so the figures obey the same rules. Also a
few thousand open steps, some overdue, for the overdue list.

Prints, for the five-reductions and the dashboard endpoints: the median server time of a request
(through Django's full stack, signed in as the monitor), its query count at 1,000 and at the full
size (it must not change), and the ratio to one hand-written SQL statement computing the same
figures in the same run (whose results are checked against the API's). Target: under 300 ms.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres python bench/dashboard.py [--applications 100000]

A throw-away database (``test_<name>``) is created, migrated and dropped.
"""

import argparse
import os
import random
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "bench-only")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")  # the in-process client speaks plain HTTP
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import Group  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

BATCH = 5000
FIRST_DAY = date(2024, 1, 2)
LAST_DAY = date(2026, 6, 30)  # submissions; each ends within the years the calendar holds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--applications", type=int, default=100_000)
    parser.add_argument("--open-steps", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=25, help="requests timed per endpoint")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keepdb", action="store_true", help="keep the database for another run (built once)")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("set DATABASE_URL to a PostgreSQL server")

    old_name = connection.settings_dict["NAME"]
    test_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=args.keepdb)
    try:
        run(args)
    finally:
        if args.keepdb:
            print(f"(kept {test_name})")
        else:
            connection.creation.destroy_test_db(old_name, verbosity=0)
            print(f"(dropped {test_name})")


# --- building the data ---------------------------------------------------------------------------
def synthetic_history(rng: random.Random, submitted: datetime, agency_type: str):
    """A path through the ordinary track with working days per step, like the simulation's habits."""
    from metrics.facts import DocumentCounts, History, Span
    from workflows.calendar import add_working_days

    spans, supplements, rectifications = [], 0, 0
    outcome = "certified"

    def days(low, high, late_low, late_high, p_late):
        return rng.randint(late_low, late_high) if rng.random() < p_late else rng.randint(low, high)

    while True:  # acceptance, with supplement loops
        spans.append(Span("accept", days(0, 4, 6, 9, 0.08)))
        r = rng.random()
        if r < 0.04:
            outcome = "refused"
            break
        if r < (0.32, 0.16, 0.04)[min(supplements, 2)]:
            supplements += 1
            spans.append(Span("supplement", days(2, 15, 31, 36, 0.04)))
            if rng.random() < 0.03:
                outcome = "withdrawn"
                spans[-1] = Span("supplement", spans[-1].days, done=False)
                break
            continue
        break
    if outcome == "certified":
        while True:  # technical review, with rectification loops
            spans.append(Span("review", days(6, 28, 31, 42, 0.10)))
            r = rng.random()
            if r < 0.02:
                outcome = "withdrawn"
                spans[-1] = Span("review", spans[-1].days, done=False)
                break
            if r < (0.38, 0.12, 0.0)[min(rectifications, 2)]:
                rectifications += 1
                spans.append(Span("rectification", rng.randint(5, 25)))
                continue
            if r > 0.95:
                outcome = "denied"
            break
    if outcome in ("certified", "denied"):
        spans.append(Span("decide", days(1, 9, 11, 16, 0.07)))
        if outcome == "certified" and rng.random() < 0.04:
            outcome = "denied"
        if outcome == "certified":
            spans.append(Span("issue", days(0, 6, 8, 11, 0.05)))
    elapsed = sum(span.days for span in spans)
    ended_day = add_working_days(timezone.localdate(submitted), elapsed)
    ended = timezone.make_aware(datetime.combine(ended_day, datetime.min.time()) + timedelta(hours=16))
    required = 8
    reused = rng.choice([0, 0, 0, 1, 2, 3])
    documents = DocumentCounts(required=required, shared=1, reused=reused,
                               uploaded=required - 1 - reused + rng.choice([0, 0, 1]), baseline=required)
    return History(
        application_type=agency_type, track="ordinary", outcome=outcome, authority="贵州省市场监督管理局",
        submitted_at=submitted, ended_at=ended, elapsed_days=elapsed, spans=tuple(spans),
        supplement_rounds=supplements, rectification_rounds=rectifications, documents=documents,
    )


def build(n: int, rng: random.Random, *, agencies, applicant, rules, baseline) -> None:
    """``n`` finished applications and their facts, in batches."""
    from approvals.models import Application
    from metrics.facts import compose
    from metrics.models import ApplicationFacts
    from workflows.calendar import add_working_days
    from workflows.exceptions import CalendarMissing

    span_days = (LAST_DAY - FIRST_DAY).days
    types = ["initial"] * 70 + ["renewal"] * 15 + ["extension"] * 10 + ["change"] * 5
    made = 0
    while made < n:
        size = min(BATCH, n - made)
        apps, histories = [], []
        while len(apps) < size:
            # the first working day on or after a random day
            day = add_working_days(FIRST_DAY + timedelta(days=rng.randrange(span_days) - 1), 1)
            submitted = timezone.make_aware(datetime.combine(day, datetime.min.time()) + timedelta(hours=10))
            try:
                history = synthetic_history(rng, submitted, rng.choice(types))
            except CalendarMissing:  # a long history ending after the last year the calendar holds: redrawn
                continue
            histories.append(history)
            apps.append(Application(
                agency=rng.choice(agencies), created_by=applicant, application_type=history.application_type,
                status=history.outcome, test_sites="贵阳", declaration=True, rule_set=rules,
                submitted_at=submitted, decided_at=history.ended_at,
            ))
        Application.objects.bulk_create(apps)
        now = timezone.now()
        ApplicationFacts.objects.bulk_create(
            ApplicationFacts(application_id=app.pk, computed_at=now, **compose(history, rules=rules, baseline=baseline))
            for app, history in zip(apps, histories, strict=True)
        )
        made += size
    connection.cursor().execute("ANALYZE metrics_applicationfacts")


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


# --- the hand-written SQL -----------------------------------------------------------------------
HAND_SQL = """
SELECT count(*), count(*) FILTER (WHERE on_time),
       sum(procedures_baseline), sum(procedures), sum(steps_baseline), sum(steps),
       sum(days_baseline), sum(days_counted), sum(fee_baseline_yuan), sum(fee_yuan),
       sum(documents_baseline), sum(documents_uploaded),
       percentile_disc(0.5) WITHIN GROUP (ORDER BY days_counted),
       percentile_disc(0.9) WITHIN GROUP (ORDER BY days_counted)
  FROM metrics_applicationfacts
"""
# The dashboard's figures in one statement: the period, each month, each (authority, type, track),
# each step's mean and late count.
HAND_DASHBOARD_SQL = """
SELECT ended_month, authority, application_type, track, count(*), count(*) FILTER (WHERE on_time),
       sum(procedures_baseline), sum(procedures), sum(visits_baseline), sum(visits),
       sum(steps_baseline), sum(steps), sum(rework_loops),
       sum(days_baseline), sum(days_counted), sum(days_limit), sum(days_approval), sum(days_review),
       sum(days_stopped), sum(days_elapsed), sum(fee_baseline_yuan), sum(fee_yuan),
       sum(documents_baseline), sum(documents_uploaded), sum(documents_required), sum(documents_shared),
       sum(documents_reused), sum(supplement_rounds), sum(rectification_rounds),
       avg(accept_days), count(*) FILTER (WHERE accept_late), avg(review_days), count(*) FILTER (WHERE review_late),
       avg(decide_days), count(*) FILTER (WHERE decide_late), avg(issue_days), count(*) FILTER (WHERE issue_late),
       avg(supplement_days), avg(rectification_days),
       percentile_disc(0.5) WITHIN GROUP (ORDER BY days_counted),
       percentile_disc(0.9) WITHIN GROUP (ORDER BY days_counted)
  FROM metrics_applicationfacts
 GROUP BY GROUPING SETS ((), (ended_month), (authority, application_type, track))
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
    client.get(url)  # warm: calendar cache, rule sets, code paths
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - start)
        assert response.status_code == 200, response.content[:300]
    with CaptureQueriesContext(connection) as capture:
        response = client.get(url)
    body = response.json() if response["Content-Type"].startswith("application/json") else None
    return statistics.median(times), len(capture.captured_queries), body


def run(args) -> None:
    from approvals.models import Agency, RuleSet, User
    from approvals.validators import credit_code_check_char
    from metrics.models import ApplicationFacts

    rng = random.Random(args.seed)
    rules = RuleSet.objects.get(code="national-2021")
    baseline = RuleSet.objects.get(is_baseline=True)
    five = "/api/v1/metrics/five-reductions/"
    dash = "/api/v1/metrics/dashboard/"
    filtered = "/api/v1/metrics/five-reductions/?from=2025-01-01&to=2025-12-31&application_type=initial"
    page = "/metrics/"  # the HTML dashboard: the same figures, charts drawn on the server
    urls = (five, dash, filtered, page)
    small = 1000

    monitor = User.objects.filter(username="bench-monitor").first()
    if monitor is not None and ApplicationFacts.objects.count() == args.applications:  # a kept database
        queries_small = None
    else:
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
        client = Client()
        client.force_login(monitor)

        build(small, rng, agencies=agencies, applicant=applicant, rules=rules, baseline=baseline)
        build_open_steps(args.open_steps, rng, agencies=agencies, applicant=applicant, rules=rules, officials=officials)
        queries_small = {url: timed_api(client, url, 3)[1] for url in urls}

        start = time.perf_counter()
        build(args.applications - small, rng, agencies=agencies, applicant=applicant, rules=rules, baseline=baseline)
        print(f"built {args.applications:,} finished applications with facts and {args.open_steps:,} open steps "
              f"in {time.perf_counter() - start:.1f} s")
    client = Client()
    client.force_login(monitor)

    sql_time, sql_rows = timed_sql(HAND_SQL, args.repeat)
    dash_sql_time, dash_rows = timed_sql(HAND_DASHBOARD_SQL, args.repeat)
    results = {}
    for url in urls:
        results[url] = timed_api(client, url, args.repeat)

    # The API's figures must be the hand-written SQL's.
    n, on_time, pb, pa, sb, sa, tb, ta, fb, fa, db, da, p50, p90 = sql_rows[0]
    body = results[five][2]
    r = body["reductions"]

    def mean(total):
        return round(float(total) / n, 2)

    agree = (
        body["applications"]["total"] == n and body["on_time_rate"] == round(on_time / n, 4)
        and body["time_p50"] == p50 and body["time_p90"] == p90
        and r["time"]["baseline"] == mean(tb) and r["time"]["actual"] == mean(ta)
        and r["steps"]["baseline"] == mean(sb) and r["steps"]["actual"] == mean(sa)
        and r["documents"]["actual"] == mean(da) and r["procedures"]["actual"] == mean(pa)
    )
    print(f"hand-written SQL, headline figures (one statement): median {sql_time * 1000:.1f} ms")
    print(f"hand-written SQL, dashboard figures (one statement, {len(dash_rows)} grouping rows): "
          f"median {dash_sql_time * 1000:.1f} ms")
    print(f"API figures agree with the hand-written SQL: {'yes' if agree else 'NO'}")
    print(f"  n={n:,} on-time={on_time / n:.1%} time p50={p50} p90={p90} working days; "
          f"time {mean(tb)} -> {mean(ta)} ({r['time']['reduction_pct']}%), steps {mean(sb)} -> {mean(sa)} "
          f"({r['steps']['reduction_pct']}%), documents {mean(db)} -> {mean(da)} ({r['documents']['reduction_pct']}%)")
    print("(each request's queries include the session, the user, two for the permissions and the transaction)")
    for url, (median, queries, _body) in results.items():
        base = dash_sql_time if url in (dash, page) else sql_time
        same = queries_small is None or queries == queries_small[url]
        verdict = "OK" if median < 0.300 and same else "OVER TARGET"
        at_small = "" if queries_small is None else f" (at {small:,} applications: {queries_small[url]})"
        print(f"GET {url}\n  median {median * 1000:.1f} ms server time; {queries} queries{at_small}; "
              f"{median / base:.1f}x the hand-written SQL  [{verdict}]")


if __name__ == "__main__":
    main()
