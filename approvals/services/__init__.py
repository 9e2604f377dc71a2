"""Writes of the domain core. Each service validates, changes, audits; none knows about flows.

The flow layer (``workflows``) calls the transition services inside its task lock, so a task's
completion and the status change it causes commit together or not at all.
"""

from .accounts import agency_register, applicant_sign_up
from .certificates import (
    add_years,
    certificate_cancel,
    certificate_issue,
    certificate_new_version,
    certificate_restore,
    certificate_revoke,
    certificate_suspend,
)
from .drafts import EDITABLE_FIELDS, SCOPE_FIELDS, application_create, application_update, scope_replace
from .lifecycle import (
    application_accept,
    application_refuse,
    application_submit,
    application_withdraw,
    decision_approve,
    decision_approve_partially,
    decision_deny,
    rectification_request,
    rectification_submit,
    review_fail,
    review_pass,
    supplement_answer,
    supplement_request,
)
from .procedures import (
    cancellation_approve,
    commitment_confirm,
    commitment_false,
    commitment_sign,
    licence_issue,
)
from .rules import rule_set_new_version, rule_set_update

__all__ = [
    "EDITABLE_FIELDS", "SCOPE_FIELDS", "add_years", "agency_register", "applicant_sign_up", "application_accept",
    "application_create", "application_refuse", "application_submit", "application_update", "application_withdraw",
    "cancellation_approve", "certificate_cancel", "certificate_issue", "certificate_new_version",
    "certificate_restore", "certificate_revoke", "certificate_suspend", "commitment_confirm", "commitment_false",
    "commitment_sign", "decision_approve", "decision_approve_partially", "decision_deny", "licence_issue",
    "rectification_request", "rectification_submit", "review_fail", "review_pass", "rule_set_new_version",
    "rule_set_update", "scope_replace", "supplement_answer", "supplement_request",
]
