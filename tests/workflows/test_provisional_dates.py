"""A deadline in a year whose official holiday schedule is not entered yet is shown as a date marked
暂定 (never as no date), and is recomputed when an administrator enters the year."""

from datetime import date

import pytest
from django.urls import reverse

from audit.models import AuditEntry
from tests.pages import client_for, text
from tests.timecontrol import at
from workflows import services
from workflows.models import CalendarDay

from .helpers import open_step

pytestmark = pytest.mark.django_db


def _applicant_sees(applicant, application) -> str:
    with at(date(2026, 12, 29)):
        page = text(client_for(applicant).get(reverse("workflows:application_detail", args=[application.pk])))
    return page[page.index('data-section="steps"'):]


def _api_due(api, applicant, application) -> tuple[str, bool]:
    with at(date(2026, 12, 29)):
        body = api(applicant).get(f"/api/v1/applications/{application.pk}/timeline/").json()
    (accept,) = [step for step in body["steps"] if step["node"] == "accept"]
    return accept["due_date"], accept["due_provisional"]


def test_a_due_date_in_january_2027_is_marked_provisional_and_corrected_when_2027_is_entered(
        draft, applicant, api, django_user_model, django_capture_on_commit_callbacks):
    with at(date(2026, 12, 28)):  # a Monday; acceptance within 5 working days
        services.application_submit(application=draft, by=applicant)
    # Provisional hand count: 29, 30, 31 December; 1 January 2027 (元旦) is off by rule; 4 and 5 January.
    assert open_step(draft, "accept").due_date == date(2027, 1, 5)
    steps = _applicant_sees(applicant, draft)
    assert 'data-due="2027-01-05"' in steps and "data-due-provisional" in steps and "暂定" in steps
    assert "data-provisional-note" in steps and "录入后自动更正" in steps
    assert "期限待定" not in steps and "data-due-unknown" not in steps
    assert _api_due(api, applicant, draft) == ("2027-01-05", True)

    admin = django_user_model.objects.create_superuser("root", "root@example.com", "pw")
    client = client_for_admin(admin)
    with django_capture_on_commit_callbacks(execute=True):  # the recomputation runs after commit
        response = client.post(reverse("admin:workflows_calendaryear_add"), {"year": 2027, "note": "国办发明电〔2026〕"})
    assert response.status_code == 302
    # Entered from a weekdays-only template: 1 January is a workday until the administrator marks it.
    assert open_step(draft, "accept").due_date == date(2027, 1, 4)
    steps = _applicant_sees(applicant, draft)
    assert 'data-due="2027-01-04"' in steps and "data-due-provisional" not in steps
    assert _api_due(api, applicant, draft) == ("2027-01-04", False)
    assert AuditEntry.objects.filter(action="admin.add", object_type="workflows.calendaryear", object_id="2027").exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:workflows_calendarday_change", args=["2027-01-01"]),
                               {"kind": CalendarDay.Kind.HOLIDAY, "name": "元旦"})
    assert response.status_code == 302
    assert open_step(draft, "accept").due_date == date(2027, 1, 5)


def client_for_admin(admin):
    from django.test import Client

    client = Client()
    client.force_login(admin)
    return client
