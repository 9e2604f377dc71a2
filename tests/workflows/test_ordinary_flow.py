"""Every branch of the ordinary track, driven through the services (no HTTP)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from viewflow.workflow.status import PROCESS, STATUS

from approvals.exceptions import TransitionRefused
from approvals.models import ApplicationStatus as S
from approvals.models import Certificate, StatusChange
from documents.services import document_upload
from tests.documents.factories import pdf_bytes, upload
from workflows import services
from workflows.exceptions import TaskConflict
from workflows.models import Step

from .helpers import complete, open_step, to_decision, to_review

pytestmark = pytest.mark.django_db


def nodes(application):
    return list(application.steps.order_by("entered_at", "id").values_list("node", "outcome"))


def test_submit_starts_the_flow_with_an_acceptance_task(draft, applicant):
    services.application_submit(application=draft, by=applicant)
    draft.refresh_from_db()
    assert draft.status == S.SUBMITTED
    assert draft.rule_set.code == "national-2021"
    step = open_step(draft, "accept")
    assert step.state == Step.State.OPEN and step.permission == "approvals.accept_application"
    assert step.task.status == STATUS.NEW


def test_happy_path_ends_with_a_numbered_six_year_certificate(draft, applicant, acceptor, reviewer, approver, issuer):
    to_decision(draft, applicant, acceptor, reviewer)
    complete(draft, "decide", approver, "approve", comment="符合条件")
    complete(draft, "issue", issuer, "issue")
    assert draft.status == S.CERTIFIED
    cert = Certificate.objects.get(application=draft)
    assert len(cert.number) == 12 and cert.number.isdigit()
    assert cert.number[2:4] == "24" and cert.number[4:6] == "20" and cert.number[8:] == "0001"
    assert (cert.expires_on.year - cert.issued_on.year) == 6
    assert [item["seq"] for item in cert.scope] == [1, 2, 3]
    assert draft.process.status == PROCESS.DONE
    assert nodes(draft) == [("accept", "accept"), ("review", "pass"), ("decide", "approve"), ("issue", "issue")]
    audit = list(StatusChange.objects.filter(application=draft).values_list("source", "target", "by__username"))
    assert audit == [
        ("draft", "submitted", "applicant"),
        ("submitted", "accepted", "acceptor"),
        ("accepted", "review_passed", "reviewer"),
        ("review_passed", "approved", "approver"),
        ("approved", "certified", "issuer"),
    ]


def test_supplement_loops_back_to_acceptance(draft, applicant, acceptor):
    services.application_submit(application=draft, by=applicant)
    complete(draft, "accept", acceptor, "supplement", deficiencies=[
        {"description": "缺少人员证明", "document_code": "personnel"},
        {"description": "质量手册未受控"},
    ])
    assert draft.status == S.SUPPLEMENT_REQUESTED
    assert draft.deficiencies.filter(kind="supplement", round=1).count() == 2
    step = open_step(draft, "supplement")
    assert step.agency_id == applicant.agency_id
    document_upload(application=draft, by=applicant, requirement="personnel", file=upload(pdf_bytes(), "人员.pdf"))
    complete(draft, "supplement", applicant, "resubmit", comment="已补充全部材料")
    assert draft.status == S.SUBMITTED
    assert not draft.deficiencies.filter(resolved_at__isnull=True).exists()
    complete(draft, "accept", acceptor, "accept")
    assert draft.status == S.ACCEPTED
    assert nodes(draft)[:3] == [("accept", "supplement"), ("supplement", "resubmit"), ("accept", "accept")]


def test_supplement_without_defects_is_refused_and_nothing_changes(draft, applicant, acceptor):
    services.application_submit(application=draft, by=applicant)
    with pytest.raises(ValidationError):
        complete(draft, "accept", acceptor, "supplement", deficiencies=[])
    draft.refresh_from_db()
    assert draft.status == S.SUBMITTED
    step = open_step(draft, "accept")
    assert step.state == Step.State.OPEN and step.task.status == STATUS.NEW  # the auto-claim rolled back


def test_refusal_needs_a_reason_and_ends_the_flow(draft, applicant, acceptor):
    services.application_submit(application=draft, by=applicant)
    with pytest.raises(ValidationError):
        complete(draft, "accept", acceptor, "refuse", comment="  ")
    complete(draft, "accept", acceptor, "refuse", comment="不属于本机关管辖")
    assert draft.status == S.REFUSED
    assert draft.process.status == PROCESS.DONE
    assert not Step.objects.active().filter(application=draft).exists()


def test_rectification_loops_back_to_review(draft, applicant, acceptor, reviewer):
    to_review(draft, applicant, acceptor)
    complete(draft, "review", reviewer, "rectify", review_mode="onsite", findings=[
        {"description": "设备未检定", "clause": "4.4.2", "grade": "general"},
    ])
    assert draft.status == S.RECTIFICATION
    complete(draft, "rectification", applicant, "resubmit", comment="已完成检定，附证书")
    assert draft.status == S.ACCEPTED
    complete(draft, "review", reviewer, "pass")
    assert draft.status == S.REVIEW_PASSED
    assert open_step(draft, "decide")


def test_failed_review_goes_to_a_decision_that_can_only_deny(draft, applicant, acceptor, reviewer, approver):
    to_review(draft, applicant, acceptor)
    complete(draft, "review", reviewer, "fail", comment="管理体系未有效运行")
    assert draft.status == S.REVIEW_FAILED
    with pytest.raises(TransitionRefused):
        complete(draft, "decide", approver, "approve")
    complete(draft, "decide", approver, "deny", comment="技术评审不通过")
    assert draft.status == S.DENIED
    assert draft.process.status == PROCESS.DONE
    assert not Certificate.objects.filter(application=draft).exists()


def test_partial_approval_certifies_only_the_approved_items(draft, applicant, acceptor, reviewer, approver, issuer):
    to_decision(draft, applicant, acceptor, reviewer)
    with pytest.raises(ValidationError):  # refusing every item is a denial, not a partial approval
        complete(draft, "decide", approver, "approve_partially", comment="部分不符合",
                 refused_items={1: "x", 2: "y", 3: "z"})
    complete(draft, "decide", approver, "approve_partially", comment="部分不符合", refused_items={2: "方法未验证"})
    assert draft.status == S.PARTIALLY_APPROVED
    complete(draft, "issue", issuer, "issue")
    cert = Certificate.objects.get(application=draft)
    assert [item["seq"] for item in cert.scope] == [1, 3]


def test_review_leader_named_at_acceptance_gets_the_task_directly(draft, applicant, acceptor, reviewer):
    services.application_submit(application=draft, by=applicant)
    complete(draft, "accept", acceptor, "accept", review_leader=reviewer.pk, review_experts="王五、赵六")
    step = open_step(draft, "review")
    assert step.state == Step.State.CLAIMED and step.claimed_by == reviewer
    assert step.task.owner == reviewer


def test_review_leader_must_be_a_reviewer(draft, applicant, acceptor, approver):
    services.application_submit(application=draft, by=applicant)
    with pytest.raises(ValidationError):
        complete(draft, "accept", acceptor, "accept", review_leader=approver.pk)


def test_wrong_role_may_not_complete(draft, applicant, reviewer):
    services.application_submit(application=draft, by=applicant)
    with pytest.raises(PermissionDenied):
        complete(draft, "accept", reviewer, "accept")
    with pytest.raises(PermissionDenied):
        complete(draft, "accept", applicant, "accept")


def test_other_agency_may_not_answer_a_supplement(draft, applicant, applicant2, acceptor):
    services.application_submit(application=draft, by=applicant)
    complete(draft, "accept", acceptor, "supplement", deficiencies=[{"description": "缺材料"}])
    with pytest.raises(PermissionDenied):
        complete(draft, "supplement", applicant2, "resubmit", comment="x")


def test_unknown_outcome_is_a_validation_error(draft, applicant, acceptor):
    services.application_submit(application=draft, by=applicant)
    with pytest.raises(ValidationError):
        complete(draft, "accept", acceptor, "approve")


def test_claim_release_and_conflicts(draft, applicant, acceptor):
    other = type(acceptor).objects.create_user("acceptor2")
    other.groups.add(*acceptor.groups.all())
    services.application_submit(application=draft, by=applicant)
    step = open_step(draft, "accept")
    services.task_claim(task_id=step.task_id, by=acceptor)
    with pytest.raises(TaskConflict):
        services.task_claim(task_id=step.task_id, by=other)
    with pytest.raises(TaskConflict):
        services.task_complete(task_id=step.task_id, by=other, outcome="accept")
    with pytest.raises(PermissionDenied):
        services.task_release(task_id=step.task_id, by=other)
    services.task_release(task_id=step.task_id, by=acceptor)
    step.refresh_from_db()
    assert step.state == Step.State.OPEN and step.claimed_by is None
    services.task_complete(task_id=step.task_id, by=other, outcome="accept")
    with pytest.raises(TaskConflict):
        services.task_complete(task_id=step.task_id, by=other, outcome="accept")


def test_withdraw_cancels_the_open_tasks(draft, applicant, acceptor):
    to_review(draft, applicant, acceptor)
    services.application_withdraw(application=draft, by=applicant, reason="暂不申请")
    draft.refresh_from_db()
    assert draft.status == S.WITHDRAWN
    assert draft.process.status == PROCESS.CANCELED
    assert not Step.objects.active().filter(application=draft).exists()
    assert draft.steps.get(node="review").state == Step.State.CANCELLED


def test_certificate_serials_increase_per_prefix(applicant, acceptor, reviewer, approver, issuer):
    from tests.factories import ApplicationFactory

    numbers = []
    for _ in range(2):
        app = ApplicationFactory(agency=applicant.agency, created_by=applicant)
        to_decision(app, applicant, acceptor, reviewer)
        complete(app, "decide", approver, "approve")
        complete(app, "issue", issuer, "issue")
        numbers.append(app.certificate.number)
    assert [n[-4:] for n in numbers] == ["0001", "0002"] and numbers[0][:8] == numbers[1][:8]
