"""The one way the flow tells the apps above it that an application has ended.

The flow must not import the apps that read it (``metrics`` sits above ``workflows``), so the services
that may end an application call ``application_ended`` inside their transaction, and it calls each
function named in ``settings.CMA_APPLICATION_ENDED_HOOKS`` (dotted paths, keyword ``application``).
A hook runs inside the transaction that ended the application: it should only schedule work
(an outbox row, ``outbox.schedule``), never do it.
"""

from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

from approvals.models import Application
from approvals.models.applications import FINAL_STATES


@cache
def _hooks(paths: tuple[str, ...]):
    return tuple(import_string(path) for path in paths)


def application_ended(*, application: Application) -> None:
    """After a transition: if it ended the application, call the hooks (nothing for one still open)."""
    if application.status not in FINAL_STATES:
        return
    for hook in _hooks(tuple(settings.CMA_APPLICATION_ENDED_HOOKS)):
        hook(application=application)
