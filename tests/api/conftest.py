import pytest
from rest_framework.test import APIClient


@pytest.fixture
def api():
    """An API client factory: ``api(user)`` authenticates with a real token."""
    from rest_framework.authtoken.models import Token

    def make(user=None):
        client = APIClient()
        if user is not None:
            token, _ = Token.objects.get_or_create(user=user)
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make
