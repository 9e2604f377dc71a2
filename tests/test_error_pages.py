"""The product's own 404, 403 and 500 pages, in Chinese and in English, with DEBUG off (as the
tests run): they explain, offer a way on, and leak nothing (no traceback, path, setting or query)."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client, override_settings
from django.urls import include, path

pytestmark = pytest.mark.django_db

LEAKS = ("Traceback", "File \"", "/work/", "site-packages", "SECRET_KEY", "DATABASES", "Django", "DEBUG",
         "django.", "SELECT ", "boom-secret", "Page not found at", "Using the URLconf")


def boom(request):
    raise RuntimeError("boom-secret: SELECT password FROM auth_user")


def refuse(request):
    raise PermissionDenied


urlpatterns = [path("boom/", boom), path("refuse/", refuse), path("", include("project.urls"))]


def english(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return client


def assert_clean(html: str):
    for leak in LEAKS:
        assert leak not in html, leak


def test_404_is_ours_in_both_languages(client, settings):
    assert settings.DEBUG is False
    response = client.get("/no/such/page/")
    html = response.content.decode()
    assert response.status_code == 404 and 'data-error-page="404"' in html and "页面不存在" in html
    assert 'href="/verify/"' in html
    assert_clean(html)
    html = english(client).get("/no/such/page/").content.decode()
    assert "Page not found" in html and "页面不存在" not in html
    assert_clean(html)


def test_a_hidden_object_is_the_same_404_as_a_missing_one(client, draft, applicant2):
    client.force_login(applicant2)
    def main(url):
        html = client.get(url).content.decode()
        return html[html.index("<main"):html.index("</main>")]

    hidden, missing = main(f"/applications/{draft.pk}/"), main("/applications/999999/")
    assert hidden == missing and 'data-error-page="404"' in hidden


@override_settings(ROOT_URLCONF=__name__)
def test_403_is_ours_with_the_generic_sentence_when_the_refusal_has_none(client):
    response = client.get("/refuse/")
    html = response.content.decode()
    assert response.status_code == 403 and 'data-error-page="403"' in html and "您的账号无权执行此操作" in html
    assert_clean(html)
    assert "Your account may not do this" in english(client).get("/refuse/").content.decode()


def test_403_carries_the_products_own_reason(acceptor):
    client = Client()
    client.force_login(acceptor)
    response = client.get("/applications/new/")
    html = response.content.decode()
    assert response.status_code == 403 and "此页面仅供申请机构使用" in html and "您的账号无权执行此操作" not in html
    assert_clean(html)


@override_settings(ROOT_URLCONF=__name__)
def test_500_is_ours_in_both_languages_and_leaks_nothing():
    client = Client(raise_request_exception=False)
    response = client.get("/boom/")
    html = response.content.decode()
    assert response.status_code == 500 and 'data-error-page="500"' in html and "服务暂时不可用" in html
    assert_clean(html)
    html = english(client).get("/boom/").content.decode()
    assert "temporarily unavailable" in html.lower() and "服务暂时不可用" not in html
    assert_clean(html)


def test_a_form_posted_without_its_token_gets_our_page(applicant):
    client = Client(enforce_csrf_checks=True)
    client.force_login(applicant)
    response = client.post("/applications/new/", {})
    html = response.content.decode()
    assert response.status_code == 403 and 'data-error-page="403-csrf"' in html
    assert_clean(html)
