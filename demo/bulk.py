"""Ended applications by the thousand, for demo and bench data: the records the real flow leaves, written
in bulk, and their facts.

The province driven through the real services (``demo.simulation``) makes a handful of applications a
second; this path writes what those services would have left — the application, its procedure's steps
(one viewflow task each) with their working days on the real calendar, the status change that ended it,
the supplement and rectification rounds, one document per catalogue requirement (reused or uploaded,
re-uploads for supplement notices) — in batches, and its facts through the same ``compose`` from the
same history. ``tests/demo/test_bulk.py`` checks that recomputing the facts from those records gives
the facts written here.

Not written: certificates, notices and their PDFs, audit-log entries and notifications: a bulk
application is a measured case, not one anybody can open and act on.
"""

import hashlib
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from viewflow.workflow.models import Process, Task

from approvals.models import Agency, Application, Deficiency, RuleSet, StatusChange, User
from documents import selectors as document_selectors
from documents.models import Document
from documents.storage import private_storage
from metrics.facts import DocumentCounts, History, Span, compose
from metrics.history import baseline_rule_set
from metrics.models import ApplicationFacts
from metrics.rollups import rollups_rebuild
from workflows import steps as declared
from workflows.calendar import add_working_days, working_days_between
from workflows.exceptions import CalendarMissing
from workflows.flows import OrdinaryFlow
from workflows.models import Step

from .copy import Table, db_value, reserve_ids

SAMPLE = "demo/bulk-sample.pdf"
TRANSITIONS = {"certified": "certify", "denied": "deny", "refused": "refuse", "withdrawn": "withdraw"}


@dataclass
class Report:
    created: int = 0
    outcomes: Counter = field(default_factory=Counter)
    seconds: float = 0.0


@dataclass
class Drawn:
    """One application's path: (node, working days, completed) per step, and what ended it."""

    track: str
    spans: list[tuple[str, int, bool]]
    outcome: str
    supplements: int
    rectifications: int
    reused: int
    reuploads: int


def draw(rng: random.Random, *, commitment: float = 0.0) -> Drawn:
    """A path with the habits of the simulated province: supplement and rectification rounds, late
    officials now and then, every outcome. The commitment track has no technical review."""
    track = "commitment" if rng.random() < commitment else "ordinary"
    spans: list[tuple[str, int, bool]] = []
    supplements = rectifications = 0
    outcome = "certified"

    def days(low, high, late_low, late_high, p_late):
        return rng.randint(late_low, late_high) if rng.random() < p_late else rng.randint(low, high)

    while True:  # acceptance, with supplement rounds
        spans.append(("accept", days(0, 4, 6, 9, 0.08), True))
        r = rng.random()
        if r < 0.04:
            outcome = "refused"
            break
        if r < (0.32, 0.16, 0.04)[min(supplements, 2)]:
            supplements += 1
            if rng.random() < 0.03:
                spans.append(("supplement", days(2, 15, 31, 36, 0.04), False))
                outcome = "withdrawn"
                break
            spans.append(("supplement", days(2, 15, 31, 36, 0.04), True))
            continue
        break
    if outcome == "certified" and track == "ordinary":
        while True:  # technical review, with rectification rounds
            review = days(6, 28, 31, 42, 0.10)
            r = rng.random()
            if r < 0.02:
                spans.append(("review", review, False))
                outcome = "withdrawn"
                break
            spans.append(("review", review, True))
            if r < (0.38, 0.12, 0.0)[min(rectifications, 2)]:
                rectifications += 1
                spans.append(("rectification", rng.randint(5, 25), True))
                continue
            if r > 0.95:
                outcome = "denied"
            break
    if outcome in ("certified", "denied"):
        spans.append(("decide", days(1, 9, 11, 16, 0.07), True))
        if outcome == "certified" and rng.random() < 0.04:
            outcome = "denied"
        if outcome == "certified":
            spans.append(("issue", days(0, 6, 8, 11, 0.05), True))
    return Drawn(track=track, spans=spans, outcome=outcome, supplements=supplements, rectifications=rectifications,
                 reused=rng.choice([0, 0, 0, 1, 2, 3]), reuploads=supplements)


@cache
def _sample() -> tuple[str, int, str]:
    import io

    from pypdf import PdfWriter

    out = io.BytesIO()
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.write(out)
    data = out.getvalue()
    if not private_storage.exists(SAMPLE):
        private_storage.save(SAMPLE, ContentFile(data))
    return SAMPLE, len(data), hashlib.sha256(data).hexdigest()


