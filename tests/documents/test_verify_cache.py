"""The public check's answer is kept in the cache under the certificate's state: every decision on the
certificate shows on the very next request, each language keeps its own answer, and nothing of a
signed-in visitor's page (their name, their form tokens) is ever served to anyone else."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from approvals.models import Certificate, CertificateStatus
from approvals.services import certificates as certificate_services

pytestmark = pytest.mark.django_db


def page(client, number):
    response = client.get(f"/verify/{number}/")
    assert response.status_code == 200
    # each response masks the form token afresh
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def test_a_repeated_check_reads_one_row_and_shows_the_same_answer(client, certified):
    number = certified.certificate.number
    first = page(client, number)
    with CaptureQueriesContext(connection) as queries:
        again = page(client, number)
    assert again == first and 'data-genuine="true"' in again
    assert len(queries) == 1  # the certificate's state; the answer itself came from the cache


def test_each_decision_shows_on_the_next_request(client, certified, approver):
    certificate = certified.certificate
    assert 'data-status="valid"' in page(client, certificate.number)
    certificate_services.certificate_suspend(certificate=certificate, by=approver, reason="监督抽查不合格")
    html = page(client, certificate.number)
    assert 'data-status="suspended"' in html and "监督抽查不合格" in html
    certificate_services.certificate_restore(certificate=certificate, by=approver, reason="整改完成")
    html = page(client, certificate.number)
    # the status reads "valid" again, as before the suspension: the decisions are still new
    assert 'data-status="valid"' in html and "整改完成" in html and "监督抽查不合格" in html
    certificate_services.certificate_revoke(certificate=certificate, by=approver, reason="以欺骗手段取得")
    html = page(client, certificate.number)
    assert 'data-status="revoked"' in html and "以欺骗手段取得" in html


def test_a_status_written_behind_the_services_back_shows_at_once(client, certified):
    number = certified.certificate.number
    assert 'data-status="valid"' in page(client, number)
    Certificate.objects.filter(number=number).update(status=CertificateStatus.REVOKED)
    assert 'data-status="revoked"' in page(client, number)


def test_each_language_keeps_its_own_answer(client, certified):
    number = certified.certificate.number
    chinese = page(client, number)
    client.cookies["django_language"] = "en"
    english = page(client, number)
    assert "Status：" in english and "证书状态" not in english
    client.cookies["django_language"] = "zh-hans"
    assert page(client, number) == chinese and "证书状态" in chinese


def test_a_signed_in_visitors_page_is_never_served_to_another(client, certified, approver, applicant):
    number = certified.certificate.number
    client.force_login(approver)
    mine = page(client, number)
    assert "approver" in mine and "退出登录" in mine
    client.logout()
    anonymous = page(client, number)
    assert "approver" not in anonymous and "退出登录" not in anonymous and "/accounts/login/" in anonymous
    client.force_login(applicant)
    theirs = page(client, number)
    assert "approver" not in theirs and "applicant" in theirs
