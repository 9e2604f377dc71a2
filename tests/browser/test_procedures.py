"""The applicant files a renewal and then a change in a real browser; after the officials' decisions
the public check shows the new version of the same certificate, the older ones as superseded."""

from datetime import date

import pytest
from playwright.sync_api import expect

from approvals.models import Application, Certificate
from tests.documents.factories import supply_documents
from tests.factories import ApplicationFactory
from tests.timecontrol import at
from tests.workflows.helpers import complete, to_decision

from .test_ordinary_track import settled, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

IN_WINDOW = date(2026, 7, 1)  # issued 2021-06-15, it expires 2027-06-14: the window is 2026-06-14 … 2027-03-14


def submit_on_page(page, application: Application) -> None:
    page.goto(f"/applications/{application.pk}/")
    page.get_by_role("button", name="提交申请").click()
    page.get_by_role("dialog").get_by_role("button", name="提交申请").click()
    expect(page.get_by_text("申请已提交，等待受理")).to_be_visible()
    settled(page)


def test_a_renewal_and_a_change_filed_in_the_browser_show_as_new_versions_in_public(
        page, applicant, acceptor, reviewer, approver, issuer):
    with at(date(2021, 6, 15)):
        first = ApplicationFactory(agency=applicant.agency, created_by=applicant)
        to_decision(first, applicant, acceptor, reviewer)
        complete(first, "decide", approver, "approve")
        complete(first, "issue", issuer, "issue")
    certificate = Certificate.objects.get(application=first)
    number = certificate.number

    with at(IN_WINDOW):
        # --- 延续: the type shows the certificate field and the scope, not the changes ------------
        sign_in(page, "applicant")
        page.get_by_role("link", name="新建申请").first.click()
        page.get_by_label("申请类型").select_option("renewal")
        expect(page.locator('[data-formset="changes"]')).to_be_hidden()
        page.get_by_label("所涉证书编号").fill(f" {number[:6]} {number[6:]} ")  # typed with spaces
        page.get_by_label("检验检测场所地址").fill("贵州省贵阳市观山湖区长岭北路1号实验楼")
        row = page.locator('[data-formset="scope"] [data-rows] > [data-row]').first
        row.get_by_label("类别（产品/项目/参数）").fill("食品")
        row.get_by_label("检测对象/项目").fill("食用植物油")
        row.get_by_label("参数", exact=True).fill("酸价")
        row.get_by_label("依据的标准（方法）名称及编号").fill("GB 5009.229-2016")
        page.get_by_label("对申请材料真实性负责的声明").check()
        page.get_by_role("button", name="保存草稿").click()
        expect(page.get_by_text("草稿已保存")).to_be_visible()
        settled(page)
        renewal = Application.objects.get(application_type="renewal")
        assert renewal.subject_certificate == certificate
        supply_documents(renewal)
        submit_on_page(page, renewal)
        complete(renewal, "accept", acceptor, "accept")
        complete(renewal, "review", reviewer, "pass", review_mode="written")
        complete(renewal, "decide", approver, "approve")
        complete(renewal, "issue", issuer, "issue")

        # --- 变更: the changes rows, no scope -------------------------------------------------------
        page.goto("/applications/new/")
        page.get_by_label("申请类型").select_option("change")
        expect(page.locator('[data-formset="scope"]')).to_be_hidden()
        page.get_by_label("所涉证书编号").fill(number)
        change_row = page.locator('[data-formset="changes"] [data-rows] > [data-row]').first
        change_row.get_by_label("变更事项").select_option("name")
        change_row.get_by_label("变更后内容").fill("贵州更名检验检测有限公司")
        page.get_by_label("对申请材料真实性负责的声明").check()
        page.get_by_role("button", name="保存草稿").click()
        expect(page.get_by_text("草稿已保存")).to_be_visible()
        settled(page)
        change = Application.objects.get(application_type="change")
        assert change.changes == [{"kind": "name", "value": "贵州更名检验检测有限公司"}]
        supply_documents(change)
        submit_on_page(page, change)
        complete(change, "accept", acceptor, "accept")
        complete(change, "decide", approver, "approve")
        complete(change, "issue", issuer, "issue")

        # --- the public check: the current version and the history ----------------------------------
        page.goto(f"/verify/{number}/")
        expect(page.get_by_text("贵州更名检验检测有限公司").first).to_be_visible()
        expect(page.locator("[data-version]").first).to_have_attribute("data-version", "3")
        expect(page.get_by_text("2033-06-14").first).to_be_visible()  # renewed: six years after the old expiry
        page.goto(f"/verify/{number}/1/")
        expect(page.locator("[data-superseded]")).to_contain_text("被第2版取代")
    certificate.refresh_from_db()
    assert certificate.versions.count() == 3 and certificate.current.agency_name == "贵州更名检验检测有限公司"
