"""The procedures as viewflow flows, their nodes built from the step declarations (``workflows.steps``).

The flow owns the human work: which task exists, who may take it, the lock. The application's FSM
owns the legal lifecycle. Branches read the status the last task's transition produced, so the two
cannot drift; ``tests/workflows/test_flow_mapping.py`` checks every declared outcome against the FSM.
"""

from contextvars import ContextVar

from django.utils import timezone
from viewflow import this
from viewflow.workflow import flow, lock

from approvals.models import ApplicationStatus as S
from writebehind import later_insert

from . import steps
from .clocks import clock_start
from .models import ApplicationProcess, Step
from .nodes import Branch, End, HumanView

APPLICANT_PERMISSION = steps.APPLICANT_PERMISSION


# The node of the step whose completion is entering the next one (set by ``services`` around viewflow's
# ``execute``). Only an answer step (补正, 整改) leads back to a step whose clock was stopped.
completing: ContextVar[str | None] = ContextVar("completing", default=None)


def status_is(*states):
    """A branch condition: the application is now in one of ``states``."""
    return lambda activation: activation.process.application.status in states


def application_of(process):
    return process.application


def human(declared: steps.StepDef, *, assign=None):
    """A flow node for a declared step (a new node for each flow: viewflow binds a node to its flow)."""
    node = HumanView(None).Annotation(title=declared.title)
    if declared.applicant:
        node = node.Permission(declared.permission, obj=application_of)
    else:
        node = node.Permission(declared.permission)
    if assign is not None:
        node = node.Assign(assign)
    return node.onCreate(this.step_entered)


class ProcedureFlow(flow.Flow):
    """What every procedure's flow shares: the process, the lock, the step record."""

    process_class = ApplicationProcess
    # Blocking row lock on the process: a second click waits, then finds the task done (409),
    # instead of racing (no_lock) or sleeping through random back-offs (nowait).
    lock_impl = lock.SelectForUpdateLock(nowait=False)

    def start_process(self, activation, application):
        activation.process.application = application
        return activation.process

    def review_leader(self, activation):
        """The review team leader named at acceptance takes the review directly; else it is queued."""
        return activation.process.application.review_leader

    def step_entered(self, activation):
        task = activation.task
        process = activation.process
        declared = steps.step(task.flow_task.name)
        now = timezone.now()
        step = Step(
            task=task,
            application_id=process.application_id,
            node=declared.name,
            permission=task.owner_permission or "",
            agency_id=process.application.agency_id if declared.applicant else None,
            entered_at=now,
            state=Step.State.CLAIMED if task.owner_id else Step.State.OPEN,
            claimed_by_id=task.owner_id,
            claimed_at=now if task.owner_id else None,
        )
        before = completing.get()
        clock_start(step, rule_set=process.application.rule_set, on=timezone.localdate(now),
                    may_resume=before is None or before in steps.APPLICANT_STEPS)
        later_insert(step)  # its id is read by no one in this transaction


class OrdinaryFlow(ProcedureFlow):
    """一般程序

    受理 → (补正 ↺) → 技术评审 → (整改 ↺) → 审批决定 → 发证.
    """

    start = flow.StartHandle(this.start_process).Next(this.accept)

    accept = human(steps.ACCEPT).Next(this.after_accept)
    after_accept = (
        Branch()
        .Case(this.supplement, status_is(S.SUPPLEMENT_REQUESTED))
        .Case(this.review, status_is(S.ACCEPTED))
        .Case(this.decide, status_is(S.AWAITING_DECISION))  # a change that needs no technical review
        .Default(this.end)  # refused
    )
    supplement = human(steps.SUPPLEMENT).Next(this.after_supplement)
    after_supplement = (
        Branch()
        .Case(this.end, status_is(S.ABANDONED))  # the period ran out: deemed abandoned (视为放弃)
        .Default(this.accept)
    )
    review = human(steps.REVIEW, assign=this.review_leader).Next(this.after_review)
    after_review = (
        Branch()
        .Case(this.rectification, status_is(S.RECTIFICATION))
        .Default(this.decide)  # passed or failed: the approver decides either way
    )
    rectification = human(steps.RECTIFICATION).Next(this.review)
    decide = human(steps.DECIDE).Next(this.after_decide)
    after_decide = (
        Branch()
        .Case(this.issue, status_is(S.APPROVED, S.PARTIALLY_APPROVED))
        .Default(this.end)  # denied
    )
    issue = human(steps.ISSUE).Next(this.end)
    end = End()


class CommitmentFlow(ProcedureFlow):
    """告知承诺

    受理 → (补正 ↺) → 审批决定（无技术评审） → 发证 → 核查（发证后按月计）.
    """

    start = flow.StartHandle(this.start_process).Next(this.accept)

    accept = human(steps.ACCEPT).Next(this.after_accept)
    after_accept = (
        Branch()
        .Case(this.supplement, status_is(S.SUPPLEMENT_REQUESTED))
        .Case(this.decide, status_is(S.AWAITING_DECISION))
        .Default(this.end)  # refused
    )
    supplement = human(steps.SUPPLEMENT).Next(this.after_supplement)
    after_supplement = (
        Branch()
        .Case(this.end, status_is(S.ABANDONED))  # the period ran out: deemed abandoned (视为放弃)
        .Default(this.accept)
    )
    decide = human(steps.DECIDE).Next(this.after_decide)
    after_decide = (
        Branch()
        .Case(this.issue, status_is(S.APPROVED, S.PARTIALLY_APPROVED))
        .Default(this.end)  # denied
    )
    issue = human(steps.ISSUE).Next(this.verification)
    verification = human(steps.VERIFICATION).Next(this.end)
    end = End()


class CancellationFlow(ProcedureFlow):
    """注销

    受理 → (补正 ↺) → 注销决定. Nothing is issued: the decision cancels the certificate.
    """

    start = flow.StartHandle(this.start_process).Next(this.accept)

    accept = human(steps.ACCEPT).Next(this.after_accept)
    after_accept = (
        Branch()
        .Case(this.supplement, status_is(S.SUPPLEMENT_REQUESTED))
        .Case(this.decide_cancellation, status_is(S.AWAITING_DECISION))
        .Default(this.end)  # refused
    )
    supplement = human(steps.SUPPLEMENT).Next(this.after_supplement)
    after_supplement = (
        Branch()
        .Case(this.end, status_is(S.ABANDONED))  # the period ran out: deemed abandoned (视为放弃)
        .Default(this.accept)
    )
    decide_cancellation = human(steps.DECIDE_CANCELLATION).Next(this.end)
    end = End()
