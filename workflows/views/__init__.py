"""Pages that drive the flow: the applicant's application page (submit, withdraw, answer) and the
officials' queues and task pages."""

from .applications import (
    application_answer,
    application_commitment_sign,
    application_detail,
    application_record,
    application_submit,
    application_withdraw,
)
from .tasks import claimable, inbox, task_claim, task_complete, task_detail, task_release

__all__ = [
    "application_answer",
    "application_commitment_sign",
    "application_detail",
    "application_record",
    "application_submit",
    "application_withdraw",
    "claimable",
    "inbox",
    "task_claim",
    "task_complete",
    "task_detail",
    "task_release",
]
