"""The service-centre dashboard and its exports, through Django's test client."""

import csv
import io
import re
from datetime import date

import pytest
import time_machine
from openpyxl import load_workbook

from metrics.models import MetricsExport
from tests.factories import ApplicationFactory, UserFactory
from workflows import services
from workflows.models import Step

from .conftest import at, submit

pytestmark = pytest.mark.django_db

DASHBOARD = "/metrics/"


def test_the_monitor_sees_the_five_reductions_and_the_charts(client, monitor, histories):
    client.force_login(monitor)
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    html = response.content.decode()
    for label in ("减程序", "减环节", "减时间", "减收费", "减申请材料"):
        assert label in html
    assert 'data-reduction="time"' in html and "压减 33.2%" in html
    # steps: the same paths under the baseline, so no artefact of rework; 0%, not an increase
    assert '<article class="reduction" data-reduction="steps"' in html and not re.search(r"增加 \d", html)
    # every figure's definition is beside it: a tooltip on the card and a footnote with its formula
    for key in ("procedures", "steps", "time", "fees", "documents"):
        assert f'<dd data-definition="{key}">' in html
    assert "同一路径按基线规则的环节数" in html and "无基线历史" in html
    assert html.count("<svg") == 4 and "每月平均用时与法定时限" in html
    assert '<strong data-kpi="applications">4</strong>' in html
    assert '<strong data-kpi="on_time_rate">75.0%</strong>' in html


@pytest.mark.parametrize("role", ["applicant", "acceptor", "issuer"])
def test_others_are_refused(client, request, role):
    client.force_login(request.getfixturevalue(role))
    assert client.get(DASHBOARD).status_code == 403
    assert client.get("/metrics/aggregates.csv").status_code == 403
    assert client.get("/metrics/exports/").status_code == 403


def test_an_anonymous_visitor_is_sent_to_sign_in(client, db):
    response = client.get(DASHBOARD)
    assert response.status_code == 302 and "login" in response["Location"]


def test_bad_filters_are_shown_and_nothing_breaks(client, monitor, histories):
    client.force_login(monitor)
    response = client.get(DASHBOARD, {"from": "2026-03-01", "to": "2025-01-01"})
    assert response.status_code == 200
    assert "结束日期不能早于开始日期" in response.content.decode()


def test_filters_apply_to_the_figures(client, monitor, histories):
    client.force_login(monitor)
    html = client.get(DASHBOARD, {"from": "2026-01-01", "to": "2026-12-31"}).content.decode()
    assert '<strong data-kpi="applications">1</strong>' in html
    assert '<strong data-kpi="on_time_rate">0.0%</strong>' in html


def test_the_overdue_list_drills_down_to_the_application(client, monitor, applicant, acceptor):
    late = ApplicationFactory(agency=applicant.agency, created_by=applicant)
    submit(late, applicant, at(2026, 3, 2))  # accept due five working days later: 9 March
    step = Step.objects.get(application=late, node="accept")
    with time_machine.travel(at(2026, 3, 3), tick=False):
        services.task_claim(task_id=step.task_id, by=acceptor)
    fresh = ApplicationFactory(agency=applicant.agency, created_by=applicant)
    submit(fresh, applicant, at(2026, 3, 12))
    client.force_login(monitor)
    with time_machine.travel(at(2026, 3, 13), tick=False):
        html = client.get(DASHBOARD).content.decode()
    assert "超期未办结环节" in html and late.reference in html and fresh.reference not in html
    assert f'href="/applications/{late.pk}/"' in html or f"/admin/approvals/application/{late.pk}/" in html
    assert "2026-03-09" in html and str(acceptor) in html
    assert '<td class="late">4</td>' in html  # due Monday 9 March; 10, 11, 12 and 13 March are past it


