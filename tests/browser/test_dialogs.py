"""Irreversible actions ask first, in a native dialog that names the effect; cancelling changes nothing."""

import pytest
from playwright.sync_api import expect

from approvals.models import ApplicationStatus as S
from tests.factories import ApplicationFactory
from workflows.models import Step

from .test_ordinary_track import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_submit_and_accept_ask_for_confirmation_naming_the_effect(page, applicant, acceptor):
    application = ApplicationFactory(agency=applicant.agency, created_by=applicant)
    sign_in(page, "applicant")
    page.goto(f"/applications/{application.pk}/")
    page.get_by_role("button", name="提交申请").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("草稿不能再修改")
    dialog.get_by_role("button", name="取消").click()
    expect(dialog).to_be_hidden()
    application.refresh_from_db()
    assert application.status == S.DRAFT  # cancelling sent nothing

    page.get_by_role("button", name="提交申请").click()
    dialog.get_by_role("button", name="提交申请").click()  # the confirm button repeats the action's name
    expect(page.get_by_text("申请已提交，等待受理")).to_be_visible()
    application.refresh_from_db()
    assert application.status == S.SUBMITTED

    page.get_by_role("button", name="退出登录").click()
    sign_in(page, "acceptor")
    step = Step.objects.get(application=application, node="accept")
    page.goto(f"/tasks/{step.task_id}/")
    page.get_by_role("button", name="认领").click()
    page.locator("details[data-outcome=refuse] summary").click()
    page.locator("details[data-outcome=refuse]").get_by_label("不予受理理由").fill("不属于本机关受理范围")
    page.locator("details[data-outcome=refuse]").get_by_role("button", name="不予受理").click()
    expect(dialog).to_contain_text("办理随即终止")
    page.keyboard.press("Escape")  # Escape cancels, as a native dialog does
    expect(dialog).to_be_hidden()
    application.refresh_from_db()
    assert application.status == S.SUBMITTED
