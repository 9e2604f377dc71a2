"""Reads of the record."""

from django.db.models import OuterRef, Subquery

from compiled import CompiledRead

from .models import AuditEntry

# The names of each entry's actor (``actor_first_name``, ``actor_last_name``, ``actor_username``; None when
# no person acted or the person is no longer there), read with the entry. The user model is looked up when
# the read is first compiled (this floor imports no app that defines it).
ACTOR_NAMES = ("first_name", "last_name", "username")


def _with_actor_names(queryset):
    from django.contrib.auth import get_user_model

    actor = get_user_model().objects.filter(pk=OuterRef("actor_id"))
    return queryset.annotate(**{f"actor_{name}": Subquery(actor.values(name)[:1]) for name in ACTOR_NAMES})


# An application's part of the record with its actors' names, compiled once per process (the ``compiled``
# package): officials see the record on the application page, on every view. The names were a second
# statement whenever a person had acted.
_ENTRIES = CompiledRead(lambda application: _with_actor_names(AuditEntry.objects.for_application(application)),
                        "application")


def application_record(*, application_id: int) -> list[AuditEntry]:
    """Every event of one application, in chain order, each with ``actor_display``: the person's name
    as the pages write a user (the user model's ``name_of``), else the name recorded (one query)."""
    from django.contrib.auth import get_user_model

    name_of = get_user_model().name_of
    entries = _ENTRIES.all(application=application_id)
    for entry in entries:
        username = entry.actor_username
        if username is None:
            entry.actor_display = entry.actor_name
        else:
            entry.actor_display = name_of(entry.actor_first_name, entry.actor_last_name, username)
    return entries
