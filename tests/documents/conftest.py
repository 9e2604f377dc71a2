import pytest
from rest_framework.test import APIClient

from tests.documents.helpers import certify


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def certified(draft, applicant, acceptor, reviewer, approver, issuer, django_capture_on_commit_callbacks):
    """A certified application whose notices and certificate PDF have been rendered."""
    certify(draft, applicant, acceptor, reviewer, approver, issuer, django_capture_on_commit_callbacks)
    draft.refresh_from_db()
    return draft
