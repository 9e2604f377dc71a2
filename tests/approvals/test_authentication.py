"""Login lockout on the page and the token endpoint, expiring and revocable tokens, throttled sign-up,
and the Content-Security-Policy every page carries."""

from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from approvals.models import User
from tests.factories import DEFAULT_PASSWORD
from tests.timecontrol import at

pytestmark = pytest.mark.django_db
LIMIT = 3


@pytest.fixture(autouse=True)
def _small_limit(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)


def login_page(client, username, password, **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def token(client, username, password, **extra):
    return client.post("/api/v1/auth/token/", {"username": username, "password": password},
                       content_type="application/json", **extra)


def test_the_login_page_locks_a_username_after_the_failure_limit_with_a_clear_message(applicant):
    client = Client()
    for _ in range(LIMIT - 1):
        response = login_page(client, "applicant", "wrong")
        assert response.status_code == 200 and "用户名或密码不正确" in response.content.decode()
    response = login_page(client, "applicant", "wrong")
    assert response.status_code == 429
    # the right password is refused too while the lock lasts, with the same message
    response = login_page(client, "applicant", DEFAULT_PASSWORD)
    assert response.status_code == 429
    text = response.content.decode()
    assert "登录失败次数过多（3次），已暂时锁定，请15分钟后再试。" in text
    assert response["Retry-After"] == "900"
    assert "_auth_user_id" not in client.session


def test_the_lock_ends_after_the_cool_off(applicant):
    client = Client()
    with at(date(2026, 3, 2), 10, 0):
        for _ in range(LIMIT):
            login_page(client, "applicant", "wrong")
        assert login_page(client, "applicant", DEFAULT_PASSWORD).status_code == 429
    with at(date(2026, 3, 2), 10, 14):
        assert login_page(client, "applicant", DEFAULT_PASSWORD).status_code == 429
    with at(date(2026, 3, 2), 10, 16):
        assert login_page(client, "applicant", DEFAULT_PASSWORD).status_code == 302
        assert client.session["_auth_user_id"] == str(User.objects.get(username="applicant").pk)


def test_a_successful_login_resets_the_count(applicant):
    client = Client()
    for _ in range(LIMIT - 1):
        login_page(client, "applicant", "wrong")
    assert login_page(client, "applicant", DEFAULT_PASSWORD).status_code == 302
    client.post(reverse("logout"))
    for _ in range(LIMIT - 1):
        assert login_page(client, "applicant", "wrong").status_code == 200


def test_the_token_endpoint_locks_too_and_shares_the_count_with_the_login_page(applicant):
    client = Client()
    login_page(client, "applicant", "wrong")
    for _ in range(LIMIT - 2):
        response = token(client, "applicant", "wrong")
        assert response.status_code == 401
        assert response.json() == {"detail": "用户名或密码不正确。"}
    response = token(client, "applicant", "wrong")
    assert response.status_code == 429
    response = token(client, "applicant", DEFAULT_PASSWORD)
    assert response.status_code == 429
    assert response.json() == {"detail": "登录失败次数过多（3次），已暂时锁定，请15分钟后再试。"}
    assert not Token.objects.exists()
    assert login_page(client, "applicant", DEFAULT_PASSWORD).status_code == 429


def test_the_lock_is_per_address_and_a_forged_forwarded_header_does_not_lift_it(applicant):
    client = Client()
    for _ in range(LIMIT):
        token(client, "applicant", "wrong", REMOTE_ADDR="203.0.113.7")
    forged = token(client, "applicant", DEFAULT_PASSWORD, REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert forged.status_code == 429
    # the agency's colleague behind another address is not locked out by someone else's guessing
    assert token(client, "applicant", DEFAULT_PASSWORD, REMOTE_ADDR="198.51.100.20").status_code == 200


def test_the_token_endpoint_is_rate_limited_per_address(applicant, settings):
    from rest_framework.settings import api_settings
    from rest_framework.throttling import ScopedRateThrottle

    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"auth": "4/minute"}}
    api_settings.reload()
    ScopedRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
    try:
        client = Client()
        statuses = [token(client, f"nobody{i}", "x").status_code for i in range(6)]
        assert statuses == [401, 401, 401, 401, 429, 429]
    finally:
        api_settings.reload()
        ScopedRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES


def test_a_token_expires_after_its_lifetime_with_a_401(applicant, settings):
    settings.API_TOKEN_TTL_HOURS = 12
    client = Client()
    with at(date(2026, 3, 2), 9, 0):
        body = token(client, "applicant", DEFAULT_PASSWORD).json()
        assert body["expires"] == "2026-03-02T21:00:00+08:00"
    auth = {"HTTP_AUTHORIZATION": f"Token {body['token']}"}
    with at(date(2026, 3, 2), 20, 59):
        assert client.get("/api/v1/me/", **auth).status_code == 200
    with at(date(2026, 3, 2), 21, 0):
        response = client.get("/api/v1/me/", **auth)
        assert response.status_code == 401
        assert response.json() == {"detail": "令牌已过期，请重新获取。"}
        fresh = token(client, "applicant", DEFAULT_PASSWORD).json()["token"]
    assert fresh != body["token"]
    with at(date(2026, 3, 2), 21, 1):
        assert client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {fresh}").status_code == 200
        assert client.get("/api/v1/me/", **auth).status_code == 401  # the expired key never returns


