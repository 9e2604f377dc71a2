"""The ordinary track (一般程序) as a viewflow flow.

The flow owns the human work: which task exists, who may take it, the lock. The application's FSM
owns the legal lifecycle. Branches read the status the last task's transition produced, so the
two cannot drift: ``OUTCOMES`` below is the one place that says which outcome of which node calls
which domain service, and ``tests/workflows/test_flow_mapping.py`` checks it against the FSM.
"""

from django.utils import timezone
from viewflow import this
from viewflow.workflow import flow, lock

from approvals import services as domain
from approvals.models import ApplicationStatus as S

from .clocks import clock_start
from .models import ApplicationProcess, Step

APPLICANT_PERMISSION = "approvals.respond_application"


def status_is(*states):
    """A branch condition: the application is now in one of ``states``."""
    return lambda activation: activation.process.application.status in states


def application_of(process):
    return process.application


class OrdinaryFlow(flow.Flow):
    """一般程序

    受理 → (补正 ↺) → 技术评审 → (整改 ↺) → 审批决定 → 发证.
    """

    process_class = ApplicationProcess
    # Blocking row lock on the process: a second click waits, then finds the task done (409),
    # instead of racing (no_lock) or sleeping through random back-offs (nowait).
    lock_impl = lock.SelectForUpdateLock(nowait=False)

    start = flow.StartHandle(this.start_process).Next(this.accept)

    accept = (
        flow.View(None)
        .Annotation(title="受理")
        .Permission("approvals.accept_application")
        .onCreate(this.step_entered)
        .Next(this.after_accept)
    )
    after_accept = (
        flow.Switch()
        .Case(this.supplement, status_is(S.SUPPLEMENT_REQUESTED))
        .Case(this.review, status_is(S.ACCEPTED))
        .Default(this.end)  # refused
    )
    supplement = (
        flow.View(None)
        .Annotation(title="补正")
        .Permission(APPLICANT_PERMISSION, obj=application_of)
        .onCreate(this.step_entered)
        .Next(this.accept)
    )
    review = (
        flow.View(None)
        .Annotation(title="技术评审")
        .Permission("approvals.review_application")
        .Assign(this.review_leader)
        .onCreate(this.step_entered)
        .Next(this.after_review)
    )
    after_review = (
        flow.Switch()
        .Case(this.rectification, status_is(S.RECTIFICATION))
        .Default(this.decide)  # passed or failed: the approver decides either way
    )
    rectification = (
        flow.View(None)
        .Annotation(title="整改")
        .Permission(APPLICANT_PERMISSION, obj=application_of)
        .onCreate(this.step_entered)
        .Next(this.review)
    )
    decide = (
        flow.View(None)
        .Annotation(title="审批决定")
        .Permission("approvals.decide_application")
        .onCreate(this.step_entered)
        .Next(this.after_decide)
    )
    after_decide = (
        flow.Switch()
        .Case(this.issue, status_is(S.APPROVED, S.PARTIALLY_APPROVED))
        .Default(this.end)  # denied
    )
    issue = (
        flow.View(None)
        .Annotation(title="发证")
        .Permission("approvals.issue_certificate")
        .onCreate(this.step_entered)
        .Next(this.end)
    )
    end = flow.End()

    def start_process(self, activation, application):
        activation.process.application = application
        return activation.process

    def review_leader(self, activation):
        """The review team leader named at acceptance takes the review directly; else it is queued."""
        return activation.process.application.review_leader

    def step_entered(self, activation):
        task = activation.task
        process = activation.process
        now = timezone.now()
        step = Step(
            task=task,
            application_id=process.application_id,
            node=task.flow_task.name,
            permission=task.owner_permission or "",
            agency_id=process.application.agency_id if task.owner_permission == APPLICANT_PERMISSION else None,
            entered_at=now,
            state=Step.State.CLAIMED if task.owner_id else Step.State.OPEN,
            claimed_by_id=task.owner_id,
            claimed_at=now if task.owner_id else None,
        )
        clock_start(step, rule_set=process.application.rule_set, on=timezone.localdate(now))
        step.save(force_insert=True)


# Node → outcome → domain service. Every completion calls exactly one of these, inside the task's
# lock and transaction. The fields each service takes beyond ``application`` and ``by`` come from
# the completion request.
OUTCOMES = {
    "accept": {
        "accept": domain.application_accept,
        "supplement": domain.supplement_request,
        "refuse": domain.application_refuse,
    },
    "supplement": {"resubmit": domain.supplement_answer},
    "review": {
        "pass": domain.review_pass,
        "rectify": domain.rectification_request,
        "fail": domain.review_fail,
    },
    "rectification": {"resubmit": domain.rectification_submit},
    "decide": {
        "approve": domain.decision_approve,
        "approve_partially": domain.decision_approve_partially,
        "deny": domain.decision_deny,
    },
    "issue": {"issue": domain.certificate_issue},
}

# The status an application is in while each node's task is open (checked by the mapping test).
NODE_STATUS = {
    "accept": S.SUBMITTED,
    "supplement": S.SUPPLEMENT_REQUESTED,
    "review": S.ACCEPTED,
    "rectification": S.RECTIFICATION,
    "decide": (S.REVIEW_PASSED, S.REVIEW_FAILED),
    "issue": (S.APPROVED, S.PARTIALLY_APPROVED),
}
APPLICANT_NODES = {"supplement", "rectification"}
