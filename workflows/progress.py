"""Where an application stands in its procedure: the path of steps, each done, current or next,
with the current step's due date and holder, and what the applicant has to do next.

The path comes from the application's procedure (``workflows.procedures.path_of``) and the titles and
statuses from the step declarations (``workflows.steps``). The rest reads the application's status
(which step is current) and its Step rows (due dates, holders).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from approvals.choices import choice_display
from approvals.models import Application, ApplicationType, RuleSet
from approvals.models import ApplicationStatus as S
from approvals.pagination import DEFAULT_PAGE_SIZE
from compiled import CompiledIdRows

from . import procedures, steps
from .models import Step

SUBMIT = "submit"
SUBMIT_TITLE = _("提交申请")
# A loop the applicant answers happens inside a main step: the acceptance waits on the supplement.
LOOP_OF = {declared.resumes_after: name for name, declared in steps.STEPS.items() if declared.resumes_after}
# The step at which a final status stopped the procedure (the decision step is the path's own).
STOPPED_AT = {S.REFUSED: "accept", S.COMMITMENT_REVOKED: "verification"}
HOLDER_ROLES = {
    "approvals.accept_application": _("受理人员"),
    "approvals.review_application": _("技术评审组"),
    "approvals.decide_application": _("审批人员"),
    "approvals.issue_certificate": _("发证人员"),
}

DONE, CURRENT, NEXT, STOPPED = "done", "current", "next", "stopped"
STATE_LABELS = {DONE: _("已完成"), CURRENT: _("当前环节"), NEXT: _("待办理"), STOPPED: _("已终止")}


def path_for(application: Application) -> list[str]:
    """The steps of the application's own procedure, in order (submit first)."""
    return [SUBMIT, *procedures.path_of(application)]


def step_title(key: str) -> str | Promise:
    """The step's title, translated when shown (a list page builds many bars and shows few titles)."""
    if key == SUBMIT:
        return SUBMIT_TITLE
    declared = steps.STEPS.get(key)
    return declared.title if declared else key


def _current(status: str, path: list[str]) -> str | None:
    """The step of ``path`` the application is at in ``status`` (an applicant's loop counts as the
    step it answers), from the statuses each step declares."""
    if status == S.DRAFT:
        return SUBMIT
    for name in path[1:]:
        if status in steps.STEPS[name].statuses:
            return name
    for loop, owner in LOOP_OF.items():
        if status in steps.STEPS[loop].statuses and owner in path:
            return owner
    return None


def _stopped(status: str, path: list[str]) -> str | None:
    if status == S.DENIED:
        return next((name for name in path[1:] if steps.STEPS[name].outcome("deny")), None)
    return STOPPED_AT.get(status)


@dataclass(frozen=True)
class ProgressStep:
    key: str
    title: str | Promise
    state: str  # done | current | next | stopped
    due_date: date | None = None
    holder: str | Promise = ""
    holder_is_applicant: bool = False
    waiting_on: str | Promise = ""  # the loop the current step waits on (补正, 整改)
    finished_at: datetime | None = None

    @property
    def state_label(self) -> str | Promise:
        return STATE_LABELS[self.state]


_STATUS_LABEL = choice_display(Application, "status")


@dataclass(frozen=True)
class Progress:
    steps: list[ProgressStep]
    status: str

    @property
    def status_label(self) -> str:
        """The status as the application shows it (translated when shown: a list builds many bars)."""
        return _STATUS_LABEL(self.status)

    @property
    def current(self) -> ProgressStep | None:
        return next((step for step in self.steps if step.state in (CURRENT, STOPPED)), None)

    @property
    def position(self) -> int:
        """1-based number of the current step (the number of steps when all are done)."""
        current = self.current
        return self.steps.index(current) + 1 if current else len(self.steps)

    @property
    def finished(self) -> bool:
        return self.status in (S.CERTIFIED, S.VERIFIED, S.CERTIFICATE_CANCELLED) and self.current is None


def _holder(step: Step) -> tuple[str | Promise, bool]:
    if step.node in steps.APPLICANT_STEPS:
        return _("申请机构"), True
    if step.claimed_by_id:
        return str(step.claimed_by), False
    role = HOLDER_ROLES.get(step.permission, _("审批机关"))
    return _("%(role)s（待认领）") % {"role": role}, False


