"""Every step of every procedure, declared once.

A step (受理, 补正, 技术评审, 整改, 审批决定, 发证, 核查 …) says here, and nowhere else: its title, who may take
it, which clock it runs and which rule-set limit that clock uses, and its outcomes. Each outcome names
the one domain service it calls, the FSM transition that service runs, the input the API, the task
pages and the service share (``workflows.inputs``), the page form that produces that input, and what
the documents floor does with it (checks inside the transaction, the notice it issues).

The flows (``workflows.flows``) build their nodes from these declarations; queues, clocks, labels,
notices, reminders, metrics and the simulation read them. The lower floors (``approvals``,
``documents``) know nothing of steps: they are keyed by domain words (a rule-set field, a notice kind).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from approvals import services as domain
from approvals.models import ApplicationStatus as S
from documents import answers
from documents import services as documents
from documents.models import RenderedDocument

from . import forms, inputs
from .models import Step

Clock = Step.Clock
Notice = RenderedDocument.Kind
APPLICANT_PERMISSION = "approvals.respond_application"


@dataclass(frozen=True)
class Outcome:
    """One way a step can end."""

    name: str
    label: Promise  # how the timeline names it once done
    service: Callable  # called as service(application=…, by=…, **validated input)
    transition: str  # the application's FSM transition the service runs
    input: type[inputs.OutcomeInput]
    form: type[forms.OutcomeForm] | None = None  # the officials' page form (applicant steps answer on their page)
    # the documents floor's part, in the same transaction: checks that may refuse the step (a notice
    # naming a document outside the catalogue) and letters to schedule; each called (application=, by=)
    checks: tuple[Callable, ...] = ()
    notice: str = ""  # the document this outcome issues (a ``RenderedDocument.Kind``)
    stops_clock: bool = False  # the step's clock stands still until the applicant answers


@dataclass(frozen=True)
class StepDef:
    """One step of a procedure: a human task in the flow."""

    name: str  # the flow node's name, stored on ``Step.node``
    title: Promise
    permission: str
    clock: str  # a ``Step.Clock``
    limit: str  # the ``RuleSet`` field holding the step's statutory limit in working days
    outcomes: tuple[Outcome, ...]
    statuses: tuple[str, ...]  # the application's status while the step's task is open
    applicant: bool = False  # the applicant's own agency answers it
    resumes_after: str = ""  # an applicant step whose answer resumes this step's stopped clock
    notes: dict = field(default_factory=dict, compare=False)
    # What the law does when the step's period runs out (``workflows.lapses``): never offered to a person.
    lapse: Outcome | None = None

    @cached_property
    def outcomes_by_name(self) -> dict[str, Outcome]:
        return {outcome.name: outcome for outcome in self.outcomes}

    def outcome(self, name: str) -> Outcome | None:
        return self.outcomes_by_name.get(name)

    def limit_days(self, rule_set) -> int | None:
        """The step's statutory limit under ``rule_set`` (working days), or None where it has none."""
        return getattr(rule_set, self.limit) if (rule_set is not None and self.limit) else None

    @property
    def stop_outcome(self) -> str:
        return next((o.name for o in self.outcomes if o.stops_clock), "")


