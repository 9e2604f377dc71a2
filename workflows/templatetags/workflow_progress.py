"""The procedure progress bar: ``{% progress_bar application %}`` on an application's pages and
``{% list_progress items as bars %}`` + ``{% progress_compact bars application %}`` on list rows."""


from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext

from approvals.choices import choice_display
from approvals.models import Application
from approvals.templatetags.approvals_pages import day_text, escaped_once, local_time_text, status_tone

from ..progress import CURRENT, Progress, ProgressStep, progress_for_list, progress_of, step_title

register = template.Library()


@register.inclusion_tag("workflows/_progress.html")
def progress_bar(application, steps=None, progress: Progress | None = None) -> dict:
    """The full bar: every step of the application's path, the current one's due date and holder."""
    return {"progress": progress or progress_of(application, rows=steps), "application": application}


@register.simple_tag
def list_progress(applications) -> dict:
    """The progress of every application of a list page, from one query."""
    return progress_for_list(applications)


# A list row's bar is written here rather than by an included template: twenty rows of eight steps
# each, every title and state translated twice, were most of the applicant's list page. A step's
# markup depends only on the language, the step and its state (a step's title is its declared
# title), so each is built once per process.
_STEP_MARKUP: dict[tuple[str, str, str], str] = {}


def _step_markup(step: ProgressStep, language: str) -> str:
    key = (language, step.key, step.state)
    markup = _STEP_MARKUP.get(key)
    if markup is None:
        label = conditional_escape(f"{step.title}：{step.state_label}")
        current = ' aria-current="step"' if step.state == CURRENT else ""
        markup = (f'<li class="progress-step is-{conditional_escape(step.state)}" title="{label}"{current}>'
                  f'<span class="visually-hidden">{label}</span></li>')
        _STEP_MARKUP[key] = markup
    return markup


def _compact(progress: Progress | None, words: dict[str, str], title_of) -> str:
    """One row's compact bar: the steps as marks, then the current step, its holder and due date
    (``words``: the bar's two words, translated and escaped once per page; ``title_of``: a step's
    title by its key, escaped)."""
    if not progress:
        return "\n"
    language = get_language()
    steps = "".join(_step_markup(step, language) for step in progress.steps)
    current = progress.current
    line = ""
    if current:
        line = title_of(current.key)
        if current.state == CURRENT and current.holder:
            line += f" · {conditional_escape(current.holder)}"
        if current.due_date:
            line += f" · {words['due']} {current.due_date:%Y-%m-%d}"
        line = f'<span class="small">{line}</span>'
    return (
        f'<div class="progress-compact" data-progress="{progress.position}/{len(progress.steps)}">\n'
        f'  <ol class="progress mini" aria-label="{words["progress"]}">\n'
        f"    {steps}\n"
        f"  </ol>\n"
        f"  {line}\n"
        f"</div>\n"
    )


def _words() -> dict[str, str]:
    return {"due": conditional_escape(gettext("期限")), "progress": conditional_escape(gettext("办理进度"))}


@register.simple_tag
def progress_compact(bars: dict, application) -> str:
    """One row's compact bar (``{% list_progress %}``'s ``bars``)."""
    return mark_safe(_compact(bars.get(application.pk), _words(), escaped_once(step_title)))  # noqa: S308 (escaped)


_TYPE_LABEL = choice_display(Application, "application_type")
_STATUS_LABEL = choice_display(Application, "status")


