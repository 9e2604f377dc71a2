"""SITE_URL is the address every certificate carries: checked at start (log), by `manage.py check`
and in the admin when it is a loopback address with DEBUG off; the certificate's QR code uses it."""

import logging

import pytest
from PIL import Image
from pyzbar.pyzbar import decode

from documents import checks
from tests.documents.helpers import certify, page_png, pdf_of, rendered
from tests.factories import ApplicationFactory
from tests.test_production_settings import PRODUCTION, run

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["http://127.0.0.1:8000", "http://localhost:8200", "http://[::1]", "http://0.0.0.0",
                                 "https://app.localhost", "http://127.0.1.1:9000"])
def test_a_loopback_address_is_a_warning_only_with_debug_off(url):
    assert checks.site_url_problem(url, debug=False)[0] == "warning"
    assert checks.site_url_problem(url, debug=True) is None


@pytest.mark.parametrize("url", ["cma.example.gov.cn", "ftp://cma.example.gov.cn", "https://", ""])
def test_a_malformed_address_is_an_error_even_in_development(url):
    assert checks.site_url_problem(url, debug=True)[0] == "error"


def test_a_public_address_passes():
    assert checks.site_url_problem("https://cma.example.gov.cn", debug=False) is None
    assert checks.site_url_problem("http://10.2.3.4:8080", debug=False) is None  # an intranet address is reachable


def test_the_system_check_and_the_start_up_log_name_a_loopback_address():
    loopback = run(["manage.py", "check"], **{**PRODUCTION, "SITE_URL": "http://127.0.0.1:8000"})
    assert loopback.returncode == 0  # a warning, not an error
    assert "documents.W001" in loopback.stderr and "SITE_URL 是本机地址" in loopback.stderr
    # The same warning was logged when the process started, before the check ran.
    assert loopback.stderr.index("SITE_URL 是本机地址") < loopback.stderr.index("documents.W001")
    public = run(["manage.py", "check"], **PRODUCTION)
    assert public.returncode == 0 and "SITE_URL" not in public.stderr


def test_start_up_logs_the_warning(settings, caplog):
    settings.DEBUG, settings.SITE_URL = False, "http://127.0.0.1:8000"
    with caplog.at_level(logging.WARNING, logger="documents.checks"):
        checks.warn_at_start()
    assert "127.0.0.1:8000" in caplog.text


def test_the_admin_warns_administrators(settings, client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", "root@example.com", "x"))
    settings.SITE_URL = "http://127.0.0.1:8000"
    assert "data-site-url-warning" in client.get("/admin/").content.decode()
    settings.SITE_URL = "https://cma.example.gov.cn"
    assert "data-site-url-warning" not in client.get("/admin/").content.decode()


def test_a_certificate_carries_the_configured_address_in_its_qr_code(settings, tmp_path, applicant, acceptor, reviewer,
                                                                     approver, issuer, django_capture_on_commit_callbacks):
    settings.SITE_URL = "https://cma.example.gov.cn"
    application = ApplicationFactory(agency=applicant.agency, created_by=applicant)
    certificate = certify(application, applicant, acceptor, reviewer, approver, issuer, django_capture_on_commit_callbacks)
    png = page_png(pdf_of(rendered(application, "certificate")), tmp_path, page=1, dpi=150)
    codes = [code.data.decode() for code in decode(Image.open(png))]
    # Each version's QR code opens that version's own page, at the configured address.
    assert codes == [f"https://cma.example.gov.cn/verify/{certificate.number}/1/"]
