"""The production shape: DEBUG off unless asked for, `check --deploy` clean, cache and database from the
environment. Each case starts a fresh interpreter, because settings are read once at start-up."""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# What the test settings put into this process's environment must not leak into the production runs.
TEST_ONLY = {
    "DJANGO_SETTINGS_MODULE", "DEBUG", "SECRET_KEY", "SECURE_SSL_REDIRECT", "SECURE_COOKIES",
    "SECURE_HSTS_SECONDS", "CERT_SIGNING_DEV_KEY_ALLOWED", "CACHE_URL", "CONN_MAX_AGE", "SITE_URL",
}
PRODUCTION = {
    "SECRET_KEY": "k7Vq3pX9zL2mN8rT4wY6bC1dF5gH0jKs-production-like-secret-value",
    "ALLOWED_HOSTS": "cma.example.gov.cn",
    "DATABASE_URL": "postgresql://cma@127.0.0.1:5432/cma",
    "CACHE_URL": "redis://127.0.0.1:6379/1",
    "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO,https",
    "SITE_URL": "https://cma.example.gov.cn",
}


def run(args: list[str], **env: str) -> subprocess.CompletedProcess:
    clean = {key: value for key, value in os.environ.items() if key not in TEST_ONLY}
    clean["DJANGO_SETTINGS_MODULE"] = "project.settings"
    return subprocess.run([sys.executable, *args], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=120)


def settings_of(*names: str, **env: str) -> dict:
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n, None) for n in {list(names)!r}}}, default=str))"
    )
    result = run(["-c", code], **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_debug_is_off_unless_the_environment_turns_it_on():
    assert settings_of("DEBUG", SECRET_KEY="x" * 60)["DEBUG"] is False
    assert settings_of("DEBUG", DEBUG="1")["DEBUG"] is True


def test_without_a_secret_key_production_refuses_to_start():
    result = run(["manage.py", "check"])
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_check_deploy_is_clean_with_production_settings():
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_names_what_is_turned_off():
    """The clean result above is not vacuous: turning the HTTPS settings off is reported."""
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        **PRODUCTION, SECURE_SSL_REDIRECT="0", SECURE_COOKIES="0", SECURE_HSTS_SECONDS="0",
    )
    assert result.returncode != 0
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in result.stderr


def test_https_settings_and_proxy_header_come_from_the_environment():
    values = settings_of(
        "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE",
        "SECURE_PROXY_SSL_HEADER", **PRODUCTION,
    )
    assert values == {
        "SECURE_SSL_REDIRECT": True, "SECURE_HSTS_SECONDS": 31536000, "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True, "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
    }
    relaxed = settings_of("SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", SECRET_KEY="x" * 60,
                          SECURE_SSL_REDIRECT="0", SECURE_HSTS_SECONDS="600")
    assert relaxed == {"SECURE_SSL_REDIRECT": False, "SECURE_HSTS_SECONDS": 600}


def test_database_connections_persist_with_health_checks_except_under_the_development_server():
    production = settings_of("DATABASES", **PRODUCTION)["DATABASES"]["default"]
    assert (production["CONN_MAX_AGE"], production["CONN_HEALTH_CHECKS"]) == (60, True)
    demo = settings_of("DATABASES", DEBUG="1")["DATABASES"]["default"]
    assert demo["CONN_MAX_AGE"] == 0


def test_cache_is_redis_when_configured_and_local_memory_otherwise():
    caches = settings_of("CACHES", **PRODUCTION)["CACHES"]["default"]
    assert caches == {"BACKEND": "project.cache.RedisCache", "LOCATION": "redis://127.0.0.1:6379/1"}
    assert settings_of("CACHES", DEBUG="1")["CACHES"]["default"]["BACKEND"].endswith("LocMemCache")
    # Sessions come from the cache only when every process shares it (else logging out in one process
    # would leave the session alive in the others).
    assert settings_of("SESSION_ENGINE", **PRODUCTION)["SESSION_ENGINE"] == "django.contrib.sessions.backends.cached_db"
    assert settings_of("SESSION_ENGINE", DEBUG="1")["SESSION_ENGINE"] == "django.contrib.sessions.backends.db"
    result = run(["manage.py", "check"], SECRET_KEY="x" * 60, CACHE_URL="memcached://127.0.0.1:11211")
    assert result.returncode != 0 and "CACHE_URL must be a redis:// URL" in result.stderr


@pytest.mark.celery
def test_the_redis_cache_is_shared_between_processes():
    """Throttles and lockouts counted in one worker process are seen by the next."""
    broker = os.environ.get("CELERY_BROKER_URL", "")
    if not broker.startswith("redis://"):
        pytest.skip("needs a Redis server (CELERY_BROKER_URL=redis://…; CI sets it)")
    key = f"shared-probe-{uuid.uuid4().hex}"
    code = (
        "import django; django.setup(); from django.core.cache import cache; "
        f"cache.add({key!r}, 0, 60); print(cache.incr({key!r}))"
    )
    env = {"SECRET_KEY": "x" * 60, "CACHE_URL": broker}
    first, second = run(["-c", code], **env), run(["-c", code], **env)
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    assert (int(first.stdout), int(second.stdout)) == (1, 2)


def test_production_templates_are_compiled_once_and_no_debugging_aid_is_installed():
    code = (
        "import json, django; django.setup(); from django.conf import settings; from django.template import engines; "
        "engine = engines['django'].engine; "
        "print(json.dumps({'loaders': [type(l).__module__ for l in engine.template_loaders], "
        "'debug': engine.debug, 'apps': settings.INSTALLED_APPS, 'middleware': settings.MIDDLEWARE}))"
    )
    result = run(["-c", code], **PRODUCTION)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["loaders"] == ["django.template.loaders.cached"] and not found["debug"]
    assert not any("debug_toolbar" in name or "silk" in name for name in found["apps"] + found["middleware"])
