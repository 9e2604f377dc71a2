"""The applicant is always told: one message per event, in order, in the app, by e-mail and by SMS;
nothing twice, however often the sending runs."""

from datetime import date

import pytest
from django.core import mail

from approvals.models import StatusChange
from documents.services import document_upload
from tests.documents.factories import pdf_bytes, upload
from tests.timecontrol import at
from workflows import services
from workflows.models import Notification, TextMessage
from workflows.notifications.applicant import applicant_notify
from workflows.notifications.services import email_send, text_message_send

from .helpers import complete

pytestmark = pytest.mark.django_db

LIFECYCLE_TITLES = [
    "申请已提交",
    "请补正申请材料（一次性告知）",
    "补正材料已收到",
    "申请已受理",
    "技术评审已安排",
    "请整改",
    "整改报告已收到",
    "技术评审已结束",
    "审批决定：准予许可",
    "资质认定证书已颁发",
]


@pytest.fixture
def lived(draft, applicant, acceptor, reviewer, approver, issuer, django_capture_on_commit_callbacks):
    """One full lifecycle with a supplement round and a rectification round, each step committed."""
    def step(day, action):
        with at(day), django_capture_on_commit_callbacks(execute=True):
            action()

    step(date(2026, 3, 2), lambda: services.application_submit(application=draft, by=applicant))
    step(date(2026, 3, 3), lambda: complete(draft, "accept", acceptor, "supplement",
                                            deficiencies=[{"description": "人员证明不全", "document_code": "personnel"}]))
    step(date(2026, 3, 5), lambda: document_upload(application=draft, by=applicant, requirement="personnel",
                                                   file=upload(pdf_bytes(2), "人员.pdf")))
    step(date(2026, 3, 5), lambda: complete(draft, "supplement", applicant, "resubmit", comment="已补充"))
    step(date(2026, 3, 6), lambda: complete(draft, "accept", acceptor, "accept", review_leader=reviewer.pk))
    step(date(2026, 3, 16), lambda: complete(draft, "review", reviewer, "rectify", review_mode="onsite",
                                             findings=[{"description": "温湿度记录缺失", "clause": "4.3.3",
                                                        "grade": "general"}]))
    step(date(2026, 3, 23), lambda: complete(draft, "rectification", applicant, "resubmit", comment="已整改"))
    step(date(2026, 3, 25), lambda: complete(draft, "review", reviewer, "pass", review_mode="onsite"))
    step(date(2026, 3, 26), lambda: complete(draft, "decide", approver, "approve", comment="符合条件"))
    step(date(2026, 3, 27), lambda: complete(draft, "issue", issuer, "issue"))
    return draft


def test_after_one_lifecycle_the_applicant_has_one_message_per_event_in_order(lived, applicant, sms_outbox):
    messages = list(Notification.objects.filter(user=applicant).order_by("id"))
    assert [m.title for m in messages] == LIFECYCLE_TITLES
    assert all(m.url == f"/applications/{lived.pk}/" for m in messages)
    supplement = messages[1].body
    assert "人员证明不全" in supplement and "2026年4月15日" in supplement and "视为放弃申请" in supplement
    assert "30个工作日" in messages[4].body and "reviewer" in messages[4].body  # review time told in writing
    rectify = messages[5].body
    assert "温湿度记录缺失" in rectify and "判定为不符合" in rectify
    # an e-mail for each, to the applicant, in the same order
    to_applicant = [m for m in mail.outbox if m.to == [applicant.email]]
    assert [m.subject for m in to_applicant] == [f"资质认定网上办理：{title}" for title in LIFECYCLE_TITLES]
    assert all(m.emailed_at is not None for m in messages)
    # and a text message for each, to the agency's contact phone
    assert [phone for phone, _text in sms_outbox] == [lived.agency.contact_phone] * len(LIFECYCLE_TITLES)
    assert all(title in text for (_phone, text), title in zip(sms_outbox, LIFECYCLE_TITLES, strict=True))
    assert not TextMessage.objects.filter(sent_at__isnull=True).exists()


def test_officials_acting_do_not_get_the_applicants_messages(lived, acceptor, approver):
    assert not Notification.objects.filter(user__in=[acceptor, approver], key__startswith="status:").exists()


def test_sending_again_sends_nothing_twice(lived, applicant, sms_outbox, django_capture_on_commit_callbacks):
    before = (Notification.objects.count(), len(mail.outbox), len(sms_outbox))
    with django_capture_on_commit_callbacks(execute=True):
        for change in StatusChange.objects.filter(application=lived):
            assert applicant_notify(status_change_id=change.pk) == []
    notification = Notification.objects.filter(user=applicant).first()
    assert email_send(notification_id=notification.pk) is False
    assert text_message_send(message_id=TextMessage.objects.first().pk) is False
    assert (Notification.objects.count(), len(mail.outbox), len(sms_outbox)) == before


def test_messages_are_kept_in_chinese_whoever_acted_in_english(draft, applicant, acceptor):
    from django.utils import translation

    with at(date(2026, 3, 2)):
        services.application_submit(application=draft, by=applicant)
        with translation.override("en"):
            complete(draft, "accept", acceptor, "refuse", comment="不符合受理条件")
    refused = Notification.objects.filter(user=applicant).order_by("id").last()
    assert refused.title == "申请不予受理" and "不符合受理条件" in refused.body and "行政复议" in refused.body


def test_the_applicant_lists_and_marks_the_messages(lived, applicant, client):
    client.force_login(applicant)
    page = client.get("/notifications/").content.decode()
    assert page.index("资质认定证书已颁发") < page.index("申请已提交")  # newest first
    first = Notification.objects.filter(user=applicant).order_by("id").first()
    client.post(f"/notifications/{first.pk}/open/")
    first.refresh_from_db()
    assert first.read_at is not None
    client.post("/notifications/read-all/")
    assert not Notification.objects.filter(user=applicant, read_at__isnull=True).exists()


def test_a_failed_text_message_stays_unsent_and_the_outbox_sends_it_again(draft, applicant, settings,
                                                                django_capture_on_commit_callbacks):
    from datetime import timedelta

    from django.utils import timezone

    from outbox.services import reconcile

    settings.CMA_SMS_BACKEND = "tests.workflows.test_applicant_messages.FailingBackend"
    with at(date(2026, 3, 2)), django_capture_on_commit_callbacks(execute=True):
        services.application_submit(application=draft, by=applicant)
    message = TextMessage.objects.get()
    from outbox.models import Message

    failed = Message.objects.get(handler="notifications.text", key=str(message.pk))
    assert message.sent_at is None and failed.done_at is None and "provider down" in failed.last_error
    settings.CMA_SMS_BACKEND = "workflows.notifications.sms.LocmemSmsBackend"
    later = timezone.localtime(message.created_at) + timedelta(hours=2)  # past the outbox's back-off
    with at(later.date(), later.hour, later.minute):
        assert reconcile() >= 1  # the outbox sends it again
    message.refresh_from_db()
    assert message.sent_at is not None


class FailingBackend:
    def send(self, *, phone, text):
        from workflows.notifications.sms import SmsError

        raise SmsError("provider down")
