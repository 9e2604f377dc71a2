"""The procedure progress bar: ``{% progress_bar application %}`` on an application's pages and
``{% list_progress items as bars %}`` + ``{% progress_compact bars application %}`` on list rows."""

from django import template

from ..progress import Progress, progress_for_list, progress_of

register = template.Library()


@register.inclusion_tag("workflows/_progress.html")
def progress_bar(application, steps=None, progress: Progress | None = None) -> dict:
    """The full bar: every step of the application's path, the current one's due date and holder."""
    return {"progress": progress or progress_of(application, rows=steps), "application": application}


@register.simple_tag
def list_progress(applications) -> dict:
    """The progress of every application of a list page, from one query."""
    return progress_for_list(applications)


@register.inclusion_tag("workflows/_progress_compact.html")
def progress_compact(bars: dict, application) -> dict:
    return {"progress": bars.get(application.pk), "application": application}
