"""Which application types and tracks an applicant may file: decided above this floor (a procedure
exists for the pair and the rule set in force has its document catalogue) and registered here when
the apps start, so the domain's own forms and API offer only those. Nothing registered: nothing is
offered (fail closed)."""

from collections.abc import Callable, Iterable

_source: Callable[[], Iterable[tuple[str, str]]] | None = None


def register(source: Callable[[], Iterable[tuple[str, str]]]) -> None:
    global _source
    _source = source


def offered_pairs() -> set[tuple[str, str]]:
    """The (application type, track) pairs offered today."""
    return set(_source()) if _source is not None else set()


def is_offered(application_type: str, track: str) -> bool:
    return (application_type, track) in offered_pairs()
