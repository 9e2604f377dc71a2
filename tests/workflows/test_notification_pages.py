"""The 消息 page: the user's own notifications with the unread count; opening one marks it read."""

from datetime import date

import pytest
from django.urls import reverse

from tests.pages import client_for, text
from tests.timecontrol import at
from workflows import reminders, services
from workflows.models import Notification
from workflows.notifications.services import notify

from .helpers import complete, open_step

pytestmark = pytest.mark.django_db




def test_reminders_link_to_the_task_and_opening_one_marks_it_read(draft, applicant, acceptor):
    with at(date(2026, 3, 2), 9):
        services.application_submit(application=draft, by=applicant)
    with at(date(2026, 3, 5), 9):
        reminders.clocks_check()
    client = client_for(acceptor)
    page = text(client.get(reverse("workflows:notifications")))
    assert 'data-unread-count="1"' in page and "即将到期" in page and draft.reference in page
    notification = Notification.objects.get(user=acceptor)
    step = open_step(draft, "accept")
    assert notification.url == reverse("workflows:task_detail", args=[step.task_id])
    response = client.post(reverse("workflows:notification_open", args=[notification.pk]))
    assert response.status_code == 302 and response["Location"] == notification.url
    notification.refresh_from_db()
    assert notification.is_read
    assert 'data-unread-count="0"' in text(client.get(reverse("workflows:notifications")))


def test_the_applicants_reminder_links_to_their_application(draft, applicant, acceptor):
    with at(date(2026, 3, 2), 9):
        services.application_submit(application=draft, by=applicant)
        complete(draft, "accept", acceptor, "supplement", deficiencies=[{"description": "缺少人员证明"}])
    with at(date(2026, 4, 7), 9):  # five working days before 14 April
        reminders.clocks_check()
    notification = Notification.objects.get(user=applicant, alert__isnull=False)  # the reminder
    assert notification.url == reverse("workflows:application_detail", args=[draft.pk])


def test_another_users_notification_cannot_be_opened(acceptor, reviewer):
    (theirs,) = notify(users=[reviewer], title="别人的消息")
    response = client_for(acceptor).post(reverse("workflows:notification_open", args=[theirs.pk]))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert not theirs.is_read
    assert "别人的消息" not in text(client_for(acceptor).get(reverse("workflows:notifications")))


def test_read_all_and_the_unread_filter(acceptor):
    notify(users=[acceptor], title="一")
    notify(users=[acceptor], title="二")
    client = client_for(acceptor)
    assert text(client.get(reverse("workflows:notifications"), {"unread": "1"})).count("data-unread-row") == 2
    client.post(reverse("workflows:notifications_read_all"))
    page = text(client.get(reverse("workflows:notifications"), {"unread": "1"}))
    assert "暂无消息" in page and 'data-unread-count="0"' in page


def test_every_page_links_to_the_messages(acceptor):
    page = text(client_for(acceptor).get(reverse("workflows:inbox")))
    assert f'href="{reverse("workflows:notifications")}"' in page and "js/notifications.js" in page