ACCEPT = StepDef(
    name="accept", title=pgettext_lazy("step", "受理"), permission="approvals.accept_application",
    clock=Clock.APPROVAL, limit="acceptance_days", statuses=(S.SUBMITTED,), resumes_after="supplement",
    lapse=Outcome("deemed_accept", _("视为受理"), domain.application_deem_accepted, "deem_accepted",
                  inputs.LapseInput),
    outcomes=(
        Outcome("accept", _("受理"), domain.application_accept, "accept", inputs.AcceptInput, forms.AcceptForm,
                notice=Notice.ACCEPTANCE_NOTICE),
        Outcome("supplement", _("一次性告知补正"), domain.supplement_request, "request_supplement",
                inputs.SupplementInput, forms.SupplementForm,
                checks=(documents.supplement_one_time_check, documents.supplement_send_back),
                notice=Notice.SUPPLEMENT_NOTICE, stops_clock=True),
        Outcome("refuse", pgettext_lazy("outcome", "不予受理"), domain.application_refuse, "refuse",
                inputs.ReasonInput, forms.RefuseForm, notice=Notice.REFUSAL_NOTICE),
    ),
)
SUPPLEMENT = StepDef(
    name="supplement", title=_("补正"), permission=APPLICANT_PERMISSION, applicant=True,
    clock=Clock.APPLICANT, limit="supplement_days", statuses=(S.SUPPLEMENT_REQUESTED,),
    lapse=Outcome("lapse", _("逾期未补正，视为放弃"), domain.supplement_lapse, "deem_abandoned", inputs.LapseInput),
    outcomes=(
        Outcome("resubmit", _("已答复"), domain.supplement_answer, "resubmit", inputs.AnswerInput,
                checks=(documents.supplement_answer_check,)),
    ),
)
REVIEW = StepDef(
    name="review", title=_("技术评审"), permission="approvals.review_application",
    clock=Clock.REVIEW, limit="review_days", statuses=(S.ACCEPTED,), resumes_after="rectification",
    outcomes=(
        Outcome("pass", _("评审通过"), domain.review_pass, "pass_review", inputs.ReviewInput, forms.ReviewPassForm),
        Outcome("rectify", _("要求整改"), domain.rectification_request, "request_rectification",
                inputs.RectifyInput, forms.RectifyForm, stops_clock=True),
        Outcome("fail", _("评审不通过"), domain.review_fail, "fail_review", inputs.ReviewFailInput,
                forms.ReviewFailForm),
    ),
)
RECTIFICATION = StepDef(
    name="rectification", title=_("整改"), permission=APPLICANT_PERMISSION, applicant=True,
    clock=Clock.APPLICANT, limit="rectification_days", statuses=(S.RECTIFICATION,),
    lapse=Outcome("lapse", _("逾期未整改，判定为不符合"), domain.rectification_lapse, "lapse_rectification",
                  inputs.LapseInput),
    outcomes=(
        Outcome("resubmit", _("已答复"), domain.rectification_submit, "submit_rectification", inputs.AnswerInput,
                checks=(answers.rectification_answer_check,)),
    ),
)
DECIDE = StepDef(
    name="decide", title=_("审批决定"), permission="approvals.decide_application",
    clock=Clock.APPROVAL, limit="decision_days", statuses=(S.REVIEW_PASSED, S.REVIEW_FAILED, S.AWAITING_DECISION),
    outcomes=(
        Outcome("approve", _("准予许可"), domain.decision_approve, "approve", inputs.CommentInput,
                forms.ApproveForm, notice=Notice.DECISION_LETTER),
        Outcome("approve_partially", _("部分准予许可"), domain.decision_approve_partially, "approve_partially",
                inputs.ApprovePartiallyInput, forms.ApprovePartiallyForm, notice=Notice.DECISION_LETTER),
        Outcome("deny", pgettext_lazy("outcome", "不予许可"), domain.decision_deny, "deny", inputs.ReasonInput,
                forms.DenyForm, notice=Notice.DECISION_LETTER),
    ),
)
ISSUE = StepDef(
    name="issue", title=_("发证"), permission="approvals.issue_certificate",
    clock=Clock.APPROVAL, limit="issue_days", statuses=(S.APPROVED, S.PARTIALLY_APPROVED),
    outcomes=(
        Outcome("issue", _("已发证"), domain.licence_issue, "certify", inputs.NoInput, forms.IssueForm,
                notice=Notice.CERTIFICATE),
    ),
)
DECIDE_CANCELLATION = StepDef(
    name="decide_cancellation", title=_("注销决定"), permission="approvals.decide_application",
    clock=Clock.APPROVAL, limit="decision_days", statuses=(S.AWAITING_DECISION,),
    outcomes=(
        Outcome("approve", _("准予注销"), domain.cancellation_approve, "approve", inputs.CommentInput,
                forms.CancelApproveForm, checks=(documents.certificate_documents,), notice=Notice.DECISION_LETTER),
        Outcome("deny", _("不予注销"), domain.decision_deny, "deny", inputs.ReasonInput, forms.CancelDenyForm,
                notice=Notice.DECISION_LETTER),
    ),
)
VERIFICATION = StepDef(
    name="verification", title=_("告知承诺核查"), permission="approvals.review_application",
    clock=Clock.VERIFICATION, limit="verification_months", statuses=(S.CERTIFIED,),
    outcomes=(
        Outcome("confirm", _("核查属实"), domain.commitment_confirm, "confirm_commitment", inputs.CommentInput,
                forms.CommitmentConfirmForm),
        Outcome("false_commitment", _("承诺不实，撤销许可"), domain.commitment_false, "revoke_false_commitment",
                inputs.ReasonInput, forms.FalseCommitmentForm, checks=(documents.certificate_documents,)),
    ),
)

STEPS: dict[str, StepDef] = {
    step.name: step
    for step in (ACCEPT, SUPPLEMENT, REVIEW, RECTIFICATION, DECIDE, ISSUE, DECIDE_CANCELLATION, VERIFICATION)
}
APPLICANT_STEPS = frozenset(name for name, step in STEPS.items() if step.applicant)
OFFICIAL_PERMISSIONS = frozenset(step.permission for step in STEPS.values() if not step.applicant)


def step(name: str) -> StepDef | None:
    """The declaration of a step by its node name (None for a name no procedure has)."""
    return STEPS.get(name)


def limit_days(rule_set, name: str) -> int | None:
    """The statutory limit of step ``name`` under ``rule_set`` (None: no such step or no limit)."""
    declared = STEPS.get(name)
    return declared.limit_days(rule_set) if declared else None


def title(name: str) -> str:
    declared = STEPS.get(name)
    return str(declared.title) if declared else name


def outcome_label(step_name: str, outcome: str) -> str:
    declared = STEPS.get(step_name)
    found = declared.outcome(outcome) if declared else None
    if found is None and declared is not None and declared.lapse is not None and declared.lapse.name == outcome:
        found = declared.lapse
    return str(found.label) if found else outcome
