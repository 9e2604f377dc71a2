"""The service centre opens the five-reductions dashboard in a real browser; an applicant is refused."""

import re
from datetime import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from approvals.models import RuleSet
from metrics.facts import DocumentCounts, History, Span, compose
from metrics.models import ApplicationFacts
from metrics.rollups import rollups_rebuild
from tests.factories import DEFAULT_PASSWORD, ApplicationFactory
from tests.timecontrol import SHANGHAI

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def sign_in(page, username):
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="登录").click()


@pytest.fixture
def ended(applicant):
    """Two certified applications ending in different months (facts through the real arithmetic)."""
    rules, baseline = RuleSet.objects.get(code="national-2021"), RuleSet.objects.get(is_baseline=True)
    for month, spans in ((9, [Span("accept", 2), Span("review", 20), Span("decide", 5), Span("issue", 2)]),
                         (10, [Span("accept", 1), Span("supplement", 4), Span("accept", 1), Span("review", 12),
                               Span("decide", 3), Span("issue", 1)])):
        application = ApplicationFactory(agency=applicant.agency, created_by=applicant)
        history = History(
            application_type="initial", track="ordinary", outcome="certified", authority="贵州省市场监督管理局",
            submitted_at=datetime(2025, month, 1, 10, tzinfo=SHANGHAI),
            ended_at=datetime(2025, month, 28, 10, tzinfo=SHANGHAI), elapsed_days=sum(s.days for s in spans),
            spans=tuple(spans), documents=DocumentCounts(required=8, shared=1, reused=1, uploaded=6, baseline=8),
        )
        ApplicationFacts.objects.create(application=application, computed_at=timezone.now(),
                                        **compose(history, rules=rules, baseline=baseline))
    rollups_rebuild()  # written around facts_record: the dashboard's roll-ups are rebuilt


def test_the_monitor_sees_the_five_reductions_and_a_chart(page, screenshot, monitor, ended):
    sign_in(page, "monitor")
    page.get_by_role("link", name="五减监测").first.click()
    expect(page.get_by_role("heading", name="五减监测")).to_be_visible()
    for key, label in (("procedures", "减程序"), ("steps", "减环节"), ("time", "减时间"), ("fees", "减收费"),
                       ("documents", "减申请材料")):
        card = page.locator(f'[data-reduction="{key}"]')
        expect(card.get_by_role("heading", name=label)).to_be_visible()
    # time, statutory: the limits of both paths, 80 under the 2015 rules, 52 now; handled in (29 + 18) / 2
    # counted working days, with no baseline-rules history to compare that with
    expect(page.locator('[data-reduction="time"] .pct')).to_have_text("压减 35.0%")
    expect(page.locator('[data-reduction="time"] .detail')).to_contain_text("实际办理（计时）平均 23.5 个工作日；无基线历史")
    # steps: the same paths under 2015 (one supplement round each way): 0%, not an increase
    expect(page.locator('[data-reduction="steps"] .pct')).to_have_text("压减 0.0%")
    # each figure's definition: on the card (a tooltip) and in the footnote its ⓘ links to
    expect(page.locator('[data-reduction="steps"]')).to_have_attribute("title", re.compile("同一路径按基线规则的环节数"))
    page.locator('[data-reduction="documents"] .def-ref').click()
    expect(page.locator('dd[data-definition="documents"]')).to_contain_text("一种材料多个文件")
    expect(page.locator('[data-reduction="documents"] .pct')).to_have_text("压减 25.0%")
    expect(page.locator('[data-kpi="applications"]')).to_have_text("2")
    chart = page.get_by_role("img", name="每月平均用时与法定时限")
    expect(chart).to_be_visible()
    expect(chart.locator("circle")).to_have_count(6)  # three lines over two months
    assert chart.bounding_box()["width"] > 400  # drawn at a readable size on a laptop screen
    screenshot("metrics-dashboard")
    # Filtering to September leaves one application.
    page.get_by_label("办结日期自").fill("2025-09-01")
    page.get_by_label("至").fill("2025-09-30")
    page.get_by_role("button", name="筛选").click()
    expect(page.locator('[data-kpi="applications"]')).to_have_text("1")


def test_an_applicant_is_refused(page, applicant, ended):
    sign_in(page, "applicant")
    expect(page.get_by_role("link", name="五减监测")).to_have_count(0)
    response = page.goto("/metrics/")
    assert response.status == 403
    expect(page.get_by_role("heading", name="无权访问")).to_be_visible()
    expect(page.get_by_text("只有政务服务中心")).to_be_visible()
