"""The dashboard's figures (everything it shows except the overdue steps), kept in the cache briefly.

They are computed from the roll-ups of the facts and the rule sets, and change only when either does:
every write of the roll-ups (``metrics.rollups``) and every save or deletion of a rule set bumps a
version that is part of the key, at once and again after the change commits, so a process sharing the
cache (Redis in production) never serves figures older than the facts it can read. Entries also expire
after ``CMA_DASHBOARD_CACHE_SECONDS`` (0 turns this off), which bounds what a process with its own
cache may show after a write in another. The key holds the filters, today's date (periods are read
relative to it) and the language (the comparison carries translated labels).
"""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language

VERSION_KEY = "metrics:figures:version"


def _bump() -> None:
    cache.add(VERSION_KEY, 0, None)
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # evicted between add and incr
        cache.set(VERSION_KEY, 1, None)


def figures_changed(**_kwargs) -> None:
    """The roll-ups or the rule sets changed: every cached figure is stale (now, and after commit)."""
    _bump()
    transaction.on_commit(_bump)


def cached_figures(filters, compute, *, kind: str = "figures"):
    """``compute()`` for these filters, from the cache while the roll-ups and rule sets are unchanged
    (``kind`` tells apart what different callers compute from the same filters)."""
    seconds = settings.CMA_DASHBOARD_CACHE_SECONDS
    if seconds <= 0:
        return compute()
    version = cache.get(VERSION_KEY, 0)
    digest = hashlib.sha256(repr(filters).encode()).hexdigest()[:32]
    key = f"metrics:{kind}:{version}:{get_language()}:{timezone.localdate().isoformat()}:{digest}"
    figures = cache.get(key)
    if figures is None:
        figures = compute()
        cache.set(key, figures, seconds)
    return figures
