"""一次性告知 is one-time: a later supplement round may only concern what the applicant supplied or
changed in answer to an earlier round; every round is numbered and kept."""

import pytest
from django.core.exceptions import ValidationError

from approvals.models import ApplicationStatus as S
from approvals.models import Deficiency
from documents.services import document_upload
from tests.documents.factories import pdf_bytes, upload
from tests.workflows.helpers import complete
from workflows import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def answered_once(draft, applicant, acceptor):
    """Round 1 sent the personnel list back; the applicant supplied a new one and answered."""
    services.application_submit(application=draft, by=applicant)
    complete(draft, "accept", acceptor, "supplement", deficiencies=[
        {"description": "人员名单缺少职称", "document_code": "personnel"}])
    document_upload(application=draft, by=applicant, requirement="personnel", file=upload(pdf_bytes(2), "人员.pdf"))
    complete(draft, "supplement", applicant, "resubmit", comment="已补充职称")
    assert draft.status == S.SUBMITTED
    return draft


def test_a_second_notice_about_an_untouched_document_is_refused(answered_once, acceptor):
    with pytest.raises(ValidationError) as refused:
        complete(answered_once, "accept", acceptor, "supplement", deficiencies=[
            {"description": "设备清单未注明检定状态", "document_code": "equipment"}])
    (message,) = refused.value.message_dict["deficiencies[1]"]
    assert "一次性告知" in message and "第一次补正通知中一并告知" in message
    answered_once.refresh_from_db()
    assert answered_once.status == S.SUBMITTED  # nothing half-written
    assert list(Deficiency.objects.values_list("round", flat=True)) == [1]


def test_a_second_notice_without_naming_a_document_is_refused(answered_once, acceptor):
    with pytest.raises(ValidationError) as refused:
        complete(answered_once, "accept", acceptor, "supplement", deficiencies=[{"description": "其他问题"}])
    assert "第2轮补正只能针对" in refused.value.message_dict["deficiencies[1]"][0]


def test_a_second_notice_about_what_the_answer_supplied_is_allowed_and_both_rounds_are_kept(answered_once, acceptor):
    complete(answered_once, "accept", acceptor, "supplement", deficiencies=[
        {"description": "新提交的人员名单缺少签字", "document_code": "personnel"}])
    assert answered_once.status == S.SUPPLEMENT_REQUESTED
    rounds = list(Deficiency.objects.order_by("round").values_list("round", "document_code", "description"))
    assert rounds == [(1, "personnel", "人员名单缺少职称"), (2, "personnel", "新提交的人员名单缺少签字")]


def test_the_officials_page_shows_the_refusal_on_the_row(answered_once, acceptor, client):
    from django.urls import reverse

    from tests.workflows.helpers import open_step

    step = open_step(answered_once, "accept")
    changes = answered_once.status_changes.count()
    client.force_login(acceptor)
    response = client.post(reverse("workflows:task_complete", args=[step.task_id]), {
        "outcome": "supplement", "supplement-comment": "",
        "supplement-TOTAL_FORMS": "1", "supplement-INITIAL_FORMS": "0", "supplement-MIN_NUM_FORMS": "0",
        "supplement-MAX_NUM_FORMS": "1000", "supplement-0-description": "设备清单未注明检定状态",
        "supplement-0-document_code": "equipment",
    })
    assert response.status_code == 400 and "一次性告知" in response.content.decode()
    # refused after the transition and the notice's rows were written: the completion's own savepoint
    # took all of it back, the task taken on the way included, and the page's request went on
    answered_once.refresh_from_db()
    step.refresh_from_db()
    assert answered_once.status == S.SUBMITTED and step.state == "open" and step.claimed_by_id is None
    assert list(Deficiency.objects.values_list("round", flat=True)) == [1]
    assert answered_once.status_changes.count() == changes
