"""The statutory clock on the pages: ``{% due step %}`` shows a step's due date, the working days
left or overdue, and what a finished step used (the calendar is cached: no query per row)."""

from django import template

register = template.Library()


@register.inclusion_tag("workflows/_due.html")
def due(step, detail: bool = False):
    """Due date with an overdue / due-soon mark; ``detail`` adds used and stopped working days."""
    status = step.due_status()
    left = status.working_days_left
    return {
        "step": step,
        "status": status,
        "active": step.is_active,
        "left": left,
        "overdue_days": -left if left is not None and left < 0 else None,
        "detail": detail,
    }
