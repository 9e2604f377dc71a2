"""Like with like, by hand: documents by requirement (files apart) through real uploads, and actual
handling time against the baseline rules' own history in a comparable period."""

from datetime import date, timedelta

import pytest
import time_machine

from approvals.models import RuleSet
from documents import services as documents
from metrics import selectors
from metrics.models import ApplicationFacts
from metrics.rollups import rollups_rebuild
from metrics.selectors import Filters, application_reductions
from metrics.services import facts_record
from tests.documents.factories import pdf_bytes, upload
from tests.factories import ApplicationFactory

from .conftest import act, at, draft, submit

pytestmark = pytest.mark.django_db


def test_one_document_in_four_files_counts_as_one(applicant, acceptor):
    application = draft(applicant, at(2025, 11, 3, 9))
    with time_machine.travel(at(2025, 11, 3, 9), tick=False):
        for pages in (3, 4, 5):  # the personnel list in four files (the first came with the draft)
            documents.document_upload(application=application, by=applicant, requirement="personnel",
                                      file=upload(pdf_bytes(pages), f"personnel-{pages}.pdf"))
    submit(application, applicant, at(2025, 11, 3))
    act(application, "accept", acceptor, "refuse", at(2025, 11, 5), comment="不属于本机关职权范围")
    facts = facts_record(application_id=application.pk)
    # 8 mandatory types, the licence by data sharing: 7 supplied anew, in 10 files
    assert (facts.documents_required, facts.documents_shared, facts.documents_uploaded) == (8, 1, 7)
    assert facts.documents_files == 10 and facts.documents_baseline == 8
    # (8 − 7) / 8, not (8 − 10) / 8 = −25%
    assert application_reductions(facts)["documents"]["reduction_pct"] == 12.5


def test_a_supplement_re_upload_does_not_cancel_the_data_shared_documents_reduction(histories):
    """A sent the personnel list and the management-system documents again for its two notices."""
    facts = ApplicationFacts.objects.get(application=histories["A"])
    figure = application_reductions(facts)["documents"]
    assert (figure["baseline"], figure["actual"], figure["files"], figure["shared"]) == (8, 7, 9, 1)
    assert figure["reduction_pct"] == 12.5  # a file count would read (8 − 9) / 8 = −12.5%


def _baseline_history(template: ApplicationFacts, *, ended: list[tuple[date, int]]) -> None:
    """Facts of applications judged by the 2015 rules: (ended on, counted working days)."""
    baseline = RuleSet.objects.get(code="national-2015")
    fields = [f.attname for f in ApplicationFacts._meta.fields]
    for ended_on, days in ended:
        row = ApplicationFacts(**{name: getattr(template, name) for name in fields})
        row.application_id = ApplicationFactory(scope=1).pk
        row.rule_set_id, row.ended_on, row.days_counted = baseline.pk, ended_on, days
        row.ended_month = ended_on.replace(day=1)
        row.save(force_insert=True)
    rollups_rebuild()  # written around facts_record: the roll-ups are rebuilt


def test_actual_handling_time_is_compared_with_the_baseline_history_of_a_comparable_period(histories):
    template = ApplicationFacts.objects.get(application=histories["A"])
    # The 2021 rules took effect on 1 June 2021. Sep–Dec 2025 is 122 days long, so the comparable
    # period is the 122 days to 31 May 2021: 30 January – 31 May 2021.
    _baseline_history(template, ended=[(date(2021, 3, 15), 40), (date(2021, 5, 20), 60), (date(2021, 1, 29), 10),
                                       (date(2021, 6, 1), 90)])
    data = selectors.five_reductions(filters=Filters(start=date(2025, 9, 1), end=date(2025, 12, 31)))
    assert data["applications"]["total"] == 3  # A, C, D
    handling = data["reductions"]["time"]["handling"]
    assert handling["baseline_period"] == ["2021-01-30", "2021-05-31"]
    assert handling["baseline_applications"] == 2 and handling["no_baseline_history"] is False
    # (40 + 60) / 2 = 50 then; (20 + 2 + 6) / 3 now
    assert handling["baseline"] == 50 and handling["actual"] == round(28 / 3, 2)
    assert handling["reduction_pct"] == round((50 - 28 / 3) / 50 * 100, 1) == 81.3
    # The statutory figure is unchanged by the history: the limits of A's, C's and D's paths
    assert data["reductions"]["time"]["baseline"] == 45 and data["reductions"]["time"]["actual"] == round(92 / 3, 2)


def test_without_a_period_all_the_baseline_history_is_compared_and_filters_apply_to_it(histories):
    template = ApplicationFacts.objects.get(application=histories["A"])
    _baseline_history(template, ended=[(date(2019, 3, 15), 30), (date(2021, 5, 20), 50)])
    data = selectors.five_reductions(filters=Filters())
    assert data["applications"]["total"] == 6
    handling = data["reductions"]["time"]["handling"]
    assert handling["baseline"] == 40 and handling["baseline_applications"] == 2 and handling["baseline_period"] is None
    # "after" is the applications judged by the 2021 rules only: (20 + 32 + 2 + 6) / 4
    assert handling["actual"] == 15 and handling["reduction_pct"] == 62.5
    other = selectors.five_reductions(filters=Filters(application_type="renewal"))["reductions"]["time"]["handling"]
    assert other["no_baseline_history"] is True and other["baseline"] is None


def test_the_dashboard_says_there_is_no_baseline_history_or_shows_it(client, monitor, histories):
    client.force_login(monitor)
    html = client.get("/metrics/").content.decode()
    assert "无基线历史，不计算实际用时压减" in html
    _baseline_history(ApplicationFacts.objects.get(application=histories["A"]),
                      ended=[(date(2021, 5, 20) - timedelta(days=i), 30) for i in range(2)])
    html = client.get("/metrics/").content.decode()
    assert "基线规则历史 30（2 件）" in html and "无基线历史" not in html.split('data-reduction="time"')[1][:600]


def test_the_dashboard_compares_before_and_after_the_reform_by_type_and_track(client, monitor, histories):
    template = ApplicationFacts.objects.get(application=histories["A"])
    _baseline_history(template, ended=[(date(2021, 3, 15), 40), (date(2021, 5, 20), 60)])
    data = selectors.dashboard(filters=Filters())
    comparison = data["comparison"]
    assert comparison["reform_day"] == "2021-06-01" and comparison["rule_set"] == "national-2021"
    before, after = comparison["overall"]["before"], comparison["overall"]["after"]
    assert (before["applications"], after["applications"]) == (2, 4)
    assert before["reductions"]["time"]["counted"] == 50 and after["reductions"]["time"]["counted"] == 15
    assert before["reductions"]["steps"]["actual"] == 11 and after["reductions"]["steps"]["actual"] == 4.75
    [row] = comparison["by_type_track"]
    assert (row["application_type"], row["track"]) == ("initial", "ordinary")
    assert row["before"]["applications"] == 2 and row["after"]["applications"] == 4
    # a period after the reform has nothing before it
    later = selectors.dashboard(filters=Filters(start=date(2025, 1, 1)))["comparison"]["overall"]
    assert later["before"]["applications"] == 0 and later["after"]["applications"] == 4
    client.force_login(monitor)
    html = client.get("/metrics/").content.decode()
    assert "改革前后对比（2021-06-01 生效）" in html and 'data-compare="initial/ordinary"' in html
    assert "<td>2 / 4</td>" in html
