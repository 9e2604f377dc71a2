"""The procedure progress bar: which step is current, its due date and holder, for every stage,
and what the applicant is told to do next — on the application page and on list rows."""

import pytest
from django.urls import reverse

from tests.documents.helpers import certify
from tests.factories import ApplicationFactory
from tests.pages import client_for, text
from workflows import services
from workflows.progress import next_action, progress_for_list, progress_of

from .helpers import complete, open_step, to_decision, to_review

pytestmark = pytest.mark.django_db


def states(progress):
    return [(step.key, step.state) for step in progress.steps]


def test_a_draft_is_at_submission_and_every_official_step_is_ahead(draft):
    progress = progress_of(draft)
    assert states(progress) == [("submit", "current"), ("accept", "next"), ("review", "next"),
                                ("decide", "next"), ("issue", "next")]
    assert progress.position == 1 and progress.current.holder_is_applicant


def test_submitted_waits_in_the_acceptance_queue_with_its_due_date(draft, applicant):
    services.application_submit(application=draft, by=applicant)
    draft.refresh_from_db()
    progress = progress_of(draft)
    step = open_step(draft, "accept")
    current = progress.current
    assert current.key == "accept" and current.state == "current"
    assert current.due_date == step.due_date is not None
    assert str(current.holder) == "受理人员（待认领）"
    assert progress.steps[0].state == "done" and progress.steps[0].finished_at == draft.submitted_at


def test_a_supplement_keeps_acceptance_current_held_by_the_applicant(draft, applicant, acceptor):
    services.application_submit(application=draft, by=applicant)
    complete(draft, "accept", acceptor, "supplement", deficiencies=[{"description": "缺少人员证明"}])
    progress = progress_of(draft)
    current = progress.current
    assert current.key == "accept" and str(current.waiting_on) == "补正"
    assert current.holder_is_applicant and current.due_date == open_step(draft, "supplement").due_date
    action = next_action(draft, progress)
    assert action.action == "answer" and action.due_date == current.due_date


def test_a_claimed_review_is_held_by_the_named_reviewer(draft, applicant, acceptor, reviewer):
    to_review(draft, applicant, acceptor)
    services.task_claim(task_id=open_step(draft, "review").task_id, by=reviewer)
    current = progress_of(draft).current
    assert current.key == "review" and current.holder == str(reviewer)
    assert states(progress_of(draft))[:2] == [("submit", "done"), ("accept", "done")]


def test_a_refusal_stops_the_path_at_acceptance(draft, applicant, acceptor):
    services.application_submit(application=draft, by=applicant)
    complete(draft, "accept", acceptor, "refuse", comment="不属于本机关受理范围")
    assert states(progress_of(draft)) == [("submit", "done"), ("accept", "stopped"), ("review", "next"),
                                          ("decide", "next"), ("issue", "next")]


def test_a_withdrawal_stops_the_path_where_it_was(draft, applicant, acceptor):
    to_review(draft, applicant, acceptor)
    from workflows.services import application_withdraw

    application_withdraw(application=draft, by=applicant, reason="")
    draft.refresh_from_db()
    assert progress_of(draft).current.key == "review" and progress_of(draft).current.state == "stopped"


def test_certified_has_every_step_done(draft, applicant, acceptor, reviewer, approver, issuer,
                                       django_capture_on_commit_callbacks):
    certify(draft, applicant, acceptor, reviewer, approver, issuer, django_capture_on_commit_callbacks)
    draft.refresh_from_db()
    progress = progress_of(draft)
    assert {step.state for step in progress.steps} == {"done"} and progress.current is None
    assert next_action(draft, progress).action == "certificate"


def test_list_progress_takes_one_query_for_any_number_of_rows(applicant, acceptor, django_assert_num_queries):
    applications = [ApplicationFactory(agency=applicant.agency, created_by=applicant) for _ in range(4)]
    for application in applications[:3]:
        services.application_submit(application=application, by=applicant)
        application.refresh_from_db()
    with django_assert_num_queries(1):
        bars = progress_for_list(applications)
    assert [bars[a.pk].current.key for a in applications] == ["accept", "accept", "accept", "submit"]


