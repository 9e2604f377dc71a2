"""The documents card on the application page: one tag, so that page needs no documents code."""

from django import template

from approvals.models import Application

from .. import answers, selectors
from ..services import UPLOAD_STATES

register = template.Library()


@register.inclusion_tag("documents/_card.html", takes_context=True)
def documents_card(context, application: Application) -> dict:
    """申请材料 and 出具的文书 of an application, for whoever may see the application page."""
    user = context["request"].user
    # The application and task pages have read every deficiency for their notices already.
    notices = context.get("notices")
    deficiencies = [item for notice in notices for item in notice.items] if notices is not None else None
    checklist = selectors.checklist_states(application=application, deficiencies=deficiencies)
    requested = [s for s in checklist if not s.requirement.via_data_sharing]
    return {
        "application": application,
        "checklist": checklist,
        "provided": sum(1 for s in requested if s.state in ("provided", "answered")),
        "requested": sum(1 for s in requested if s.requirement.mandatory),
        "missing": [s for s in checklist if not s.is_satisfied],
        "shared": [s for s in checklist if s.requirement.via_data_sharing],
        "rendered": selectors.rendered_for_card(application=application),
        "can_change": user.agency_id == application.agency_id and application.status in UPLOAD_STATES,
    }


@register.inclusion_tag("documents/_answer_files.html")
def answer_files_card(application: Application) -> dict:
    """答复附件: the rectification reports and evidence the applicant attached to its answers."""
    return {"application": application, "files": answers.answer_files_for(application=application)}
