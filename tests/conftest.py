import pytest

from tests.factories import AgencyFactory, ApplicantFactory, ApplicationFactory, UserFactory

pytest_plugins = ["tests.celery_helpers"]  # the real-worker fixture


@pytest.fixture
def agency(db):
    return AgencyFactory()


@pytest.fixture
def applicant(agency):
    return ApplicantFactory(username="applicant", agency=agency)


@pytest.fixture
def applicant2(db):
    return ApplicantFactory(username="applicant2")


@pytest.fixture
def acceptor(db):
    return UserFactory(username="acceptor", role="acceptor")


@pytest.fixture
def reviewer(db):
    return UserFactory(username="reviewer", role="reviewer")


@pytest.fixture
def approver(db):
    return UserFactory(username="approver", role="approver")


@pytest.fixture
def issuer(db):
    return UserFactory(username="issuer", role="issuer")


@pytest.fixture
def monitor(db):
    return UserFactory(username="monitor", role="monitor")


@pytest.fixture
def draft(applicant):
    return ApplicationFactory(agency=applicant.agency, created_by=applicant)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Login failures, lockouts and throttles are counted in the cache: each test starts with none."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _calendar_cache():
    """Each test sees the calendar rows of its own transaction, not a year cached by an earlier test."""
    from workflows.calendar import clear_cache

    clear_cache()
    yield
    clear_cache()


def pytest_collection_modifyitems(config, items):
    """Where REQUIRE_SERVICES is set (CI), a test marked postgres/browser/celery/redis may not be skipped."""
    import os

    if not os.environ.get("REQUIRE_SERVICES"):
        return
    for item in items:
        if any(item.get_closest_marker(name) for name in ("postgres", "browser", "celery", "redis")):
            item.add_marker(pytest.mark.require_run)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.skipped and item.get_closest_marker("require_run"):
        report.outcome = "failed"
        report.longrepr = f"skipped where REQUIRE_SERVICES demands it: {report.longrepr}"


@pytest.fixture(autouse=True)
def _celery_eager():
    """Tasks run in-process in tests, broker or not; tests marked ``celery`` switch to a real worker."""
    from project.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _private_files(settings, tmp_path):
    # Uploads, rendered PDFs and the development signing key go to the test's own directory.
    settings.MEDIA_ROOT = tmp_path / "files"
    settings.CERT_SIGNING_DEV_KEY_DIR = tmp_path / "keys"
    settings.CERT_SIGNING_DEV_KEY_ALLOWED = True
    settings.CERT_SIGNING_KEY = ""
    settings.CERT_SIGNING_KEY_FILE = ""


@pytest.fixture(autouse=True)
def _chinese_first():
    """Each test starts in Chinese: a request that asked for English must not leak into the next test."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def api():
    """An API client factory: ``api(user)`` authenticates with a real token.

    Tokens expire (API_TOKEN_TTL_HOURS): the token is issued as each request is made, at the time the test
    has travelled to, so a test that moves months ahead is not refused with a 401.
    """
    from rest_framework.test import APIClient

    from approvals.services import api_token_issue

    class TokenClient(APIClient):
        def __init__(self, user=None):
            super().__init__()
            self.token_user = user

        def request(self, **kwargs):
            if self.token_user is not None:
                self.credentials(HTTP_AUTHORIZATION=f"Token {api_token_issue(user=self.token_user).key}")
            return super().request(**kwargs)

    return TokenClient


@pytest.fixture(autouse=True)
def _text_messages(settings):
    """Text messages collect in memory, like e-mail in Django's locmem backend (``sms_outbox``)."""
    from workflows.notifications.sms import LocmemSmsBackend

    settings.CMA_SMS_BACKEND = "workflows.notifications.sms.LocmemSmsBackend"
    LocmemSmsBackend.outbox.clear()
    yield LocmemSmsBackend.outbox


@pytest.fixture
def sms_outbox(_text_messages):
    return _text_messages



@pytest.fixture
def deliver_outbox():
    """Deliver, in this process and transaction, every pending outbox effect (what the worker does after
    commit; a test inside one transaction never commits)."""
    from tests.outboxdelivery import deliver_pending

    return deliver_pending