def test_aggregates_download_as_csv_and_xlsx(client, monitor, histories):
    client.force_login(monitor)
    response = client.get("/metrics/aggregates.csv", {"to": "2025-12-31"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")  # spreadsheet programs need the BOM to read Chinese
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == ["【五减汇总】"]
    header, total = rows[1], rows[2]
    assert header[:3] == ["范围", "办结件数", "按时办结率"]
    assert total[0] == "合计" and total[1] == "3"  # A, C, D ended by the end of 2025
    time_pct = header.index("减时间（压减%）")
    assert float(total[time_pct]) == round((135 - 92) / 135 * 100, 1)  # statutory limits of A, C and D
    handling = header.index("实际办理用时")
    assert float(total[handling]) == round((20 + 2 + 6) / 3, 2) and total[handling + 1] == ""  # no history

    response = client.get("/metrics/aggregates.xlsx")
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    assert book.sheetnames == ["五减汇总", "环节用时"]
    sheet_rows = list(book["五减汇总"].iter_rows(values_only=True))
    assert sheet_rows[1][:2] == ("合计", 4)
    steps = {row[0]: row for row in book["环节用时"].iter_rows(values_only=True)}
    assert steps["受理"][1:3] == (4, 3.5)


def test_a_facts_export_runs_as_a_job_and_only_its_owner_downloads_it(client, monitor, histories, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(monitor)
    response = client.post("/metrics/exports/", {"kind": "facts", "format": "xlsx", "from": "2025-01-01"})
    export = MetricsExport.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/metrics/exports/{export.pk}/"
    # The test's transaction never commits, so the job queued on commit is run here, as the worker would.
    from metrics.tasks import export_build

    export_build.delay(export.pk)
    export.refresh_from_db()
    assert export.state == "done" and export.rows_total == 4 and export.rows_done == 4
    assert export.filters == {"from": "2025-01-01"}
    response = client.get(f"/metrics/exports/{export.pk}/")
    page = response.content.decode()
    assert "已完成" in page and f"/metrics/exports/{export.pk}/download/" in page and "Refresh" not in response

    download = client.get(f"/metrics/exports/{export.pk}/download/")
    assert download.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(download.streaming_content)), read_only=True)
    rows = list(book.active.iter_rows(values_only=True))
    header = rows[0]
    by_reference = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    a = by_reference[histories["A"].reference]
    assert a["办理结果"] == "已发证" and a["计时用时（工作日）"] == 20 and a["停止计时（工作日）"] == 15
    assert a["补正轮次"] == 2 and a["整改轮次"] == 1 and a["经历环节数"] == 11

    other_monitor = UserFactory(username="monitor2", role="monitor")
    client.force_login(other_monitor)
    assert client.get(f"/metrics/exports/{export.pk}/").status_code == 404
    assert client.get(f"/metrics/exports/{export.pk}/download/").status_code == 404


def test_a_running_export_shows_its_progress_and_refreshes(client, monitor):
    export = MetricsExport.objects.create(requested_by=monitor, kind="facts", format="csv", state="running",
                                          rows_total=200_000, rows_done=50_000)
    client.force_login(monitor)
    response = client.get(f"/metrics/exports/{export.pk}/")
    page = response.content.decode()
    assert response["Refresh"] == "2" and 'value="25"' in page and "50,000 / 200,000" in page
    assert client.get(f"/metrics/exports/{export.pk}/download/").status_code == 404


def test_exported_text_cannot_run_as_a_spreadsheet_formula(client, monitor, histories, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    agency = histories["A"].agency
    agency.name = "=HYPERLINK(\"http://evil.example\")"
    agency.save()
    client.force_login(monitor)
    client.post("/metrics/exports/", {"kind": "facts", "format": "csv"})
    from metrics.tasks import export_build

    export = MetricsExport.objects.get()
    export_build.delay(export.pk)
    text = b"".join(client.get(f"/metrics/exports/{export.pk}/download/").streaming_content).decode("utf-8")
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text


def test_an_export_request_with_bad_filters_is_refused(client, monitor):
    client.force_login(monitor)
    response = client.post("/metrics/exports/", {"kind": "facts", "format": "pdf", "from": str(date(2026, 1, 1))})
    assert response.status_code == 400 and not MetricsExport.objects.exists()


def test_old_exports_are_purged_with_their_files(client, monitor, histories, settings, tmp_path):
    import time_machine

    from metrics.exports import export_path
    from metrics.tasks import export_build, exports_purge

    settings.MEDIA_ROOT = tmp_path
    settings.CMA_EXPORT_KEEP_DAYS = 7
    with time_machine.travel(at(2026, 3, 1), tick=False):
        old = MetricsExport.objects.create(requested_by=monitor, kind="facts", format="csv")
        export_build.delay(old.pk)
    with time_machine.travel(at(2026, 3, 6), tick=False):
        recent = MetricsExport.objects.create(requested_by=monitor, kind="aggregates", format="xlsx")
        export_build.delay(recent.pk)
    old_file = export_path(MetricsExport.objects.get(pk=old.pk))
    assert old_file.is_file()
    with time_machine.travel(at(2026, 3, 9), tick=False):
        assert exports_purge.delay().get() == 1
    assert not old_file.exists() and not old_file.parent.exists()
    assert list(MetricsExport.objects.values_list("pk", flat=True)) == [recent.pk]
    assert export_path(MetricsExport.objects.get(pk=recent.pk)).is_file()


def test_the_dashboard_speaks_english_when_the_user_switches(client, monitor, histories, settings):
    client.force_login(monitor)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(DASHBOARD).content.decode()
    assert "Fewer procedures" in html and "Less time" in html and "down 33.2%" in html
    assert "Mean time and statutory limits by month" in html  # the charts too
    assert "减时间" not in html


def test_the_overdue_rows_are_the_overdue_steps_as_the_page_writes_them(client, monitor, applicant, acceptor):
    """The page reads the overdue steps as values (metrics.selectors.overdue_step_rows): the same steps,
    order, count and working days as the steps themselves, holders named as the pages name a user,
    and every value escaped."""
    acceptor.first_name, acceptor.last_name = "<b>王", "五</b>"
    acceptor.save()
    applicant.agency.name = "<script>机构</script>"
    applicant.agency.save()
    claimed, unclaimed = (ApplicationFactory(agency=applicant.agency, created_by=applicant) for _ in range(2))
    submit(claimed, applicant, at(2026, 3, 2))
    submit(unclaimed, applicant, at(2026, 3, 3))
    with time_machine.travel(at(2026, 3, 3), tick=False):
        services.task_claim(task_id=Step.objects.get(application=claimed, node="accept").task_id, by=acceptor)
    with time_machine.travel(at(2026, 3, 16), tick=False):
        from metrics.selectors import overdue_step_rows, overdue_steps

        steps, total = overdue_steps()
        rows, row_total = overdue_step_rows()
        first, first_total = overdue_step_rows(limit=1)  # a read compiled for each limit
        client.force_login(monitor)
        html = client.get(DASHBOARD).content.decode()
    assert total == row_total == 2
    assert [(s.application_id, s.application.reference, s.application.agency.name, s.node, s.entered_at, s.due_date,
             s.overdue_days, str(s.claimed_by) if s.claimed_by else "") for s in steps] == [
        (r.application_id, r.reference, r.agency_name, r.node, r.entered_at, r.due_date, r.overdue_days, r.claimed_by)
        for r in rows]
    assert first == rows[:1] and first_total == 2
    assert rows[0].claimed_by == "<b>王 五</b>" and rows[1].claimed_by == ""
    assert "&lt;b&gt;王 五&lt;/b&gt;" in html and "<b>王" not in html
    assert "&lt;script&gt;机构&lt;/script&gt;" in html and "<script>机构" not in html
    assert '<span class="muted">待认领</span>' in html