class Bulk:
    """Rule sets, catalogues and the people the records name, loaded once."""

    def __init__(self, *, seed: int, agencies: int = 50):
        self.rng = random.Random(seed)
        self.rule_sets = sorted(RuleSet.objects.filter(is_promise=False), key=lambda r: r.effective_from)
        self.promises = sorted(RuleSet.objects.filter(is_promise=True), key=lambda r: r.effective_from)
        self.baseline = baseline_rule_set()
        self.agencies = list(Agency.objects.order_by("pk")[:agencies])
        self.applicant = User.objects.filter(agency__isnull=False).order_by("pk").first()
        self.official = User.objects.filter(agency__isnull=True).order_by("pk").first()
        if not self.agencies or self.applicant is None or self.official is None:
            raise ValueError("bulk data needs an agency with a user and an official (run seed_demo first)")
        self._requirements: dict[tuple, list] = {}
        self._sources: dict[int, int] = {}

    def _in_force(self, rows: list[RuleSet], on: date) -> RuleSet | None:
        found = None
        for rule_set in rows:
            if rule_set.effective_from <= on:
                found = rule_set
        return found

    def requirements(self, rule_set: RuleSet, track: str) -> list:
        key = (rule_set.pk, track)
        if key not in self._requirements:
            self._requirements[key] = list(document_selectors.catalogue(
                rule_set=rule_set, application_type="initial", track=track).filter(mandatory=True))
        return self._requirements[key]

    def run(self, *, count: int, since: date, until: date, commitment: float = 0.0, batch: int = 2000,
            records: bool = True) -> Report:
        """Write ``count`` ended applications submitted on working days between ``since`` and ``until``.

        ``records=False`` writes the applications and their facts only (benchmarks of the dashboard
        at a million): the same facts, but nothing ``recompute_facts`` could recompute them from."""
        report = Report()
        started = timezone.now()
        while report.created < count:
            with transaction.atomic():
                made = self._batch(min(batch, count - report.created), since, until, commitment, records)
            report.created += len(made)
            report.outcomes.update(made)
        rollups_rebuild()
        report.seconds = (timezone.now() - started).total_seconds()
        return report

    def _batch(self, size: int, since: date, until: date, commitment: float, records: bool) -> list[str]:
        rng, span = self.rng, (until - since).days
        plans = []
        while len(plans) < size:
            day = add_working_days(since + timedelta(days=rng.randrange(span + 1) - 1), 1)
            drawn = draw(rng, commitment=commitment)
            try:
                plans.append(self._dated(day, drawn))
            except CalendarMissing:  # a long path past the last year the calendar holds: drawn again
                continue
        return self._write(plans, records)

    def _dated(self, day: date, drawn: Drawn) -> dict:
        rules = self._in_force(self.rule_sets, day)
        submitted = timezone.make_aware(datetime.combine(day, time(9)))
        moments, moment = [], submitted
        for i, (_node, days, _done) in enumerate(drawn.spans, start=1):
            end_day = add_working_days(timezone.localdate(moment), days)
            finished = timezone.make_aware(datetime.combine(end_day, time(10))) + timedelta(minutes=i)
            moments.append((moment, finished))
            moment = finished
        return {"day": day, "rules": rules, "drawn": drawn, "submitted": submitted, "moments": moments,
                "ended": moment}

    def _tables(self) -> dict[str, Table]:
        """The rows of each model, with what they all share prepared once (see ``demo.copy``)."""
        if not hasattr(self, "_prepared"):
            path, size, sha = _sample()
            self._prepared = {
                "application": Table(Application, with_id=True, created_by=self.applicant, application_type="initial",
                                     test_sites="贵阳", declaration=True),
                "process": Table(Process, with_id=True, flow_class=OrdinaryFlow, status="DONE"),
                "task": Table(Task, with_id=True, flow_task=OrdinaryFlow.accept, flow_task_type="HUMAN",
                              status="DONE"),
                "step": Table(Step, node="accept", permission="", entered_at=timezone.now()),
                "change": Table(StatusChange, transition="submit", source="draft", target="submitted",
                                at=timezone.now()),
                "deficiency": Table(Deficiency, kind=Deficiency.Kind.SUPPLEMENT, round=1,
                                    description="（批量演示数据）", raised_by=self.official),
                "document": Table(Document, file=path, original_name="sample.pdf", content_type="application/pdf",
                                  size=size, sha256=sha, uploaded_by=self.applicant, uploaded_at=timezone.now()),
                "facts": Table(ApplicationFacts, with_id=True, computed_at=timezone.now()),
            }
            self._flow_tasks = {node: db_value(Task, "flow_task", getattr(OrdinaryFlow, node))
                                for node in declared.STEPS if hasattr(OrdinaryFlow, node)}
        return self._prepared

    def _write(self, plans: list[dict], records: bool = True) -> list[str]:
        rng, t = self.rng, self._tables()
        app_ids = reserve_ids(Application, len(plans))
        process_ids = reserve_ids(Process, len(plans)) if records else [None] * len(plans)
        task_ids = iter(reserve_ids(Task, sum(len(p["drawn"].spans) for p in plans)) if records else [])
        for app_id, process_id, plan in zip(app_ids, process_ids, plans, strict=True):
            drawn, rules = plan["drawn"], plan["rules"]
            t["application"].add(id=app_id, agency_id=rng.choice(self.agencies).pk, track=drawn.track,
                                 status=drawn.outcome, rule_set_id=rules.pk, submitted_at=plan["submitted"],
                                 decided_at=plan["ended"] if drawn.outcome in ("certified", "denied") else None)
            asked = [r for r in self.requirements(rules, drawn.track) if not r.via_data_sharing]
            sources = [(self._source(r) if records else r.pk) if i < drawn.reused else None
                       for i, r in enumerate(asked)]
            uploaded = [r for r, source in zip(asked, sources, strict=True) if source is None]
            reuploads = min(drawn.reuploads, len(uploaded))
            if records:
                t["process"].add(id=process_id)
                for (node, _days, done), (entered, finished) in zip(drawn.spans, plan["moments"], strict=True):
                    task_id = next(task_ids)
                    t["task"].add(id=task_id, process_id=process_id, flow_task=self._flow_tasks[node],
                                  status="DONE" if done else "CANCELED")
                    t["step"].add(task_id=task_id, application_id=app_id, node=node,
                                  permission=declared.STEPS[node].permission,
                                  state=Step.State.DONE if done else Step.State.CANCELLED, entered_at=entered,
                                  finished_at=finished, limit_days=declared.limit_days(rules, node))
                t["change"].add(application_id=app_id, by_id=self.applicant.pk, at=plan["submitted"])
                t["change"].add(application_id=app_id, transition=TRANSITIONS[drawn.outcome], source="submitted",
                                target=drawn.outcome, by_id=self.official.pk, at=plan["ended"])
                for kind, rounds in ((Deficiency.Kind.SUPPLEMENT, drawn.supplements),
                                     (Deficiency.Kind.RECTIFICATION, drawn.rectifications)):
                    for n in range(1, rounds + 1):
                        t["deficiency"].add(application_id=app_id, kind=kind, round=n)
                for requirement, source in zip(asked, sources, strict=True):
                    t["document"].add(application_id=app_id, requirement_id=requirement.pk, reused_from_id=source,
                                      original_name=f"{requirement.code}.pdf", uploaded_at=plan["submitted"])
                for n in range(1, reuploads + 1):  # an uploaded document sent again for each supplement notice
                    t["document"].add(application_id=app_id, requirement_id=uploaded[n - 1].pk,
                                      original_name=f"{uploaded[n - 1].code}-{n}.pdf", uploaded_at=plan["submitted"],
                                      supplement_round=n)
            required = self.requirements(rules, drawn.track)
            counts = DocumentCounts(
                required=len(required), shared=len(required) - len(asked), reused=len(asked) - len(uploaded),
                uploaded=len(uploaded), files=len(uploaded) + reuploads,
                baseline=self._baseline_documents(drawn.track, len(asked)))
            t["facts"].add(application_id=app_id, **compose(
                self._history(plan, counts), rules=rules, baseline=self.baseline,
                promise=self._in_force(self.promises, plan["day"])))
        for name in ("application", "process", "task", "step", "change", "deficiency", "document", "facts"):
            t[name].write()
        return [plan["drawn"].outcome for plan in plans]

    def _source(self, requirement) -> int | None:
        """An earlier uploaded document of the same requirement a reuse points at (none before the first)."""
        if requirement.pk not in self._sources:
            source = (Document.objects.filter(requirement=requirement, reused_from__isnull=True)
                      .order_by("pk").values_list("pk", flat=True).first())
            if source is None:
                return None
            self._sources[requirement.pk] = source
        return self._sources[requirement.pk]

    def _baseline_documents(self, track: str, asked_now: int) -> int:
        before = self.requirements(self.baseline, track) or self.requirements(self.baseline, "ordinary")
        return sum(1 for r in before if not r.via_data_sharing) if before else asked_now

    def _history(self, plan: dict, counts: DocumentCounts) -> History:
        drawn = plan["drawn"]
        return History(
            application_type="initial", track=drawn.track, outcome=drawn.outcome,
            authority=settings.CMA_AUTHORITY_NAME, submitted_at=plan["submitted"], ended_at=plan["ended"],
            elapsed_days=working_days_between(plan["day"], timezone.localdate(plan["ended"])),
            spans=tuple(Span(node, days, done) for node, days, done in drawn.spans),
            supplement_rounds=drawn.supplements, rectification_rounds=drawn.rectifications, documents=counts,
        )
