"""The site's public address (``SITE_URL``) is what every certificate's QR code and verification link
carry: a printed certificate keeps it for six years. It is checked when a process starts (a warning
in the log), by ``manage.py check`` and shown to administrators in the admin."""

import ipaddress
import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Warning, register
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


def _is_loopback(host: str) -> bool:
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def site_url_problem(site_url: str | None = None, *, debug: bool | None = None) -> tuple[str, str] | None:
    """("error" | "warning", message) when SITE_URL cannot serve as the public address, else None.

    A malformed address is always an error; a loopback one only matters outside development
    (DEBUG off), where a certificate would carry a link nobody else can open.
    """
    site_url = settings.SITE_URL if site_url is None else site_url
    debug = settings.DEBUG if debug is None else debug
    parts = urlsplit(site_url or "")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "error", _("SITE_URL（%(url)s）不是有效的网址，应形如 https://cma.example.gov.cn。") % {"url": site_url}
    if not debug and _is_loopback(parts.hostname):
        return "warning", _("SITE_URL 是本机地址（%(url)s）：证书二维码和核验链接将无法从外部打开。"
                            "请设置为本站的公网地址，例如 https://cma.example.gov.cn。") % {"url": site_url}
    return None


@register("documents")
def check_site_url(app_configs=None, **kwargs):
    problem = site_url_problem()
    if problem is None:
        return []
    level, message = problem
    if level == "error":
        return [Error(message, id="documents.E001")]
    return [Warning(message, hint=_("设置环境变量 SITE_URL。"), id="documents.W001")]


def warn_at_start() -> None:
    """Log the SITE_URL problem once, when a process (web server, worker) starts."""
    problem = site_url_problem()
    if problem is not None:
        logger.warning("%s", problem[1])