def test_the_detail_page_shows_the_bar_and_the_next_step(draft, applicant, acceptor, reviewer):
    to_decision(draft, applicant, acceptor, reviewer)
    page = text(client_for(applicant).get(reverse("workflows:application_detail", args=[draft.pk])))
    bar = page[page.index('data-section="progress"'):]
    assert 'aria-current="step"' in bar and 'data-step-key="decide" data-state="current"' in bar
    assert "审批人员（待认领）" in bar and "第 4 步，共 5 步" in bar
    assert 'data-next-action="wait"' in page and "您无需操作" in page
    official = text(client_for(acceptor).get(reverse("workflows:application_detail", args=[draft.pk])))
    assert 'data-section="progress"' in official and "data-next-action" not in official


def test_the_list_row_carries_a_compact_bar(draft, applicant):
    services.application_submit(application=draft, by=applicant)
    page = text(client_for(applicant).get(reverse("approvals:application_list")))
    row = page[page.index(f'data-application="{draft.pk}"'):]
    assert 'data-progress="2/5"' in row and "受理人员（待认领）" in row


def test_an_issued_certificate_gets_a_banner_with_download_verify_and_share(
        draft, applicant, acceptor, reviewer, approver, issuer, django_capture_on_commit_callbacks, settings):
    settings.SITE_URL = "https://cma.example.gov.cn"
    certificate = certify(draft, applicant, acceptor, reviewer, approver, issuer, django_capture_on_commit_callbacks)
    page = text(client_for(applicant).get(reverse("workflows:application_detail", args=[draft.pk])))
    banner = page[page.index('data-section="certificate"'):]
    assert reverse("documents:certificate-pdf", args=[certificate.number]) in banner
    assert reverse("documents:verify", args=[certificate.number]) in banner
    assert f'value="https://cma.example.gov.cn/verify/{certificate.number}/"' in banner


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_each_list_row_names_its_own_type_status_and_step(language, applicant, acceptor):
    """The rows' labels are translated once per page and shared by the rows with the same value: each
    row still shows its own application's type, status and current step, in the page's language."""
    import re

    from django.utils import translation

    from approvals.models import Application

    drafts = [ApplicationFactory(agency=applicant.agency, created_by=applicant, application_type=kind)
              for kind in ("initial", "extension", "initial")]
    submitted = ApplicationFactory(agency=applicant.agency, created_by=applicant)
    services.application_submit(application=submitted, by=applicant)
    supplement = ApplicationFactory(agency=applicant.agency, created_by=applicant)
    services.application_submit(application=supplement, by=applicant)
    complete(supplement, "accept", acceptor, "supplement", deficiencies=[{"description": "缺少材料"}])
    client = client_for(applicant)
    client.cookies["django_language"] = language
    page = client.get(reverse("approvals:application_list")).content.decode()
    rows = dict(re.findall(r'<tr data-application="(\d+)">(.*?)</tr>', page, re.S))
    with translation.override(language):
        for application in Application.objects.filter(pk__in=[a.pk for a in [*drafts, submitted, supplement]]):
            row = rows[str(application.pk)]
            cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
            assert cells[1] == str(application.get_application_type_display())
            assert f">{application.get_status_display()}</span>" in cells[2]
            current = progress_of(application).current
            assert f'<span class="small">{current.title}' in cells[3]
            assert f'aria-label="{translation.gettext("办理进度")}"' in cells[3]
            due = translation.gettext("期限")
            assert (f"{due} {current.due_date:%Y-%m-%d}" in cells[3] if current.due_date else due not in cells[3])
        assert sum(1 for row in rows.values() if translation.gettext("期限") in row) == 2  # the submitted ones


def test_list_progress_reads_the_rule_sets_of_a_list_s_changes_once(applicant, django_assert_num_queries):
    """A change's path depends on its rule set's reviewed kinds: read once for the list, not per row."""
    from approvals.models import Application, RuleSet

    rule_set = RuleSet.objects.order_by("effective_from").last()
    rule_set.change_kinds_reviewed = ["site"]
    rule_set.save(update_fields=["change_kinds_reviewed"])
    kinds = ["site", "address", "site"]
    for kind in kinds:
        change = ApplicationFactory(agency=applicant.agency, created_by=applicant, application_type="change", scope=0)
        Application.objects.filter(pk=change.pk).update(status="submitted", changes=[{"kind": kind, "value": "新"}],
                                                        rule_set=rule_set)
    rows = list(Application.objects.filter(agency=applicant.agency).order_by("pk"))
    with django_assert_num_queries(2):  # the active steps, and the rule set
        bars = progress_for_list(rows)
    reviewed = ["review" in [step.key for step in bars[row.pk].steps] for row in rows]
    assert reviewed == [True, False, True]  # a new site is reviewed, a new address is not
