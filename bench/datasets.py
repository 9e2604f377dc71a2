"""Data sets the benchmarks share, built by COPY to what the real flow writes (no side effects on import).

``fill(n)``: n applications through the ordinary track with 0–2 supplement and 1–4 rectification
rounds (about ten human steps each) on the real working-day calendar, so due dates, carried and
stopped days are what the flow would have written; 80% finished, the newest 20% waiting at some step.
Each step has its viewflow task row (plus each process's start and end task). Officials acceptor1–5,
reviewer1–20, approver1–3, issuer1–2, monitor1 and one applicant ``lab<agency id>`` per agency (100
applications each), all with the password ``bench``. Not generated, because no queue reads them: status
changes, deficiencies, certificates, viewflow's task-to-task links. Call it with Django set up, inside a
fixed "today" (queue.py travels to 2026-09-15) so that every deadline falls in the calendar's years.
"""

import random
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.db import connection

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
    """COPY rows in (the fast path; the rows are built to what the flow itself writes). Columns the
    rows leave out that may not be NULL get their model field's default (a field added later than
    this file fills itself in)."""
    import json

    from django.apps import apps
    from django.db import models

    if data_json:
        columns = [*columns, "data"]
    extra_columns, extra_values = [], []
    model = next((m for m in apps.get_models() if m._meta.db_table == table), None)
    for field in model._meta.local_concrete_fields if model is not None else []:
        if field.column in columns or field.null or field.primary_key or not field.has_default() and not field.blank:
            continue
        value = field.get_default()
        extra_columns.append(field.column)
        extra_values.append(json.dumps(value) if isinstance(field, models.JSONField) else value)
    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        with cursor.copy(f"COPY {table} ({', '.join([*columns, *extra_columns])}) FROM STDIN") as copier:
            for row in rows:
                copier.write_row((*row, *(("{}",) if data_json else ()), *extra_values))
    connection.connection.commit()


