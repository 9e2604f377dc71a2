"""The queue benchmark itself; run it as ``python bench/queue.py`` (see that file for what it prints)."""

import argparse
import os
import random
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "bench-only")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")  # the in-process client speaks plain HTTP
os.environ.setdefault("LOG_LEVEL", "ERROR")

BENCH_DB = "cma_bench_queue"
SERVER_URL = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
if not SERVER_URL.startswith("postgres"):
    sys.exit("set DATABASE_URL to a PostgreSQL server")
os.environ["DATABASE_URL"] = urlunsplit(urlsplit(SERVER_URL)._replace(path=f"/{BENCH_DB}"))

import django  # noqa: E402
import psycopg  # noqa: E402

django.setup()

import time_machine  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

SHANGHAI = ZoneInfo("Asia/Shanghai")
FLOW = "workflows/flows.OrdinaryFlow"
PERMISSION = {
    "accept": "approvals.accept_application", "review": "approvals.review_application",
    "decide": "approvals.decide_application", "issue": "approvals.issue_certificate",
    "supplement": "approvals.respond_application", "rectification": "approvals.respond_application",
}
ROLE = {"accept": "acceptor", "review": "reviewer", "decide": "approver", "issue": "issuer"}
OFFICIALS = {"acceptor": 5, "reviewer": 20, "approver": 3, "issuer": 2, "monitor": 1}
STATUS_WHILE_OPEN = {"accept": "submitted", "supplement": "supplement_requested", "review": "accepted",
                     "rectification": "rectification", "decide": "review_passed", "issue": "approved"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--applications", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=300, help="timed requests per measurement")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="measure a database kept by --keep")
    args = parser.parse_args()
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
            measure(args.runs)
    finally:
        connection.close()
        if not args.keep:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
            print(f"(dropped {BENCH_DB})")


# --- filling ------------------------------------------------------------------------------------
def fill(n_apps: int) -> dict[str, int]:
    from django.contrib.auth.models import Group

    from approvals.models import Agency, RuleSet, User
    from approvals.validators import credit_code_check_char
    from workflows import steps as declared_steps
    from workflows.calendar import add_working_days, working_days_between

    rng = random.Random(2026)
    rules = RuleSet.objects.get(code="national-2021")
    password = make_password("bench")
    officials: dict[str, list[int]] = {}
    for role, count in OFFICIALS.items():
        group = Group.objects.get(name=role)
        officials[role] = []
        for i in range(1, count + 1):
            user = User.objects.create(username=f"{role}{i}", password=password, email=f"{role}{i}@example.com")
            user.groups.add(group)
            officials[role].append(user.pk)
    n_agencies = max(n_apps // 100, 1)
    agencies = Agency.objects.bulk_create(
        Agency(name=f"基准检验检测有限公司{i}", credit_code=f"91520100{i:09d}" + credit_code_check_char(f"91520100{i:09d}"),
               address="贵阳市", legal_representative="甲", contact_name="乙", contact_phone="1")
        for i in range(1, n_agencies + 1))
    applicants = User.objects.bulk_create(
        User(username=f"lab{a.pk}", password=password, agency=a) for a in agencies)
    applicant_group = Group.objects.get(name="applicant")
    User.groups.through.objects.bulk_create(
        User.groups.through(user_id=u.pk, group_id=applicant_group.pk) for u in applicants)
    applicant_of = {a.pk: u.pk for a, u in zip(agencies, applicants, strict=True)}

    today = date.today()
    apps, processes, app_processes, tasks, steps = [], [], [], [], []
    task_id = step_id = 0

    def at(day: date, minutes: int) -> datetime:
        return datetime(day.year, day.month, day.day, 9, tzinfo=SHANGHAI) + timedelta(minutes=minutes)

    for app_id in range(1, n_apps + 1):
        agency_id = agencies[(app_id - 1) % n_agencies].pk
        open_app = app_id > n_apps * 0.8  # the newest fifth are still running
        span = 60 if open_app else 700
        submitted = today - timedelta(days=rng.randrange(1, span) if open_app else rng.randrange(60, span))
        plan = ["accept"] + ["supplement", "accept"] * rng.randrange(3) + ["review"]
        plan += ["rectification", "review"] * rng.randrange(1, 5) + ["decide", "issue"]
        fate = rng.random()
        if not open_app and fate < 0.03:  # refused at acceptance
            plan = plan[:plan.index("review")]
        ends_denied = not open_app and 0.03 <= fate < 0.06
        if ends_denied:
            plan = plan[:-1]  # review failed, decision denied, no issue
        stop_at = rng.randrange(len(plan)) if open_app else len(plan)

        process_id = app_id
        task_id += 1
        tasks.append((task_id, f"{FLOW}.start", "START", "DONE", at(submitted, 0), at(submitted, 0),
                      at(submitted, 0), None, "start", "", "", None, process_id))
        day, minute = submitted, 1
        carried: dict[str, int] = {}
        stopped_on: dict[str, date] = {}
        status = "submitted"
        active = False
        for index, node in enumerate(plan):
            nxt = plan[index + 1] if index + 1 < len(plan) else None
            limit = declared_steps.limit_days(rules, node)
            start = day
            resumed = node in ("accept", "review") and node in stopped_on
            carry = carried.get(node, 0) if resumed else 0
            stopped = working_days_between(stopped_on[node], start) if resumed else 0
            due = add_working_days(start, limit - carry)
            took = rng.randrange(0, limit + 3)  # some finish late
            finish = add_working_days(start, took)
            entered = at(start, minute)
            if index >= stop_at or finish >= today:
                active = True
            applicant_step = node in ("supplement", "rectification")
            role = ROLE.get(node)
            holder = applicant_of[agency_id] if applicant_step else rng.choice(officials[role])
            task_id += 1
            step_id += 1
            if active:
                claimed = not applicant_step and rng.random() < 0.4
                state = "claimed" if claimed else "open"
                tasks.append((task_id, f"{FLOW}.{node}", "HUMAN", "ASSIGNED" if claimed else "NEW", entered, None,
                              None, None, "start", "", PERMISSION[node], holder if claimed else None, process_id))
                steps.append((step_id, node, PERMISSION[node], state, entered, entered if claimed else None,
                              None, None, "", "", agency_id if applicant_step else None, app_id,
                              holder if claimed else None, None, task_id, carry, declared_steps.STEPS[node].clock, start, due,
                              limit, stopped, None))
                status = STATUS_WHILE_OPEN[node]
                break
            outcome = {"accept": "supplement" if nxt == "supplement" else ("refuse" if nxt is None else "accept"),
                       "supplement": "resubmit", "rectification": "resubmit",
                       "review": "rectify" if nxt == "rectification" else ("fail" if ends_denied else "pass"),
                       "decide": "deny" if ends_denied else "approve", "issue": "issue"}[node]
            finished = at(finish, minute + 30)
            tasks.append((task_id, f"{FLOW}.{node}", "HUMAN", "DONE", entered, finished, finished, finished,
                          "start", "", PERMISSION[node], holder, process_id))
            steps.append((step_id, node, PERMISSION[node], "done", entered, entered, None, finished, outcome, "",
                          agency_id if applicant_step else None, app_id, holder, holder, task_id, carry,
                          declared_steps.STEPS[node].clock, start, due, limit, stopped, working_days_between(start, finish)))
            if outcome in ("supplement", "rectify"):
                carried[node] = carry + working_days_between(start, finish)
                stopped_on[node] = finish
            day, minute = finish, minute + 1
            status = {"refuse": "refused", "deny": "denied", "issue": "certified"}.get(outcome, status)
        finished_at = None if active else at(day, minute + 60)
        if not active:
            task_id += 1
            tasks.append((task_id, f"{FLOW}.end", "END", "DONE", finished_at, finished_at, finished_at, None,
                          "start", "", "", None, process_id))
        created = at(submitted, -60)
        apps.append((app_id, "initial", "ordinary", status, "贵阳市观山湖区1号", "20", "00", "", True, "",
                     "onsite" if status not in ("submitted", "supplement_requested", "refused") else "", "",
                     created, created, at(submitted, 0), None, agency_id, applicant_of[agency_id], None, rules.pk))
        processes.append((process_id, FLOW, "NEW" if active else "DONE", at(submitted, 0), finished_at, "{}"))
        app_processes.append((process_id, app_id))

    copy("approvals_application", ["id", "application_type", "track", "status", "test_sites", "field_code",
                                   "industry_code", "authorised_signatories", "declaration", "review_experts",
                                   "review_mode", "decision_reason", "created", "updated", "submitted_at",
                                   "decided_at", "agency_id", "created_by_id", "review_leader_id", "rule_set_id"], apps)
    copy("viewflow_process", ["id", "flow_class", "status", "created", "finished", "data"], processes)
    copy("workflows_applicationprocess", ["process_ptr_id", "application_id"], app_processes)
    copy("viewflow_task", ["id", "flow_task", "flow_task_type", "status", "created", "started", "finished",
                           "assigned", "token", "external_task_id", "owner_permission", "owner_id", "process_id"],
         tasks, data_json=True)
    copy("workflows_step", ["id", "node", "permission", "state", "entered_at", "claimed_at", "opened_at",
                            "finished_at", "outcome", "comment", "agency_id", "application_id", "claimed_by_id",
                            "finished_by_id", "task_id", "carried_days", "clock", "clock_started_on", "due_date",
                            "limit_days", "stopped_days", "used_days"], steps)
    with connection.cursor() as cursor:
        for table in ("approvals_application", "viewflow_process", "viewflow_task", "workflows_step"):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        cursor.execute("VACUUM ANALYZE")
    return {"applications": len(apps), "viewflow tasks": len(tasks), "steps": len(steps),
            "live steps": sum(1 for s in steps if s[3] in ("open", "claimed"))}


def copy(table: str, columns: list[str], rows: list[tuple], data_json: bool = False) -> None:
    """COPY rows in (the fast path; the rows are built to what the flow itself writes)."""
    if data_json:
        columns = [*columns, "data"]
    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copier:
            for row in rows:
                copier.write_row((*row, "{}") if data_json else row)
    connection.connection.commit()


# --- measuring ----------------------------------------------------------------------------------
def timed(call, runs: int) -> tuple[float, float, float]:
    """Median and p95 wall time, and the median CPU time of this (the Django) process, in seconds.

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
    return statistics.median(samples), statistics.quantiles(samples, n=20)[18], statistics.median(cpu)


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


def measure(runs: int) -> None:
    from rest_framework.authtoken.models import Token

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

    def bare(cursor_step=None):
        after, params = "", [permission]
        if cursor_step is not None:
            after, params = "AND (s.due_date, s.id) > (%s, %s)", [permission, cursor_step.due_date, cursor_step.pk]
        with connection.cursor() as cursor:
            cursor.execute(BARE_SQL.format(after=after), params)
            return cursor.fetchall()

    first_api = api().json()
    assert [t["id"] for t in first_api["results"]] == [row[1] for row in bare()[:20]], "API and bare SQL disagree"
    print(f"{'':34}{'median':>9}{'p95':>9}{'× bare (median/p95)':>22}{'SQL':>6}{'app CPU':>10}")
    for label, cursor, cursor_step in (("page 1", None, None), ("deep page", deep_cursor, deep)):
        bare_median, bare_p95, _cpu = timed(lambda c=cursor_step: bare(c), runs)
        print(f"  bare SQL, {label:<22}{bare_median * 1000:8.2f} {bare_p95 * 1000:8.2f} ms{'1.0':>14}{1:>6}")
        for name, call in (("API  GET /api/v1/tasks/", api), ("HTML GET /tasks/queue/  ", html)):
            median, p95, cpu = timed(lambda c=cursor, f=call: f(c), runs)
            sql = statements(lambda c=cursor, f=call: f(c))
            assert not any("COUNT(" in q.upper() for q in sql), "a COUNT slipped into the queue page"
            print(f"  {name}, {label:<10}{median * 1000:7.2f} {p95 * 1000:8.2f} ms"
                  f"{median / bare_median:9.1f} / {p95 / bare_p95:<5.1f}{len(sql):>6}{cpu * 1000:8.2f} ms")
    print(f"load average while measuring: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")

    count_median, *_ = timed(lambda: Step.objects.filter(state="open", permission=permission).count(), 50)
    all_median, *_ = timed(lambda: Step.objects.filter(permission=permission).count(), 20)
    print(f"for contrast, what a page-number paginator adds: COUNT of this queue {count_median * 1000:.2f} ms, "
          f"COUNT of all its node's steps (done included) {all_median * 1000:.2f} ms")


if __name__ == "__main__":
    main()
