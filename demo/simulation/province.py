"""A believable province: applications driven through the real services and flow, in controlled time.

Each application lives its own life on China's working-day calendar: submitted on a working day,
each step taking a drawn number of working days (officials mostly within their limits, some late;
applicants answering supplement notices and review findings, once or twice), ending refused,
withdrawn, denied, partly or fully approved and certified — or still open today. The clock is moved
with ``time_machine``, so every timestamp (steps, audit, certificates, facts) is the simulated one.

The same seed over the same empty database gives the same histories.
"""

import io
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache

import time_machine
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from pypdf import PdfWriter

from approvals import services as domain
from approvals.models import Agency, Application, User
from approvals.validators import credit_code_check_char
from documents import answers
from documents import selectors as document_selectors
from documents import services as document_services
from workflows import services
from workflows.calendar import add_working_days
from workflows.exceptions import CalendarMissing
from workflows.models import Step

from .pools import CITIES, FINDINGS, KINDS, OFFICIALS, SCOPE_POOL, SUPPLEMENTS, TRADE_NAMES, TYPES


@cache
def _pdf() -> bytes:
    """A small, valid PDF: what the simulated agencies upload."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@dataclass
class Report:
    created: int = 0
    outcomes: Counter = field(default_factory=Counter)
    open_steps: Counter = field(default_factory=Counter)


class Province:
    """Agencies, officials and their habits; ``run`` drives ``count`` applications since a day."""

    def __init__(self, *, seed: int, agencies: int):
        self.rng = random.Random(seed)
        self.agencies = agencies
        self.officials: dict[str, list[User]] = {}
        self.applicants: list[User] = []

    # --- people ---------------------------------------------------------------------------------
    def staff(self) -> None:
        """Officials per role and one user per agency (created once; found again on a later run)."""
        for role, names in OFFICIALS.items():
            group = Group.objects.get(name=role)
            self.officials[role] = []
            for i, name in enumerate(names, start=1):
                user, created = User.objects.get_or_create(
                    username=f"sim-{role}-{i}", defaults={"first_name": name, "email": f"sim-{role}-{i}@example.com"}
                )
                if created:
                    user.set_unusable_password()
                    user.save(update_fields=["password"])
                    user.groups.add(group)
                self.officials[role].append(user)
        applicant_group = Group.objects.get(name="applicant")
        for n in range(1, self.agencies + 1):
            code, city = CITIES[(n - 1) % len(CITIES)]
            body = f"9152{code}00MB9{n:06d}"
            agency, _created = Agency.objects.get_or_create(
                credit_code=body + credit_code_check_char(body),
                defaults=dict(
                    name=f"{city}{TRADE_NAMES[(n - 1) % len(TRADE_NAMES)]}{KINDS[(n - 1) % len(KINDS)]}",
                    address=f"贵州省{city}市示范路{n}号", legal_representative="示例法人", contact_name="示例联系人",
                    contact_phone="0851-80000000",
                ),
            )
            user, created = User.objects.get_or_create(username=f"sim-lab-{n}", defaults={
                "agency": agency, "first_name": "机构经办人", "email": f"sim-lab-{n}@example.com"})
            if created:
                user.set_unusable_password()
                user.save(update_fields=["password"])
                user.groups.add(applicant_group)
            self.applicants.append(user)

    # --- time -----------------------------------------------------------------------------------
    def _at(self, day: date, after: datetime | None = None) -> datetime:
        """A moment in office hours on ``day``, later than ``after`` on the same day."""
        moment = timezone.make_aware(datetime.combine(day, time(9, 0)) + timedelta(minutes=self.rng.randint(0, 480)))
        if after is not None and moment <= after:
            moment = after + timedelta(minutes=self.rng.randint(5, 90))
        return moment

    def _later(self, moment: datetime, working_days: int) -> datetime:
        day = timezone.localdate(moment)
        return self._at(add_working_days(day, working_days) if working_days else day, after=moment)

    # --- habits: how long each step takes, and how it ends --------------------------------------
    def _days(self, node: str, resumed: bool = False) -> int:
        r = self.rng.random
        if node == "review" and resumed:  # checking a rectification report is quicker than the review itself
            return self.rng.randint(1, 8)
        if node == "accept":
            return self.rng.randint(6, 9) if r() < 0.08 else self.rng.randint(0, 4)
        if node == "review":
            return self.rng.randint(31, 42) if r() < 0.10 else self.rng.randint(6, 28)
        if node == "decide":
            return self.rng.randint(11, 16) if r() < 0.07 else self.rng.randint(1, 9)
        if node == "issue":
            return self.rng.randint(8, 11) if r() < 0.05 else self.rng.randint(0, 6)
        if node == "supplement":
            return self.rng.randint(31, 36) if r() < 0.04 else self.rng.randint(2, 15)
        return self.rng.randint(5, 25)  # rectification

    def _outcome(self, application: Application, node: str) -> tuple[str, dict]:
        r = self.rng.random()
        rounds = application.deficiencies.filter(kind="supplement" if node == "accept" else "rectification").values(
            "round").distinct().count()
        if node == "accept":
            if r < 0.04:
                return "refuse", {"comment": "申请事项不属于资质认定范围"}
            # 一次性告知: a later round may only concern the documents the last answer supplied.
            answered = sorted(set(application.deficiencies.filter(kind="supplement", round=rounds)
                                  .exclude(document_code="").values_list("document_code", flat=True)))
            if r < (0.32 if rounds == 0 else 0.16 if rounds == 1 else 0.04) and (rounds == 0 or answered):
                if rounds:
                    return "supplement", {"deficiencies": [{"description": "补交的材料仍不符合要求", "document_code": code}
                                                           for code in answered[:1]],
                                          "comment": "仅就补正后提交的材料提出"}
                picks = self.rng.sample(SUPPLEMENTS, self.rng.randint(1, 3))
                # A defect names a document only if the catalogue asks for it (never a data-shared one).
                asked = {req.code for req in document_selectors.requirements_for(application)
                         if not req.via_data_sharing}
                return "supplement", {"deficiencies": [{"description": d, "document_code": c if c in asked else ""}
                                                       for d, c in picks],
                                      "comment": "请一次性补正以下材料"}
            leader = self.rng.choice(self.officials["reviewer"])
            return "accept", {"review_leader": leader.pk if self.rng.random() < 0.6 else None,
                              "review_experts": "评审专家组"}
        if node == "review":
            mode = self.rng.choice(["written", "onsite", "onsite", "remote"])
            if r < 0.05:
                return "fail", {"comment": "管理体系未有效运行，不符合资质认定条件", "review_mode": mode}
            if r < (0.38 if rounds == 0 else 0.12 if rounds == 1 else 0.0):
                picks = self.rng.sample(FINDINGS, self.rng.randint(1, 3))
                return "rectify", {"findings": [{"clause": c, "grade": g, "description": d} for c, g, d in picks],
                                   "review_mode": mode}
            return "pass", {"review_mode": mode, "comment": "符合资质认定条件"}
        if node == "decide":
            if application.status == "review_failed" or r < 0.04:
                return "deny", {"comment": "经审查不符合资质认定条件"}
            scope = application.scope_items.count()
            if scope > 1 and r < 0.15:
                return "approve_partially", {"comment": "部分项目方法验证不充分",
                                             "refused_items": {scope: "方法验证记录缺失"}}
            return "approve", {"comment": "符合资质认定条件"}
        if node == "issue":
            return "issue", {}
        return "resubmit", {"comment": "已按要求补正" if node == "supplement" else "已完成整改并提交整改报告"}

    def _actor(self, application: Application, step: Step) -> User:
        if step.node in ("supplement", "rectification"):
            return application.created_by
        if step.claimed_by_id:
            return step.claimed_by
        role = {"accept": "acceptor", "review": "reviewer", "decide": "approver", "issue": "issuer"}[step.node]
        return self.rng.choice(self.officials[role])

    # --- documents ------------------------------------------------------------------------------
    def _upload(self, application: Application, owner: User, code: str) -> None:
        document_services.document_upload(application=application, by=owner, requirement=code,
                                          file=ContentFile(_pdf(), name=f"{code}.pdf"))

    def _supply(self, application: Application, owner: User) -> None:
        """Every document the catalogue asks for: reused from an earlier application where the
        agency may (most do), uploaded otherwise."""
        requirements = [req for req in document_selectors.requirements_for(application)
                        if req.mandatory and not req.via_data_sharing]
        offers = document_selectors.reusable_documents(application=application, requirements=requirements)
        for req in requirements:
            if offers.get(req.code) and self.rng.random() < 0.8:
                document_services.document_reuse(application=application, by=owner, document=offers[req.code][0].pk)
            else:
                self._upload(application, owner, req.code)

    def _answer(self, application: Application, owner: User) -> None:
        """A new file for every document the latest supplement notice sent back."""
        latest = application.deficiencies.filter(kind="supplement").order_by("-round").values_list(
            "round", flat=True).first()
        codes = (application.deficiencies.filter(kind="supplement", round=latest).exclude(document_code="")
                 .values_list("document_code", flat=True).distinct())
        for code in sorted(codes):
            self._upload(application, owner, code)

    # --- one life -------------------------------------------------------------------------------
    def _draft(self, owner: User) -> Application:
        picks = self.rng.sample(SCOPE_POOL, self.rng.randint(1, 5))
        kinds, weights = zip(*TYPES, strict=True)
        application = domain.application_create(
            by=owner, application_type=self.rng.choices(kinds, weights)[0], test_sites=owner.agency.address,
            field_code="20", industry_code="00", authorised_signatories="示例签字人 技术负责人 全部项目",
            declaration=True,
            scope=[{"category": c, "item": i, "parameter": p, "standard": s} for c, i, p, s in picks],
        )
        self._supply(application, owner)
        return application

    def live(self, start: datetime, now: datetime, report: Report) -> None:
        owner = self.rng.choice(self.applicants)
        with time_machine.travel(start, tick=False):
            application = self._draft(owner)
            services.application_submit(application=application, by=owner)
        report.created += 1
        moment = start
        while True:
            application.refresh_from_db()
            step = Step.objects.active().select_related("claimed_by").filter(application=application).first()
            if step is None:
                report.outcomes[application.status] += 1
                return
            # An applicant now and then gives up while waiting for an answer or a review.
            if step.node in ("supplement", "review") and self.rng.random() < 0.025:
                try:
                    give_up = self._later(moment, self.rng.randint(1, 10))
                except CalendarMissing:
                    give_up = now
                if give_up < now:
                    with time_machine.travel(give_up, tick=False):
                        services.application_withdraw(application=application, by=owner, reason="机构决定暂缓申请")
                    continue
            try:
                resumed = step.node == "review" and application.deficiencies.filter(kind="rectification").exists()
                finish = self._later(moment, self._days(step.node, resumed))
            except CalendarMissing:  # beyond the years the calendar holds: still open
                finish = now + timedelta(days=1)
            actor = self._actor(application, step)
            if finish > now:
                if step.state == Step.State.OPEN and step.node not in ("supplement", "rectification"):
                    with time_machine.travel(self._later(moment, 0), tick=False):
                        services.task_claim(task_id=step.task_id, by=actor)
                report.open_steps[step.node] += 1
                return
            outcome, data = self._outcome(application, step.node)
            with time_machine.travel(finish, tick=False):
                if step.node == "supplement":
                    self._answer(application, owner)
                if step.node == "rectification":
                    answers.answer_file_upload(application=application, by=owner, role="report",
                                               file=ContentFile(_pdf(), name="整改报告.pdf"))
                services.task_complete(task_id=step.task_id, by=actor, outcome=outcome, data=data)
            moment = finish

    def run(self, *, count: int, since: date, until: datetime | None = None) -> Report:
        """Drive ``count`` applications submitted on working days from ``since`` up to ``until``."""
        now = until or timezone.now()
        self.staff()
        report = Report()
        span = max((timezone.localdate(now) - since).days, 1)
        starts = []
        for _ in range(count):
            day = since + timedelta(days=self.rng.randrange(span))
            day = add_working_days(day - timedelta(days=1), 1)  # the first working day on or after it
            starts.append(self._at(day))
        for start in sorted(starts):
            if start >= now:
                continue
            with transaction.atomic():
                self.live(start, now, report)
        return report
