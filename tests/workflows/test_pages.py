"""Pages that drive the flow: the application page (submit, withdraw, answer), the queues and the
task pages, for every role — and the agency boundary through every one of them."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from approvals.models import ApplicationStatus as S
from approvals.models import Certificate, Deficiency, StatusChange
from documents.services import document_upload
from prepared import readable
from tests.documents.factories import pdf_bytes, upload
from tests.factories import ApplicationFactory, UserFactory
from tests.pages import client_for, formset_data, text
from workflows import services
from workflows.models import Step

from .helpers import complete, open_step, to_decision, to_review

pytestmark = pytest.mark.django_db


def task_url(step, action=""):
    name = {"": "task_detail", "claim": "task_claim", "release": "task_release", "complete": "task_complete"}[action]
    return reverse(f"workflows:{name}", args=[step.task_id])


def app_url(application, name="application_detail"):
    return reverse(f"workflows:{name}", args=[application.pk])


def submitted(draft, applicant):
    services.application_submit(application=draft, by=applicant)
    draft.refresh_from_db()
    return draft


def rows(prefix, items):
    return formset_data(f"{prefix}-rows", items)


# --- application page ----------------------------------------------------------------------------
def test_submit_from_the_detail_page_starts_the_flow(applicant, draft):
    client = client_for(applicant)
    page = text(client.get(app_url(draft)))
    assert 'data-action="submit"' in page and "这是草稿" in page
    response = client.post(app_url(draft, "application_submit"))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == S.SUBMITTED and open_step(draft, "accept").state == Step.State.OPEN
    page = text(client.get(app_url(draft)))
    assert "申请已提交，等待受理" in page and 'data-status="submitted"' in page
    assert 'data-transition="submit"' in page and 'data-step="accept"' in page
    assert 'data-action="submit"' not in page


def test_an_incomplete_draft_lists_every_missing_item_at_once(applicant):
    draft = ApplicationFactory(agency=applicant.agency, created_by=applicant, scope=0, declaration=False, test_sites=" ")
    response = client_for(applicant).post(app_url(draft, "application_submit"))
    assert response.status_code == 400
    page = text(response)
    for message in ("请确认对申请材料真实性负责的声明", "请至少填写一项检验检测能力", "请填写检验检测场所地址"):
        assert message in page
    draft.refresh_from_db()
    assert draft.status == S.DRAFT and not Step.objects.filter(application=draft).exists()
    assert not StatusChange.objects.filter(application=draft).exists()


def test_submitting_twice_is_a_conflict(applicant, draft):
    client = client_for(applicant)
    client.post(app_url(draft, "application_submit"))
    response = client.post(app_url(draft, "application_submit"))
    assert response.status_code == 409 and "不允许此操作" in text(response)
    assert Step.objects.filter(application=draft).count() == 1


def test_officials_may_not_submit_or_withdraw_for_an_agency(acceptor, applicant, draft):
    client = client_for(acceptor)
    assert client.get(app_url(draft)).status_code == 404  # a draft is the agency's own until submitted
    assert client.post(app_url(draft, "application_submit")).status_code == 404
    draft.refresh_from_db()
    assert draft.status == S.DRAFT
    submitted(draft, applicant)
    assert client.get(app_url(draft)).status_code == 200  # officials see every submitted application
    assert client.post(app_url(draft, "application_withdraw")).status_code == 403
    draft.refresh_from_db()
    assert draft.status == S.SUBMITTED


def test_withdraw_asks_for_confirmation_then_cancels_the_tasks(applicant, draft):
    submitted(draft, applicant)
    client = client_for(applicant)
    confirm = client.get(app_url(draft, "application_withdraw"))
    assert 'data-action="withdraw"' in text(confirm)
    draft.refresh_from_db()
    assert draft.status == S.SUBMITTED  # a GET changes nothing
    response = client.post(app_url(draft, "application_withdraw"), {"reason": "暂不申请"})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == S.WITHDRAWN
    assert StatusChange.objects.filter(application=draft, transition="withdraw", comment="暂不申请").exists()
    assert not Step.objects.active().filter(application=draft).exists()


def test_withdraw_after_the_decision_is_a_conflict(draft, applicant, acceptor, reviewer, approver):
    to_decision(draft, applicant, acceptor, reviewer)
    complete(draft, "decide", approver, "approve")
    client = client_for(applicant)
    assert client.get(app_url(draft, "application_withdraw")).status_code == 302
    response = client.post(app_url(draft, "application_withdraw"))
    assert response.status_code == 409 and "不允许此操作" in text(response)
    draft.refresh_from_db()
    assert draft.status == S.APPROVED


def test_detail_shows_the_timeline_with_who_when_and_comments(draft, applicant, acceptor):
    submitted(draft, applicant)
    complete(draft, "accept", acceptor, "refuse", comment="不属于本机关管辖范围")
    page = text(client_for(applicant).get(app_url(draft)))
    assert "不属于本机关管辖范围" in page and "acceptor" in page
    assert page.index('data-transition="submit"') < page.index('data-transition="refuse"')
    assert "不予受理" in page


# --- the agency boundary: applicant2 can neither see nor act on applicant's application -----------
def test_another_agency_can_neither_see_nor_act_through_any_page(draft, applicant, applicant2, acceptor):
    submitted(draft, applicant)
    complete(draft, "accept", acceptor, "supplement", deficiencies=[{"description": "缺少人员证明"}])
    step = open_step(draft, "supplement")
    accept_step = draft.steps.get(node="accept")
    client = client_for(applicant2)

    listing = text(client.get(reverse("approvals:application_list")))
    assert draft.reference not in listing
    for url in (app_url(draft), app_url(draft, "application_withdraw"), app_url(draft, "application_answer"),
                task_url(step), task_url(accept_step)):
        response = client.get(url)
        assert response.status_code == 404, url
        assert draft.reference not in text(response) and "缺少人员证明" not in text(response)
    for url, data in ((app_url(draft, "application_submit"), {}), (app_url(draft, "application_withdraw"), {}),
                      (app_url(draft, "application_answer"), {"response": "冒充答复"}),
                      (task_url(step, "claim"), {}), (task_url(step, "release"), {}),
                      (task_url(step, "complete"), {"outcome": "resubmit", "comment": "冒充"})):
        assert client.post(url, data).status_code == 404, url
    assert "缺少人员证明" not in text(client.get(reverse("workflows:claimable")))

    draft.refresh_from_db()
    step.refresh_from_db()
    assert draft.status == S.SUPPLEMENT_REQUESTED
    assert step.state == Step.State.OPEN and step.claimed_by is None
    assert not Deficiency.objects.filter(application=draft).exclude(response="").exists()
    assert not StatusChange.objects.filter(application=draft, by=applicant2).exists()


# --- answering supplement and rectification -------------------------------------------------------
def test_the_applicant_answers_a_supplement_notice_listing_every_defect(draft, applicant, acceptor):
    submitted(draft, applicant)
    complete(draft, "accept", acceptor, "supplement", comment="请补正",
             deficiencies=[{"description": "缺少人员证明", "document_code": "personnel"}, {"description": "质量手册未受控"}])
    client = client_for(applicant)
    listing = text(client.get(reverse("approvals:application_list")))
    assert app_url(draft, "application_answer") in listing
    page = text(client.get(app_url(draft, "application_answer")))
    assert "缺少人员证明" in page and "质量手册未受控" in page and "一次性告知" in page
    # The defect names its document as the applicant knows it, never by its catalogue code.
    assert "人员名单及劳动关系证明" in page
    empty = client.post(app_url(draft, "application_answer"), {"response": "  "})
    assert empty.status_code == 400
    draft.refresh_from_db()
    assert draft.status == S.SUPPLEMENT_REQUESTED
    # the notice sent the personnel document back: answering needs a new one
    assert "人员名单及劳动关系证明" in text(client.post(app_url(draft, "application_answer"), {"response": "已补充"}))
    document_upload(application=draft, by=applicant, requirement="personnel", file=upload(pdf_bytes(2), "人员.pdf"))
    response = client.post(app_url(draft, "application_answer"), {"response": "已补充人员证明和受控手册"})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == S.SUBMITTED
    assert set(draft.deficiencies.values_list("response", flat=True)) == {"已补充人员证明和受控手册"}
    assert open_step(draft, "accept")
    assert "已补充人员证明和受控手册" in text(client.get(app_url(draft)))
    again = client.post(app_url(draft, "application_answer"), {"response": "再答一次"})
    assert again.status_code == 409


def test_the_applicant_answers_a_rectification_and_the_review_resumes(draft, applicant, acceptor, reviewer):
    to_review(draft, applicant, acceptor)
    complete(draft, "review", reviewer, "rectify", review_mode="onsite",
             findings=[{"clause": "4.4.2", "grade": "general", "description": "设备未检定"}])
    client = client_for(applicant)
    page = text(client.get(app_url(draft)))
    assert "提交整改报告" in page and "4.4.2" in page and "设备未检定" in page
    step = open_step(draft, "rectification")
    assert client.get(task_url(step)).url == app_url(draft, "application_answer")
    report = SimpleUploadedFile("整改报告.pdf", pdf_bytes(2), "application/pdf")
    client.post(app_url(draft, "application_answer"), {"response": "已完成检定", "report": report})
    draft.refresh_from_db()
    assert draft.status == S.ACCEPTED and open_step(draft, "review")


# --- queues ---------------------------------------------------------------------------------------
def test_queues_by_role_and_claim_release(draft, applicant, acceptor, reviewer):
    submitted(draft, applicant)
    step = open_step(draft, "accept")
    acceptor_client = client_for(acceptor)
    queue = text(acceptor_client.get(reverse("workflows:claimable")))
    assert draft.reference in queue and task_url(step, "claim") in queue
    assert draft.reference not in text(client_for(reviewer).get(reverse("workflows:claimable")))
    assert draft.reference not in text(acceptor_client.get(reverse("workflows:inbox")))

    response = acceptor_client.post(task_url(step, "claim"))
    assert response.url == task_url(step)
    step.refresh_from_db()
    assert step.state == Step.State.CLAIMED and step.claimed_by == acceptor
    assert draft.reference in text(acceptor_client.get(reverse("workflows:inbox")))
    assert draft.reference not in text(acceptor_client.get(reverse("workflows:claimable")))

    acceptor_client.post(task_url(step, "release"))
    step.refresh_from_db()
    assert step.state == Step.State.OPEN and step.claimed_by is None


def test_claiming_a_task_someone_else_took_is_a_conflict(draft, applicant, acceptor):
    submitted(draft, applicant)
    step = open_step(draft, "accept")
    other = UserFactory(username="acceptor2", role="acceptor")
    services.task_claim(task_id=step.task_id, by=other)
    response = client_for(acceptor).post(task_url(step, "claim"))
    assert response.status_code == 409 and "已被他人认领" in text(response)
    assert "由 acceptor2 办理中" in text(response)
    step.refresh_from_db()
    assert step.claimed_by == other


@pytest.mark.parametrize("queue", ["claimable", "inbox"])
def test_queue_pages_take_a_fixed_number_of_queries_and_page_by_keyset(queue, applicant, acceptor,
                                                                          django_assert_num_queries):
    client = client_for(acceptor)

    def add(count):
        for _ in range(count):
            application = ApplicationFactory(agency=applicant.agency, created_by=applicant, scope=1)
            services.application_submit(application=application, by=applicant)
            if queue == "inbox":
                services.task_claim(task_id=open_step(application, "accept").task_id, by=acceptor)

    url = reverse(f"workflows:{queue}")
    add(1)
    client.get(url)  # the permission set is cached from here on (approvals.permissions)
    # session, user, the page (steps, applications, agencies); a read has no request transaction
    with django_assert_num_queries(3):
        assert len(client.get(url).context["page"]) == 1
    add(24)
    with django_assert_num_queries(3) as captured:
        first = client.get(url)
    assert not any("COUNT(" in readable(query["sql"]) for query in captured.captured_queries)
    page = first.context["page"]
    assert len(page) == 20 and page.has_next and not page.has_previous
    due = [(step.due_date, step.pk) for step in page]
    assert due == sorted(due)  # soonest due first
    second = client.get(url, {"after": page.next_cursor}).context["page"]
    assert len(second) == 5 and not second.has_next
    assert {s.pk for s in page}.isdisjoint({s.pk for s in second})


def test_a_tampered_cursor_reads_as_the_first_page(acceptor):
    response = client_for(acceptor).get(reverse("workflows:claimable"), {"after": "!!not-a-cursor"})
    assert response.status_code == 200 and not response.context["page"].has_previous


# --- task pages -----------------------------------------------------------------------------------
def test_task_page_shows_the_application_and_records_the_first_opening(draft, applicant, acceptor):
    submitted(draft, applicant)
    step = open_step(draft, "accept")
    client = client_for(acceptor)
    page = text(client.get(task_url(step)))
    assert draft.agency.name in page and draft.agency.credit_code in page and "食品检测项目2" in page
    assert 'data-action="claim"' in page and 'data-outcome="accept"' not in page  # claim first
    step.refresh_from_db()
    assert step.opened_at is None  # only the holder's opening counts
    client.post(task_url(step, "claim"))
    page = text(client.get(task_url(step)))
    assert 'data-outcome="accept"' in page and 'data-outcome="supplement"' in page and 'data-outcome="refuse"' in page
    step.refresh_from_db()
    first = step.opened_at
    assert first is not None
    client.get(task_url(step))
    step.refresh_from_db()
    assert step.opened_at == first


def test_a_role_that_may_not_act_gets_403_and_the_monitor_too(draft, applicant, reviewer, monitor):
    submitted(draft, applicant)
    step = open_step(draft, "accept")
    for user in (reviewer, monitor, applicant):
        client = client_for(user)
        assert client.get(task_url(step)).status_code == 403
        assert client.post(task_url(step, "complete"), {"outcome": "accept"}).status_code == 403
    draft.refresh_from_db()
    assert draft.status == S.SUBMITTED


def test_accept_with_a_review_leader_sends_the_review_to_their_inbox(draft, applicant, acceptor, reviewer):
    submitted(draft, applicant)
    step = open_step(draft, "accept")
    client = client_for(acceptor)
    client.post(task_url(step, "claim"))
    page = text(client.get(task_url(step)))
    assert f'<option value="{reviewer.pk}">' in page
    response = client.post(task_url(step, "complete"), {
        "outcome": "accept", "accept-review_leader": str(reviewer.pk), "accept-review_experts": "王五、赵六",
        "accept-comment": "材料齐全",
    })
    assert response.url == reverse("workflows:inbox")
    draft.refresh_from_db()
    assert draft.status == S.ACCEPTED and draft.review_leader == reviewer and draft.review_experts == "王五、赵六"
    review = open_step(draft, "review")
    assert review.claimed_by == reviewer
    assert draft.reference in text(client_for(reviewer).get(reverse("workflows:inbox")))


def test_supplement_lists_every_defect_and_a_bad_post_keeps_everything(draft, applicant, acceptor):
    submitted(draft, applicant)
    step = open_step(draft, "accept")
    client = client_for(acceptor)
    client.post(task_url(step, "claim"))
    form = text(client.get(task_url(step)))
    assert '<option value="personnel">' in form  # defects name documents from the catalogue
    assert '<option value="legal_status">' not in form  # obtained by data sharing: never asked for
    empty = client.post(task_url(step, "complete"), {
        "outcome": "supplement", "supplement-comment": "请补正以下材料",
        **rows("supplement", [{"description": "", "document_code": ""}]),
    })
    assert empty.status_code == 400
    page = text(empty)
    assert "请逐项列明需要补正的问题" in page and "请补正以下材料" in page
    assert '<details class="outcome tone-warning" data-outcome="supplement" open>' in page
    assert not Deficiency.objects.exists()
    response = client.post(task_url(step, "complete"), {
        "outcome": "supplement", "supplement-comment": "请补正以下材料",
        **rows("supplement", [{"description": "缺少人员证明", "document_code": "personnel"},
                              {"description": "", "document_code": ""},
                              {"description": "删除的", "DELETE": True},
                              {"description": "质量手册未受控", "document_code": ""}]),
    })
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == S.SUPPLEMENT_REQUESTED
    assert list(draft.deficiencies.values_list("description", "document_code", "round")) == [
        ("缺少人员证明", "personnel", 1), ("质量手册未受控", "", 1)]


def test_refusal_without_a_reason_is_a_form_error(draft, applicant, acceptor):
    submitted(draft, applicant)
    step = open_step(draft, "accept")
    client = client_for(acceptor)
    client.post(task_url(step, "claim"))
    response = client.post(task_url(step, "complete"), {"outcome": "refuse", "refuse-comment": ""})
    assert response.status_code == 400 and "该字段是必填项" in text(response)
    draft.refresh_from_db()
    assert draft.status == S.SUBMITTED


def test_completing_a_task_taken_by_someone_else_is_409_and_keeps_the_input(draft, applicant, acceptor):
    submitted(draft, applicant)
    step = open_step(draft, "accept")
    other = UserFactory(username="acceptor2", role="acceptor")
    services.task_claim(task_id=step.task_id, by=other)
    response = client_for(acceptor).post(task_url(step, "complete"), {"outcome": "refuse", "refuse-comment": "我写的理由"})
    assert response.status_code == 409
    page = text(response)
    assert "已被他人认领" in page and "我写的理由" in page
    draft.refresh_from_db()
    assert draft.status == S.SUBMITTED and not StatusChange.objects.filter(by=acceptor).exists()


def test_review_rectify_with_findings_then_pass(draft, applicant, acceptor, reviewer):
    to_review(draft, applicant, acceptor)
    step = open_step(draft, "review")
    client = client_for(reviewer)
    client.post(task_url(step, "claim"))
    bad = client.post(task_url(step, "complete"), {
        "outcome": "rectify", "rectify-review_mode": "onsite",
        **rows("rectify", [{"clause": "4.4.2", "grade": "", "description": "设备未检定"}]),
    })
    assert bad.status_code == 400 and 'value="4.4.2"' in text(bad) and "设备未检定" in text(bad)
    client.post(task_url(step, "complete"), {
        "outcome": "rectify", "rectify-review_mode": "onsite", "rectify-comment": "30个工作日内整改",
        **rows("rectify", [{"clause": "4.4.2", "grade": "general", "description": "设备未检定"},
                           {"clause": "4.5.3", "grade": "serious", "description": "内审未覆盖全部要素"}]),
    })
    draft.refresh_from_db()
    assert draft.status == S.RECTIFICATION and draft.review_mode == "onsite"
    assert list(draft.deficiencies.values_list("clause", "grade")) == [("4.4.2", "general"), ("4.5.3", "serious")]
    complete(draft, "rectification", applicant, "resubmit", comment="已整改")
    step = open_step(draft, "review")
    client.post(task_url(step, "claim"))
    client.post(task_url(step, "complete"), {"outcome": "pass", "pass-review_mode": "onsite", "pass-comment": "符合"})
    draft.refresh_from_db()
    assert draft.status == S.REVIEW_PASSED and open_step(draft, "decide")


def test_partial_approval_with_per_item_reasons_then_issue(draft, applicant, acceptor, reviewer, approver, issuer):
    to_decision(draft, applicant, acceptor, reviewer)
    step = open_step(draft, "decide")
    client = client_for(approver)
    client.post(task_url(step, "claim"))
    page = text(client.get(task_url(step)))
    assert 'data-outcome="approve"' in page and 'data-item="3"' in page
    items = [{"seq": "1"}, {"seq": "2", "refuse": True, "reason": ""}, {"seq": "3"}]
    missing = client.post(task_url(step, "complete"), {"outcome": "approve_partially", "approve_partially-comment": "部分",
                                                       **rows("approve_partially", items)})
    assert missing.status_code == 400 and "不予许可的能力项须写明理由" in text(missing)
    items[1]["reason"] = "方法未验证"
    client.post(task_url(step, "complete"), {"outcome": "approve_partially", "approve_partially-comment": "部分不符合",
                                             **rows("approve_partially", items)})
    draft.refresh_from_db()
    assert draft.status == S.PARTIALLY_APPROVED
    assert list(draft.scope_items.values_list("seq", "approved", "refusal_reason")) == [
        (1, True, ""), (2, False, "方法未验证"), (3, True, "")]

    issue = open_step(draft, "issue")
    issuer_client = client_for(issuer)
    issuer_client.post(task_url(issue, "claim"))
    issuer_client.post(task_url(issue, "complete"), {"outcome": "issue"})
    certificate = Certificate.objects.get(application=draft)
    page = text(client_for(applicant).get(app_url(draft)))
    assert certificate.number in page and "方法未验证" in page


def test_after_a_failed_review_only_denial_is_offered_and_approval_is_409(draft, applicant, acceptor, reviewer, approver):
    to_review(draft, applicant, acceptor)
    complete(draft, "review", reviewer, "fail", comment="管理体系未有效运行")
    step = open_step(draft, "decide")
    client = client_for(approver)
    client.post(task_url(step, "claim"))
    page = text(client.get(task_url(step)))
    assert 'data-outcome="deny"' in page and 'data-outcome="approve"' not in page
    response = client.post(task_url(step, "complete"), {"outcome": "approve", "approve-comment": "x"})
    assert response.status_code == 409 and "不允许此办理结果" in text(response)
    client.post(task_url(step, "complete"), {"outcome": "deny", "deny-comment": "技术评审不通过"})
    draft.refresh_from_db()
    assert draft.status == S.DENIED and draft.decision_reason == "技术评审不通过"


def test_a_done_task_page_says_who_finished_it(draft, applicant, acceptor):
    submitted(draft, applicant)
    step = open_step(draft, "accept")
    complete(draft, "accept", acceptor, "accept")
    page = text(client_for(acceptor).get(task_url(step)))
    assert 'data-step-state="done"' in page and "已办结" in page and 'data-outcome=' not in page


def test_the_applicant_task_cannot_be_driven_through_the_officials_urls(draft, applicant, acceptor):
    submitted(draft, applicant)
    complete(draft, "accept", acceptor, "supplement", deficiencies=[{"description": "缺少人员证明"}])
    step = open_step(draft, "supplement")
    client = client_for(applicant)
    for action in ("claim", "release", "complete"):
        assert client.post(task_url(step, action), {"outcome": "resubmit", "comment": "x"}).status_code == 404
    step.refresh_from_db()
    assert step.state == Step.State.OPEN
    # An official following the link lands on the application, where the notice is visible.
    assert client_for(acceptor).get(task_url(step)).url == app_url(draft)


def test_claimable_holds_only_the_official_task_permissions_the_user_has(draft, applicant, acceptor, reviewer):
    from django.contrib.auth.models import Group

    from workflows import selectors

    other = ApplicationFactory(agency=applicant.agency, created_by=applicant)
    to_review(other, applicant, acceptor)  # a review task, queued (no leader named)
    submitted(draft, applicant)  # an acceptance task
    complete(draft, "accept", acceptor, "supplement", deficiencies=[{"description": "缺材料"}])  # → applicant's task
    both = UserFactory(username="both", role="acceptor")
    both.groups.add(Group.objects.get(name="reviewer"))
    assert sorted(s.node for s in selectors.claimable(user=both)) == ["review"]
    assert [s.node for s in selectors.claimable(user=reviewer)] == ["review"]
    assert not selectors.claimable(user=acceptor).exists()
    superuser = UserFactory(username="root", is_superuser=True)
    assert "supplement" not in {s.node for s in selectors.claimable(user=superuser)}
    assert [s.node for s in selectors.claimable(user=applicant)] == ["supplement"]
