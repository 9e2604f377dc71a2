"""Logging in: lockout after repeated failures (django-axes), API tokens that expire, sign-up throttling.

The failure counts live in the cache (``axes.handlers.cache.AxesCacheHandler``), not in the request's
transaction, so a refused login that rolls back still counts; with ``CACHE_URL`` on Redis every web
process counts the same failures.
"""

from datetime import timedelta

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from compiled import CompiledRead


class LoginLockoutBackend(AxesStandaloneBackend):
    """Refuses a locked-out username/address before any password is checked.

    A login without a request (a management command, the test client) is not an attempt from the
    network: it is left to the other backends instead of failing.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)


def lockout_message() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return gettext("登录失败次数过多（%(limit)d次），已暂时锁定，请%(minutes)d分钟后再试。") % {
        "limit": settings.AXES_FAILURE_LIMIT, "minutes": minutes,
    }


def client_ip(request) -> str:
    """The caller's address: REMOTE_ADDR, or the header a trusted proxy sets (CLIENT_IP_HEADER)."""
    value = request.META.get(settings.CLIENT_IP_HEADER) or request.META.get("REMOTE_ADDR", "")
    return value.split(",")[0].strip()


def token_expires_at(token):
    return token.created + timedelta(hours=settings.API_TOKEN_TTL_HOURS)


def _token_with_user(*, key):
    return Token.objects.select_related("user").filter(key=key)


# Compiled once per process (the `compiled` package): every API request reads its token, and compiling
# that read cost more than PostgreSQL took to run it.
_TOKEN = CompiledRead(_token_with_user, "key")


class ExpiringTokenAuthentication(TokenAuthentication):
    """``Authorization: Token …`` valid for API_TOKEN_TTL_HOURS after it was issued; then 401."""

    def authenticate_credentials(self, key):
        token = _TOKEN.get(key=key)
        # DRF's own checks and messages (translated by DRF's catalogue).
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        if token_expires_at(token) <= timezone.now():
            raise exceptions.AuthenticationFailed(_("令牌已过期，请重新获取。"))
        return token.user, token


def within_rate(scope: str, ident: str, *, limit: int, period_seconds: int) -> bool:
    """Count one attempt of ``scope`` by ``ident``; False once more than ``limit`` fall in the period."""
    key = f"rate:{scope}:{ident}"
    cache.add(key, 0, period_seconds)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, period_seconds)
        count = 1
    return count <= limit
