from approvals.exceptions import DomainError


class TaskConflict(DomainError):
    """The task was taken by someone else, or is already done or cancelled (HTTP 409)."""
