"""The documents card on the application page: one tag, so that page needs no documents code."""

from django import template
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from approvals.models import Application
from approvals.templatetags.approvals_pages import local_time_text

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


# The rows of the two cards, written here rather than by their templates (the templates' markup, row
# for row): the application page is the most requested one and each row's variables, filters and URL
# cost more than the row's share of its query.


@register.simple_tag
def missing_badges(missing) -> str:
    """尚需提交: a badge per requirement not yet met (red when its document was sent back)."""
    return mark_safe("".join(  # noqa: S308 (every value is escaped)
        f'<span class="badge tone-{"red" if status.state == "rejected" else "amber"}" '
        f'data-missing="{conditional_escape(status.requirement.code)}">'
        f"{conditional_escape(status.requirement.display_name)}</span> "
        for status in missing
    ))


@register.simple_tag
def shared_names(shared) -> str:
    """The requirements obtained through data sharing, named in a row."""
    return mark_safe("、".join(conditional_escape(status.requirement.display_name) for status in shared))  # noqa: S308


@register.simple_tag
def issued_rows(rendered) -> str:
    """出具的文书: a link to each PDF that is ready, else its name and state."""
    rows = []
    for doc in rendered:
        name = conditional_escape(doc.filename)
        if doc.state == "ready":
            item = f'<a href="{conditional_escape(reverse("documents:rendered", args=[doc.pk]))}">{name}</a>'
        else:
            item = f'{name} <span class="muted">（{conditional_escape(doc.get_state_display())}）</span>'
        rows.append(f"\n      <li>{item}</li>\n    ")
    return mark_safe("".join(rows))  # noqa: S308 (every value above is escaped)


@register.simple_tag
def answer_file_rows(files) -> str:
    """答复附件: a row per file (the notice it answered, its use, a link, its size and upload time)."""
    rows = []
    for file in files:
        round_ = gettext("（第 %(round)s 轮）") % {"round": conditional_escape(file.round)}
        uploaded = local_time_text(file.uploaded_at)
        rows.append(
            f'\n      <tr data-answer-file="{conditional_escape(file.pk)}" data-role="{conditional_escape(file.role)}">\n'
            f"        <td>{conditional_escape(file.get_kind_display())}{round_}</td>\n"
            f"        <td>{conditional_escape(file.get_role_display())}</td>\n"
            f'        <td><a href="{conditional_escape(reverse("documents:answer-file", args=[file.pk]))}">'
            f'{conditional_escape(file.original_name)}</a> <span class="muted">'
            f"{conditional_escape(filesizeformat(file.size))}</span></td>\n"
            f"        <td>{uploaded}</td>\n"
            f"      </tr>\n    "
        )
    return mark_safe("".join(rows))  # noqa: S308 (every value above is escaped)