def test_api_logout_revokes_the_token(applicant):
    client = Client()
    key = token(client, "applicant", DEFAULT_PASSWORD).json()["token"]
    auth = {"HTTP_AUTHORIZATION": f"Token {key}"}
    assert client.get("/api/v1/me/", **auth).status_code == 200
    assert client.post("/api/v1/auth/logout/", **auth).status_code == 204
    assert client.get("/api/v1/me/", **auth).status_code == 401


def test_logging_out_of_the_site_revokes_the_api_tokens_too(applicant):
    api_client = Client()
    key = token(api_client, "applicant", DEFAULT_PASSWORD).json()["token"]
    page = Client()
    assert login_page(page, "applicant", DEFAULT_PASSWORD).status_code == 302
    page.post(reverse("logout"))
    assert api_client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 401


def sign_up(client, n, **extra):
    from tests.approvals.test_pages import sign_up_data
    from tests.factories import make_credit_code

    return client.post(reverse("approvals:sign_up"),
                       sign_up_data(username=f"lab{n}", credit_code=make_credit_code(700 + n)), **extra)


def test_sign_up_is_throttled_per_address(settings):
    settings.SIGN_UP_RATE_PER_HOUR = 3
    statuses = [sign_up(Client(), n, REMOTE_ADDR="203.0.113.9").status_code for n in range(5)]
    assert statuses == [302, 302, 302, 429, 429]
    assert User.objects.filter(username__startswith="lab").count() == 3
    refused = sign_up(Client(), 9, REMOTE_ADDR="203.0.113.9")
    assert "注册请求过于频繁，请一小时后再试。" in refused.content.decode()
    assert sign_up(Client(), 10, REMOTE_ADDR="198.51.100.3").status_code == 302  # another address


def test_every_page_carries_a_strict_content_security_policy(applicant):
    client = Client()
    client.force_login(applicant)
    for url in ("/", "/accounts/login/", "/verify/", "/applications/"):
        policy = client.get(url)["Content-Security-Policy"]
        directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
        assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'", url
        assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'", url


def test_no_template_relies_on_inline_script_or_style():
    """What the policy would block: an inline <script>, <style>, style="" or on…="" handler."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    offenders = []
    for template in root.glob("*/**/templates/**/*.html"):
        if "/pdf/" in str(template) or ".venv" in template.parts:
            continue  # the PDF templates are rendered by WeasyPrint, never by a browser
        text = template.read_text()
        if re.search(r"<style|\sstyle=|\son[a-z]+=|<script(?![^>]*\ssrc=)", text):
            offenders.append(str(template.relative_to(root)))
    assert offenders == []


def test_the_api_docs_load_their_script_from_a_file(admin_client):
    page = admin_client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<script>" not in html.replace(" ", "")
    assert "'unsafe-inline'" not in page["Content-Security-Policy"].split("script-src")[1].split(";")[0]


def test_an_unknown_token_or_a_deactivated_users_token_gets_drfs_401(applicant):
    client = Client()
    key = token(client, "applicant", DEFAULT_PASSWORD).json()["token"]
    auth = {"HTTP_AUTHORIZATION": f"Token {key}"}
    assert client.get("/api/v1/me/", **auth).json()["username"] == "applicant"
    unknown = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key[:-1]}{'0' if key[-1] != '0' else '1'}")
    assert unknown.status_code == 401 and unknown.json() == {"detail": "认证令牌无效。"}
    User.objects.filter(pk=applicant.pk).update(is_active=False)  # read afresh on every request
    inactive = client.get("/api/v1/me/", **auth)
    assert inactive.status_code == 401 and inactive.json() == {"detail": "用户未激活或者已删除。"}
    english = client.get("/api/v1/me/", HTTP_ACCEPT_LANGUAGE="en", **auth)
    assert english.json() == {"detail": "User inactive or deleted."}


def test_a_signed_in_user_deactivated_is_signed_out_on_the_next_page(applicant):
    client = Client()
    client.force_login(applicant)
    assert client.get(reverse("approvals:application_list")).status_code == 200
    User.objects.filter(pk=applicant.pk).update(is_active=False)  # the user is read afresh on every page
    response = client.get(reverse("approvals:application_list"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_the_signed_in_user_is_read_with_the_agency_the_header_names(applicant, acceptor, django_assert_num_queries):
    from approvals.permissions import CachedPermissionsBackend

    backend = CachedPermissionsBackend()
    user = backend.get_user(applicant.pk)
    with django_assert_num_queries(0):
        assert user.agency.name == applicant.agency.name
    assert backend.get_user(acceptor.pk).agency is None and backend.get_user(acceptor.pk + 1000) is None
