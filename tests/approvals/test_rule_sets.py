"""Rule sets are immutable once used: an application judged by one keeps it; a change is a new version."""

import json
from datetime import date

import pytest
from django.core.exceptions import ValidationError

from approvals.exceptions import RuleSetInUse
from approvals.models import RuleSet
from approvals.services import rule_set_new_version, rule_set_update
from audit.models import AuditEntry
from documents.models import DocumentRequirement
from documents.services import catalogue_copy
from tests.factories import ApplicationFactory
from tests.timecontrol import at
from tests.workflows.helpers import open_step
from workflows import services as workflow_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def rules_2021():
    return RuleSet.objects.get(code="national-2021")


@pytest.fixture
def judged(draft, applicant, rules_2021):
    with at(date(2026, 3, 2)):
        workflow_services.application_submit(application=draft, by=applicant)
    draft.refresh_from_db()
    assert draft.rule_set == rules_2021
    return draft


def test_an_unused_rule_set_may_be_edited(rules_2021):
    changed = rule_set_update(rule_set=rules_2021, by=None, decision_days=8)
    assert RuleSet.objects.get(pk=rules_2021.pk).decision_days == 8 == changed.decision_days


@pytest.mark.parametrize("edit", ["save", "update", "service", "delete"])
def test_a_used_rule_set_refuses_every_kind_of_edit(judged, rules_2021, edit):
    with pytest.raises(RuleSetInUse, match="新建一个版本"):
        if edit == "save":
            rules_2021.decision_days = 8
            rules_2021.save()
        elif edit == "update":
            RuleSet.objects.filter(code="national-2021").update(decision_days=8)
        elif edit == "service":
            rule_set_update(rule_set=rules_2021, by=None, decision_days=8)
        else:
            rules_2021.delete()
    assert RuleSet.objects.get(pk=rules_2021.pk).decision_days == 10


def test_saving_a_used_rule_set_unchanged_is_harmless(judged, rules_2021):
    rules_2021.save()
    with pytest.raises(ValidationError):
        rules_2021.decision_days = 8
        rules_2021.full_clean()


def test_the_baseline_is_frozen_once_figures_were_measured_against_it(judged):
    baseline = RuleSet.objects.get(is_baseline=True)
    assert baseline.is_used()
    with pytest.raises(RuleSetInUse):
        RuleSet.objects.filter(pk=baseline.pk).update(review_days=30)


def test_the_catalogue_of_a_used_rule_set_is_frozen_too(judged, rules_2021):
    requirement = DocumentRequirement.objects.filter(rule_set=rules_2021).first()
    requirement.mandatory = not requirement.mandatory
    with pytest.raises(RuleSetInUse):
        requirement.save()
    with pytest.raises(RuleSetInUse):
        requirement.delete()
    with pytest.raises(RuleSetInUse):
        DocumentRequirement.objects.create(rule_set=rules_2021, application_type="initial", track="ordinary",
                                           code="extra", name="额外材料")


def test_a_new_version_governs_later_applications_and_leaves_the_judged_one_alone(judged, applicant, rules_2021):
    limit_before = open_step(judged, "accept").limit_days
    with at(date(2026, 3, 3)):
        version = rule_set_new_version(source=rules_2021, code="national-2026", effective_from=date(2026, 4, 1),
                                       by=None, name="2026年试行", acceptance_days=3)
        catalogue_copy(source=rules_2021, target=version)  # as the admin does: no catalogue, nothing offered
    assert AuditEntry.objects.filter(action="rule_set.new_version", object_id=str(version.pk)).exists()
    later = ApplicationFactory(agency=applicant.agency, created_by=applicant)
    with at(date(2026, 4, 1)):
        workflow_services.application_submit(application=later, by=applicant)
    later.refresh_from_db()
    judged.refresh_from_db()
    assert later.rule_set == version and open_step(later, "accept").limit_days == 3
    assert judged.rule_set == rules_2021 and open_step(judged, "accept").limit_days == limit_before == 5


def test_a_new_version_may_not_take_effect_in_the_past(rules_2021):
    with at(date(2026, 3, 3)), pytest.raises(ValidationError) as refused:
        rule_set_new_version(source=rules_2021, code="backdated", effective_from=date(2026, 3, 1), by=None)
    assert "effective_from" in refused.value.message_dict


# --- the admin ----------------------------------------------------------------------------------
@pytest.fixture
def admin_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", "root@example.com", "pw"))
    return client


def test_the_admin_shows_a_used_rule_set_read_only_and_offers_a_new_version(admin_client, judged, rules_2021):
    page = admin_client.get(f"/admin/approvals/ruleset/{rules_2021.pk}/change/").content.decode()
    assert 'name="decision_days"' not in page and "新建一个版本" in page
    assert f"/admin/approvals/ruleset/add/?source={rules_2021.pk}" in page
    admin_client.post(f"/admin/approvals/ruleset/{rules_2021.pk}/change/", {"decision_days": 8})
    assert RuleSet.objects.get(pk=rules_2021.pk).decision_days == 10
    assert admin_client.get(f"/admin/approvals/ruleset/{rules_2021.pk}/delete/").status_code == 403


def test_the_admin_makes_a_new_version_with_its_catalogue(admin_client, judged, rules_2021):
    url = f"/admin/approvals/ruleset/add/?source={rules_2021.pk}"
    form = admin_client.get(url).context["adminform"].form
    assert form.initial["decision_days"] == 10
    data = {**{name: json.dumps(value) if isinstance(value, list) else value
               for name, value in form.initial.items() if value is not None},
            "code": "national-2027", "effective_from": "2027-01-01", "decision_days": 8, "expected_steps": "[]"}
    data["expected_steps"] = '["apply", "accept", "review", "decide", "issue"]'
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    version = RuleSet.objects.get(code="national-2027")
    assert version.decision_days == 8 and version.acceptance_days == rules_2021.acceptance_days
    assert DocumentRequirement.objects.filter(rule_set=version).count() == \
        DocumentRequirement.objects.filter(rule_set=rules_2021).count() > 0


def test_the_admin_refuses_a_catalogue_edit_of_a_used_rule_set_with_a_message(admin_client, judged, rules_2021):
    requirement = DocumentRequirement.objects.filter(rule_set=rules_2021).first()
    page = admin_client.get(f"/admin/documents/documentrequirement/{requirement.pk}/change/")
    data = {k: v for k, v in page.context["adminform"].form.initial.items() if v is not None}
    data.update(rule_set=rules_2021.pk, name="改名", accepted_formats='["pdf"]')
    response = admin_client.post(f"/admin/documents/documentrequirement/{requirement.pk}/change/", data)
    assert response.status_code == 200 and "新建一个版本" in response.content.decode()
    requirement.refresh_from_db()
    assert requirement.name != "改名"