def progress_of(application: Application, rows: Iterable[Step] | None = None) -> Progress:
    """The application's path with each step's state; ``rows``: its Step rows (queried if None).

    The active steps are enough for the current step's due date and holder; finished ones add the
    day each main step was done.
    """
    if rows is None:
        rows = application.steps.select_related("claimed_by").order_by("entered_at", "id")
    rows = list(rows)
    path = path_for(application)
    status = application.status
    current = _current(status, path)
    stopped = _stopped(status, path)
    if status == S.WITHDRAWN:
        last = next((LOOP_OF.get(s.node, s.node) for s in reversed(rows)), None)
        stopped = last if last in path else SUBMIT
    marker = current or stopped
    marker_index = path.index(marker) if marker in path else len(path)
    active = next((s for s in reversed(rows) if s.is_active), None)
    finished: dict[str, datetime] = {}
    for s in rows:
        if s.state == Step.State.DONE and s.node in path and s.finished_at:
            finished[s.node] = s.finished_at
    result = []
    for index, key in enumerate(path):
        if index < marker_index:
            result.append(ProgressStep(key=key, title=step_title(key), state=DONE,
                                       finished_at=application.submitted_at if key == SUBMIT else finished.get(key)))
        elif index == marker_index and stopped:
            result.append(ProgressStep(key=key, title=step_title(key), state=STOPPED))
        elif index == marker_index:
            due, holder, by_applicant, waiting = None, "", False, ""
            if key == SUBMIT:
                holder, by_applicant = _("申请机构"), True
            elif active is not None and LOOP_OF.get(active.node, active.node) == key:
                due = active.due_date
                holder, by_applicant = _holder(active)
                if active.node in LOOP_OF:
                    waiting = step_title(active.node)
            result.append(ProgressStep(key=key, title=step_title(key), state=CURRENT, due_date=due, holder=holder,
                                       holder_is_applicant=by_applicant, waiting_on=waiting))
        else:
            result.append(ProgressStep(key=key, title=step_title(key), state=NEXT))
    return Progress(steps=result, status=status)


# A list page's read compiled once per process (the ``compiled`` package): the active steps of a page of
# applications.
_LIST_ACTIVE_STEPS = CompiledIdRows(
    lambda ids: Step.objects.active().filter(application__in=ids).select_related("claimed_by")
    .order_by("entered_at", "id"),
    DEFAULT_PAGE_SIZE)


def progress_for_list(applications: Iterable[Application]) -> dict[int, Progress]:
    """Progress of many applications from one query (their active steps only): for list rows."""
    applications = list(applications)
    _with_rule_sets(applications)
    active: dict[int, list[Step]] = {}
    for step in _LIST_ACTIVE_STEPS.all([a.pk for a in applications]):
        active.setdefault(step.application_id, []).append(step)
    return {a.pk: progress_of(a, rows=active.get(a.pk, [])) for a in applications}


def _with_rule_sets(applications: list[Application]) -> None:
    """A change's path depends on its rule set (``procedures.path_of``): the rule sets of a list's
    changes are read together, once, not one statement per row."""
    wanted = {a.rule_set_id for a in applications if a.application_type == ApplicationType.CHANGE
              and a.rule_set_id and not Application.rule_set.is_cached(a)}
    if not wanted:
        return
    rule_sets = RuleSet.objects.in_bulk(wanted)
    for application in applications:
        if application.rule_set_id in rule_sets and not Application.rule_set.is_cached(application):
            application.rule_set = rule_sets[application.rule_set_id]


@dataclass(frozen=True)
class NextAction:
    """What the applicant should do now (or that they need do nothing and who works on it)."""

    tone: str  # info | warning | success
    text: str | Promise
    due_date: date | None = None
    action: str = ""  # submit | answer | documents | certificate | ""


def next_action(application: Application, progress: Progress, *, missing_documents: int = 0) -> NextAction | None:
    """The applicant's "what you need to do next" for the top of the application page."""
    status = application.status
    current = progress.current
    if status == S.DRAFT:
        if missing_documents:
            text = _("这是草稿，尚未提交：请上传尚缺的 %(n)d 项申请材料，确认申请信息后提交申请。")
            return NextAction("warning", text % {"n": missing_documents}, action="documents")
        text = _("这是草稿，尚未提交：材料已齐全，确认申请信息、能力范围和真实性声明无误后，点击“提交申请”。")
        return NextAction("info", text, action="submit")
    if status == S.SUPPLEMENT_REQUESTED:
        return NextAction("warning", _("按补正通知逐项补正材料，然后答复补正通知。"),
                          due_date=current.due_date if current else None, action="answer")
    if status == S.RECTIFICATION:
        return NextAction("warning", _("按技术评审意见整改，然后提交整改报告。"),
                          due_date=current.due_date if current else None, action="answer")
    if status == S.CERTIFIED:
        return NextAction("success", _("证书已颁发：可下载电子证书，或分享核验链接。"), action="certificate")
    if current is not None and current.state == CURRENT:
        return NextAction("info", _("您无需操作：申请正在“%(step)s”环节，由%(holder)s办理。")
                          % {"step": current.title, "holder": current.holder or _("审批机关")},
                          due_date=current.due_date)
    return None
