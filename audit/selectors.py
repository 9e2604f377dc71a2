"""Reads of the record."""

from .models import AuditEntry


def application_record(*, application_id: int) -> list[AuditEntry]:
    """Every event of one application, in chain order, each with ``actor_display``: the person's name
    as the pages show people (two queries)."""
    entries = list(AuditEntry.objects.for_application(application_id))
    names = _display_names({entry.actor_id for entry in entries if entry.actor_id})
    for entry in entries:
        entry.actor_display = names.get(entry.actor_id, entry.actor_name)
    return entries


def _display_names(ids: set[int]) -> dict[int, str]:
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.filter(pk__in=ids)
    return {user.pk: user.get_full_name() or user.get_username() for user in users}
