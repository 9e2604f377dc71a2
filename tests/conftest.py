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
def _private_files(settings, tmp_path):
    # Uploads, rendered PDFs and the development signing key go to the test's own directory.
    settings.MEDIA_ROOT = tmp_path / "files"
    settings.CERT_SIGNING_DEV_KEY_DIR = tmp_path / "keys"
    settings.CERT_SIGNING_DEV_KEY_ALLOWED = True
    settings.CERT_SIGNING_KEY = ""
    settings.CERT_SIGNING_KEY_FILE = ""
