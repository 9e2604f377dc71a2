"""Domain errors. The API and pages map them: invalid input 400, not allowed now 409."""

from django.core.exceptions import ValidationError  # noqa: F401  (re-exported: bad input is a ValidationError)


class DomainError(Exception):
    """Base class for errors of the approval procedure."""


class TransitionRefused(DomainError):
    """The action is not allowed in the application's current state (or a condition fails)."""

    def __init__(self, message: str, *, current_status: str = ""):
        super().__init__(message)
        self.current_status = current_status


class RuleSetInUse(DomainError):
    """A rule set that an application was judged by (or that figures were measured against) is frozen:
    a change takes effect as a new version with its own effective date."""
