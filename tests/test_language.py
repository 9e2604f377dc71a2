import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_pages_are_chinese_whatever_the_browser_asks(client):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.headers["Content-Language"] == "zh-hans"
    assert "登录" in response.content.decode()


def test_the_language_switch_gives_english(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    response = client.get(reverse("login"))
    assert response.headers["Content-Language"] == "en"
    assert "登录" not in response.content.decode()


def test_api_clients_may_ask_for_english(client):
    chinese = client.get("/api/v1/me/")
    english = client.get("/api/v1/me/", HTTP_ACCEPT_LANGUAGE="en")
    assert chinese.status_code == english.status_code == 401
    assert chinese.json()["detail"] != english.json()["detail"]