@register.simple_tag(takes_context=True)
def application_rows(context, page, bars: dict, attention, applications_url: str) -> str:
    """The rows of the applicant's list, written here rather than by the template (the template's
    markup, row for row): twenty rows of a dozen variables and filters each were half the page."""
    url = conditional_escape(applications_url)
    labels = {name: conditional_escape(context.get(name, "")) for name in (
        "label_reference", "label_type", "label_status", "label_progress", "label_created", "label_submitted",
        "go_edit", "go_answer", "go_view")}
    # What the rows share is translated and escaped once per page.
    words, title_of = _words(), escaped_once(step_title)
    kind_of, status_of = escaped_once(_TYPE_LABEL), escaped_once(_STATUS_LABEL)
    rows = []
    for application in page:
        pk = application.pk
        status = application.status
        if status == "draft":
            action = f'<a class="btn small" href="{url}{pk}/edit/">{labels["go_edit"]}</a>\n          '
        elif status in attention:
            action = f'<a class="btn small warning" href="{url}{pk}/answer/">{labels["go_answer"]}</a>\n          '
        else:
            action = f'<a class="btn small" href="{url}{pk}/">{labels["go_view"]}</a>'
        created = local_time_text(application.created)
        submitted = local_time_text(application.submitted_at) or "—"
        kind = kind_of(application.application_type)
        tone = conditional_escape(status_tone(status))
        rows.append(
            f'\n      <tr data-application="{pk}">\n'
            f'        <td data-label="{labels["label_reference"]}"><a class="mono" href="{url}{pk}/">'
            f"{conditional_escape(application.reference)}</a></td>\n"
            f'        <td data-label="{labels["label_type"]}">{kind}</td>\n'
            f'        <td data-label="{labels["label_status"]}"><span class="badge tone-{tone}">'
            f"{status_of(status)}</span></td>\n"
            f'        <td data-label="{labels["label_progress"]}">{_compact(bars.get(pk), words, title_of)}</td>\n'
            f'        <td class="nowrap" data-label="{labels["label_created"]}">{created}</td>\n'
            f'        <td class="nowrap" data-label="{labels["label_submitted"]}">{submitted}</td>\n'
            f'        <td class="nowrap">\n          {action}\n        </td>\n'
            f"      </tr>\n    "
        )
    return mark_safe("".join(rows))  # noqa: S308 (every value above is escaped)


@register.simple_tag
def progress_steps(progress: Progress) -> str:
    """The steps of the full bar (``workflows/_progress.html``), written here rather than by the
    template: eight steps of a dozen variables, conditions and translations each were a tenth of the
    application page. The markup is the template's, step for step."""
    holder_label = gettext("办理人：")
    due_label = gettext("期限：")
    out = []
    for counter, step in enumerate(progress.steps, start=1):
        state = conditional_escape(step.state)
        current = step.state == CURRENT
        if step.state == "done":
            dot = "✓"
        elif step.state == "stopped":
            dot = "✕"
        else:
            dot = counter
        waiting = ""
        if step.waiting_on:
            waiting = "（" + gettext("等待%(loop)s") % {"loop": conditional_escape(step.waiting_on)} + "）"
        meta = ""
        if current:
            holder = (f'<span class="progress-meta" data-holder>{holder_label}{conditional_escape(step.holder)}</span>'
                      if step.holder else "")
            due = ""
            if step.due_date:
                day = day_text(step.due_date)
                due = f'<span class="progress-meta" data-due="{day}">{due_label}{day}</span>'
            meta = f"\n          {holder}\n          {due}\n        "
        elif step.state == "done" and step.finished_at:
            meta = f'\n          <span class="progress-meta">{day_text(step.finished_at)}</span>\n        '
        aria_current = ' aria-current="step"' if current else ""
        out.append(
            f'\n      <li class="progress-step is-{state}" data-step-key="{conditional_escape(step.key)}" '
            f'data-state="{state}"{aria_current}>\n'
            f'        <span class="progress-dot" aria-hidden="true">{dot}</span>\n'
            f'        <span class="progress-title">{conditional_escape(step.title)}</span>\n'
            f'        <span class="progress-state">{conditional_escape(step.state_label)}{waiting}</span>\n'
            f"        {meta}\n"
            f"      </li>\n    "
        )
    return mark_safe("".join(out))  # noqa: S308 (every value above is escaped)
