"""Reads of the record."""

from compiled import CompiledIdRows, CompiledRead

from .models import AuditEntry

# An application's part of the record and the people who acted in it, compiled once per process (the
# ``compiled`` package): officials see the record on the application page, on every view. The user
# model is looked up when the read is first compiled (this floor imports no app that defines it).
_ENTRIES = CompiledRead(lambda application: AuditEntry.objects.for_application(application), "application")
_ACTORS = CompiledIdRows(lambda ids: _user_model().objects.filter(pk__in=ids), 8)


def _user_model():
    from django.contrib.auth import get_user_model

    return get_user_model()


def application_record(*, application_id: int) -> list[AuditEntry]:
    """Every event of one application, in chain order, each with ``actor_display``: the person's name
    as the pages show people (two queries; one when no person acted)."""
    entries = _ENTRIES.all(application=application_id)
    names = _display_names({entry.actor_id for entry in entries if entry.actor_id})
    for entry in entries:
        entry.actor_display = names.get(entry.actor_id, entry.actor_name)
    return entries


def _display_names(ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    users = _ACTORS.all(sorted(ids))
    return {user.pk: user.get_full_name() or user.get_username() for user in users}
