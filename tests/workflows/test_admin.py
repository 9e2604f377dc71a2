"""The calendar in the admin: which years are loaded, adding a year, correcting a day."""

from datetime import date

import pytest
from django.contrib.auth import get_user_model

from workflows.calendar import add_working_days
from workflows.models import CalendarDay, CalendarYear

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    user = get_user_model().objects.create_superuser("root", "root@example.com", "pw-root-2026")
    client.force_login(user)
    return client


def test_the_year_list_says_which_years_are_loaded(admin_client):
    response = admin_client.get("/admin/workflows/calendaryear/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "已载入" in text and "2025" in text and "2026" in text
    row = response.context["cl"].result_list.get(year=2026)
    # 261 weekdays - 19 on holiday + 6 make-up weekend days; 33 holiday days incl. weekends.
    assert (row.working, row.holidays, row.makeups) == (248, 33, 6)


def test_adding_a_year_the_package_lacks_creates_its_days_for_correction(admin_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post("/admin/workflows/calendaryear/add/", {"year": 2027, "note": "国办通知"},
                                     follow=True)
    assert response.status_code == 200
    assert "逐日标注" in response.content.decode()
    assert CalendarYear.objects.get(year=2027).source == CalendarYear.Source.MANUAL
    assert CalendarDay.objects.filter(year=2027).count() == 365


def test_correcting_a_day_moves_deadlines_at_once(admin_client, django_capture_on_commit_callbacks):
    assert add_working_days(date(2026, 3, 13), 1) == date(2026, 3, 16)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post("/admin/workflows/calendarday/2026-03-16/change/",
                                     {"kind": "holiday", "name": "临时放假"})
    assert response.status_code == 302
    day = CalendarDay.objects.get(date=date(2026, 3, 16))
    assert (day.kind, day.edited) == ("holiday", True)
    assert add_working_days(date(2026, 3, 13), 1) == date(2026, 3, 17)
    assert CalendarYear.objects.get(year=2026).revision == 2


def test_days_cannot_be_added_or_deleted_one_by_one(admin_client):
    assert admin_client.get("/admin/workflows/calendarday/add/").status_code == 403
    assert admin_client.get("/admin/workflows/calendaryear/2026/delete/").status_code == 403


def test_the_steps_list_shows_deadlines(admin_client, draft, applicant):
    from workflows import services

    services.application_submit(application=draft, by=applicant)
    response = admin_client.get("/admin/workflows/step/")
    assert response.status_code == 200
    assert "accept" in response.content.decode()
