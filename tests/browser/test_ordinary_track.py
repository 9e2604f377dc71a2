"""An applicant drafts and submits in a real browser; an acceptance officer finds it and accepts it."""

import re

import pytest
from playwright.sync_api import expect

from approvals.models import Application
from approvals.models import ApplicationStatus as S
from tests.documents.factories import pdf_bytes, supply_documents
from tests.factories import DEFAULT_PASSWORD
from workflows.models import Step

# serialized_rollback: the live server needs real commits, and the flush afterwards must not take
# the rule sets seeded by migrations away from the tests that follow.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def settled(page) -> None:
    """Wait until the page has no request in flight (its notifications count is fetched after load):
    on SQLite the live server's threads share one in-memory database connection, and the test's own
    writes or the next page's request would otherwise meet that read ("database table is locked",
    "cannot start a transaction within a transaction") instead of waiting."""
    page.wait_for_load_state("networkidle")


def sign_in(page, username):
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="登录").click()
    settled(page)  # the signed-in page's own requests, before the test's next request or write


def sign_out(page):
    page.get_by_role("button", name="退出登录").click()
    expect(page.get_by_role("link", name="登录").first).to_be_visible()


def test_applicant_submits_and_officer_accepts(page, screenshot, applicant, acceptor, reviewer):
    # --- the applicant: sign in, draft with two scope rows, submit ---------------------------------
    sign_in(page, "applicant")
    expect(page).to_have_url(re.compile(r"/applications/$"))
    expect(page.get_by_role("heading", name="我的申请")).to_be_visible()
    expect(page.locator(".account")).to_contain_text(applicant.agency.name)

    page.get_by_role("link", name="新建申请").first.click()
    page.get_by_label("检验检测场所地址").fill("贵州省贵阳市观山湖区长岭北路1号实验楼")
    page.get_by_label("授权签字人").fill("王五 技术负责人 食品")
    expect(page.locator('[data-formset="changes"]')).to_be_hidden()  # a first application lists no changes
    rows = page.locator('[data-formset="scope"] [data-rows] > [data-row]')
    expect(rows).to_have_count(2)
    for index, (item, parameter, standard) in enumerate(
        [("食用植物油", "酸价", "GB 5009.229-2016"), ("食用植物油", "过氧化值", "GB 5009.227-2016")]
    ):
        row = rows.nth(index)
        row.get_by_label("类别（产品/项目/参数）").fill("食品")
        row.get_by_label("检测对象/项目").fill(item)
        row.get_by_label("参数", exact=True).fill(parameter)
        row.get_by_label("依据的标准（方法）名称及编号").fill(standard)
    # The "add a row" and "delete" buttons work in place: a third row is added, then removed again.
    page.get_by_role("button", name="＋ 添加一行").click()
    expect(rows).to_have_count(3)
    rows.nth(2).get_by_label("检测对象/项目").fill("不要的行")
    rows.nth(2).get_by_role("button", name="删除").click()
    expect(rows.nth(2)).to_be_hidden()
    page.get_by_label("对申请材料真实性负责的声明").check()
    screenshot("1-draft-form")
    page.get_by_role("button", name="保存草稿").click()

    expect(page.get_by_text("草稿已保存")).to_be_visible()
    application = Application.objects.get(agency=applicant.agency)
    assert list(application.scope_items.values_list("parameter", flat=True)) == ["酸价", "过氧化值"]
    expect(page.locator("[data-section=scope] tbody tr")).to_have_count(2)
    # --- documents: the card lists what is missing; upload one through the page, the rest as files
    expect(page.locator("[data-section=documents] [data-missing]")).to_have_count(7)
    page.locator("[data-action=documents]").click()
    row = page.locator("#req-premises")
    row.locator("input[type=file]").set_input_files(
        {"name": "场所平面图.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}
    )
    row.get_by_role("button", name=re.compile("^上传")).click()
    expect(page.get_by_text("材料已上传")).to_be_visible()
    expect(page.locator("#req-premises")).to_have_attribute("data-state", "provided")
    screenshot("1b-documents")
    supply_documents(application, skip=("premises",))
    page.get_by_role("link", name="返回申请").click()
    expect(page.locator("[data-section=documents] [data-missing]")).to_have_count(0)
    page.get_by_role("button", name="提交申请").click()
    page.get_by_role("dialog").get_by_role("button", name="提交申请").click()
    expect(page.get_by_text("申请已提交，等待受理")).to_be_visible()
    expect(page.locator("[data-status]")).to_have_text("已提交，待受理")
    expect(page.locator("[data-transition=submit]")).to_contain_text("提交申请")
    screenshot("2-application-submitted")
    application.refresh_from_db()
    assert application.status == S.SUBMITTED
    sign_out(page)

    # --- the acceptance officer: queue, claim, accept with a review leader ----------------------
    sign_in(page, "acceptor")
    expect(page.get_by_role("heading", name="我的待办")).to_be_visible()
    page.get_by_role("link", name="待认领").first.click()
    row = page.locator("[data-queue=queue] tbody tr", has_text=application.reference)
    expect(row).to_contain_text(applicant.agency.name)
    expect(row).to_contain_text("受理")
    screenshot("3-claimable-queue")
    row.get_by_role("button", name="认领").click()

    expect(page.get_by_role("heading", name=re.compile("受理"))).to_contain_text(application.reference)
    expect(page.locator("[data-section=scope] tbody tr")).to_have_count(2)
    expect(page.locator("[data-section=summary]")).to_contain_text(applicant.agency.credit_code)
    accept = page.locator("details[data-outcome=accept]")
    expect(accept).to_have_attribute("open", "")
    accept.get_by_label("评审组长").select_option(str(reviewer.pk))
    accept.get_by_label("评审员").fill("王五、赵六")
    accept.get_by_label("受理意见").fill("材料齐全，予以受理")
    screenshot("4-task-page")
    accept.get_by_role("button", name="受理").click()
    page.get_by_role("dialog").get_by_role("button", name="受理").click()

    expect(page.get_by_text(f"{application.reference}：“受理”已办结")).to_be_visible()
    application.refresh_from_db()
    assert application.status == S.ACCEPTED and application.review_leader == reviewer
    accepted = application.steps.get(node="accept")
    assert accepted.state == Step.State.DONE and accepted.finished_by == acceptor and accepted.opened_at is not None
    assert application.steps.get(node="review").claimed_by == reviewer

    page.goto(f"/applications/{application.pk}/")
    expect(page.locator("[data-status]")).to_have_text("已受理，技术评审中")
    expect(page.locator("[data-transition=accept]")).to_contain_text("材料齐全，予以受理")
    screenshot("5-application-accepted")
