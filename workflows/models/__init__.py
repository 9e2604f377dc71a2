"""Models of the orchestration layer: the flow's process and steps, the working-day calendar,
and the reminders and notifications the statutory clocks produce."""

from .calendar import CalendarDay, CalendarYear
from .notifications import ClockAlert, Notification, TextMessage
from .steps import ApplicationProcess, Step, StepQuerySet

__all__ = [
    "ApplicationProcess",
    "CalendarDay",
    "CalendarYear",
    "ClockAlert",
    "Notification",
    "Step",
    "StepQuerySet",
    "TextMessage",
]
