"""What the application page and the task pages both show, and how errors become responses."""

from typing import Any

from approvals import selectors as domain_selectors
from approvals.models import Application, ApplicationStatus, Certificate
from documents.selectors import requirements_for

from .. import selectors
from .. import steps as declared
from ..models import Step

ACTIVE = (Step.State.OPEN, Step.State.CLAIMED)

# HTTP status of a page re-rendered after a refused action: 409 when the task or the application
# moved on (taken, done, wrong state), 400 for input the services rejected.
CONFLICT, BAD_INPUT = 409, 400


def application_context(application: Application) -> dict[str, Any]:
    """Scope, notices, steps and audit of an application: a fixed handful of queries."""
    steps = selectors.timeline(application=application)
    certificate = None
    if application.status == ApplicationStatus.CERTIFIED:
        # with its current version: the page shows its number and expiry date (one query, not two)
        certificate = Certificate.objects.filter(application=application).select_related("current").first()
    notices = domain_selectors.deficiency_notices(application=application)
    _name_documents(application, notices)
    return {
        "application": application,
        "scope": domain_selectors.scope_items(application=application),
        "notices": notices,
        "history": domain_selectors.status_history(application=application),
        "steps": steps,
        "active_steps": [step for step in steps if step.state in ACTIVE],
        "applicant_step": next(
            (step for step in reversed(steps) if step.state in ACTIVE and step.node in declared.APPLICANT_STEPS), None
        ),
        "certificate": certificate,
    }


def _name_documents(application: Application, notices) -> None:
    """Give each notice item the name of the document it concerns (never its catalogue code)."""
    items = [item for notice in notices for item in notice.items]
    names = {}
    if any(item.document_code for item in items):
        names = {req.code: req.display_name for req in requirements_for(application)}
    for item in items:
        item.document_name = names.get(item.document_code, "")
