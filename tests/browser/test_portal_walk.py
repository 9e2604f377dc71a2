"""The applicant's walk in a real browser, on a desktop (1366 px) and on a phone (390 px):
sign in, draft a first application, complete the documents checklist by reusing what the agency
supplied before and uploading the rest, submit — in at most 12 clicks after signing in.

On every page of the walk: no horizontal scrollbar (``scrollWidth <= innerWidth``) and, through
axe-core (axe-playwright-python bundles it), no serious or critical accessibility violation; the same
for the public certificate check.
"""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from approvals.models import Application
from approvals.models import ApplicationStatus as S
from tests.documents.factories import pdf_bytes
from tests.documents.helpers import certify
from tests.factories import DEFAULT_PASSWORD, ApplicationFactory
from workflows import services as flow

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

VIEWPORTS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
AXE = Axe()


class Walk:
    """Counts the clicks, and checks each page it reaches for sideways scrolling and accessibility."""

    def __init__(self, page, viewport: str):
        self.page, self.viewport, self.clicks = page, viewport, 0
        self.checked: dict[str, list[str]] = {}

    def click(self, locator) -> None:
        locator.click()
        self.clicks += 1

    def check(self, name: str) -> None:
        page = self.page
        page.wait_for_load_state("load")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name} at {self.viewport}: {overflow}px of horizontal scroll"
        results = AXE.run(page)
        serious = [
            f"{v['id']} ({v['impact']}): {v['help']} — " + "; ".join(n["target"][0] for n in v["nodes"][:3])
            for v in results.response["violations"] if v["impact"] in ("serious", "critical")
        ]
        self.checked[name] = serious
        assert serious == [], f"{name} at {self.viewport}:\n" + "\n".join(serious)


@pytest.fixture
def earlier_application(applicant):
    """The agency's earlier, submitted application: its documents may be reused."""
    earlier = ApplicationFactory(agency=applicant.agency, created_by=applicant)
    flow.application_submit(application=earlier, by=applicant)
    return earlier


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_the_applicant_files_a_first_application_in_at_most_12_clicks(browser, live_server, applicant,
                                                                      earlier_application, viewport, screenshot):
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", viewport=VIEWPORTS[viewport],
                                  is_mobile=viewport == "phone", has_touch=viewport == "phone")
    context.set_default_timeout(15_000)
    page = context.new_page()
    walk = Walk(page, viewport)
    try:
        page.goto("/accounts/login/")
        walk.check("login")
        page.get_by_label("用户名").fill("applicant")
        page.get_by_label("密码").fill(DEFAULT_PASSWORD)
        page.get_by_role("button", name="登录").click()  # signing in is not counted
        expect(page.get_by_role("heading", name="我的申请")).to_be_visible()
        walk.check("my applications")

        # --- the draft: what people know, by name; one scope row -----------------------------------
        walk.click(page.get_by_role("link", name="新建申请").first)
        expect(page.get_by_label("检验检测领域", exact=True)).to_have_value("20")  # 综合, chosen by name
        walk.check("new application")
        page.get_by_label("检验检测场所地址").fill("贵州省贵阳市观山湖区长岭北路1号实验楼")
        page.get_by_label("授权签字人").fill("王五 技术负责人 食品")
        row = page.locator("[data-formset=scope] [data-rows] > [data-row]").first
        row.get_by_label("类别（产品/项目/参数）").fill("食品")
        row.get_by_label("检测对象/项目").fill("食用植物油")
        row.get_by_label("参数", exact=True).fill("酸价")
        row.get_by_label("依据的标准（方法）名称及编号").fill("GB 5009.229-2016")
        walk.click(page.get_by_label("对申请材料真实性负责的声明"))
        walk.click(page.get_by_role("button", name="保存草稿"))
        expect(page.get_by_text("草稿已保存")).to_be_visible()
        expect(page.locator("[data-section=progress] [aria-current=step]")).to_contain_text("提交申请")
        walk.check("draft")
        application = Application.objects.exclude(pk=earlier_application.pk).get(agency=applicant.agency)

        # --- the checklist: reuse everything still valid, upload the application form ---------------
        walk.click(page.locator("[data-next-action=documents]").get_by_role("link", name="上传申请材料"))
        walk.check("documents checklist")
        walk.click(page.get_by_role("button", name=re.compile("全部复用")))
        expect(page.get_by_text(re.compile("已复用 \\d+ 项此前提交的材料"))).to_be_visible()
        form_row = page.locator("#req-application_form")
        form_row.locator("input[type=file]").set_input_files(
            {"name": "资质认定申请书.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()})
        walk.click(form_row.get_by_role("button", name=re.compile("^上传")))
        expect(page.get_by_text("材料已上传：资质认定申请书.pdf")).to_be_visible()
        expect(page.locator("[data-checklist-summary]")).to_have_attribute("data-checklist-summary", "7/7")
        walk.check("documents complete")
        screenshot(f"walk-{viewport}-documents")

        # --- submit, confirming in the dialog ------------------------------------------------------
        walk.click(page.get_by_role("link", name="返回申请"))
        expect(page.locator("[data-next-action=submit]")).to_be_visible()
        walk.click(page.get_by_role("button", name="提交申请"))
        dialog = page.get_by_role("dialog")
        expect(dialog).to_contain_text("草稿不能再修改")
        walk.click(dialog.get_by_role("button", name="提交申请"))
        expect(page.get_by_text("申请已提交，等待受理")).to_be_visible()
        expect(page.locator("[data-section=progress] [aria-current=step]")).to_contain_text("受理")
        walk.check("submitted")
        screenshot(f"walk-{viewport}-submitted")

        application.refresh_from_db()
        assert application.status == S.SUBMITTED
        assert application.documents.filter(reused_from__isnull=False).count() == 6
        assert walk.clicks <= 12, walk.clicks

        page.goto("/applications/")
        expect(page.locator(f"[data-application='{application.pk}'] [data-progress]")).to_be_visible()
        walk.check("my applications, submitted")
    finally:
        context.close()


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_the_public_certificate_check_is_accessible(browser, live_server, settings, applicant, acceptor, reviewer,
                                                   approver, issuer, django_capture_on_commit_callbacks, viewport):
    settings.SITE_URL = live_server.url
    application = ApplicationFactory(agency=applicant.agency, created_by=applicant, scope=4)
    certificate = certify(application, applicant, acceptor, reviewer, approver, issuer, django_capture_on_commit_callbacks)
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", viewport=VIEWPORTS[viewport])
    context.set_default_timeout(15_000)
    page = context.new_page()
    walk = Walk(page, viewport)
    try:
        page.goto("/")
        walk.check("home")
        walk.click(page.get_by_role("link", name="证书查询与核验").first)
        walk.check("verify lookup")
        page.get_by_label("证书编号").fill("12ab")
        walk.click(page.get_by_role("button", name="查询"))
        expect(page.get_by_text("证书编号为12位数字")).to_be_visible()
        walk.check("verify lookup with an error")
        page.get_by_label("证书编号").fill(certificate.number)
        walk.click(page.get_by_role("button", name="查询"))
        expect(page.locator("[data-status]")).to_have_text("有效")
        walk.check("verify result")
        page.goto("/verify/000000000000/")
        walk.check("verify not found")
    finally:
        context.close()
