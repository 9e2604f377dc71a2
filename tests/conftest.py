import pytest

from tests.factories import AgencyFactory, ApplicantFactory, ApplicationFactory, UserFactory


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
def _calendar_cache():
    """Each test sees the calendar rows of its own transaction, not a year cached by an earlier test."""
    from workflows.calendar import clear_cache

    clear_cache()
    yield
    clear_cache()


@pytest.fixture(autouse=True, scope="session")
def _celery_eager():
    """Tasks run inline, so a test sees its side effects at once, even where CELERY_BROKER_URL is set
    (CI sets it for the tests marked `celery`, which switch this off and start a real worker)."""
    from project.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
