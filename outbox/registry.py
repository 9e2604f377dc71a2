"""Handlers by name: upper floors register theirs, so this app imports none of them.

A handler is a callable taking the row's key (a string); a dotted path is imported on first use,
so registering in ``AppConfig.ready`` costs nothing. ``on_failure(key, error)`` records a failed
attempt where the handler's own rows show it (e.g. a PDF marked failed).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.module_loading import import_string

Handler = Callable[[str], object]
FailureHook = Callable[[str, Exception], object]


@dataclass
class _Entry:
    handler: Handler | str
    on_failure: FailureHook | str | None = None


_HANDLERS: dict[str, _Entry] = {}


def register(name: str, handler: Handler | str, *, on_failure: FailureHook | str | None = None) -> None:
    """Register (or replace) the handler of ``name``."""
    _HANDLERS[name] = _Entry(handler, on_failure)


def _resolve(value):
    return import_string(value) if isinstance(value, str) else value


def handler(name: str) -> Handler:
    """The callable for ``name``; ``KeyError`` when none is registered."""
    return _resolve(_HANDLERS[name].handler)


def failure_hook(name: str) -> FailureHook | None:
    entry = _HANDLERS.get(name)
    return _resolve(entry.on_failure) if entry and entry.on_failure else None


def names() -> list[str]:
    return sorted(_HANDLERS)
