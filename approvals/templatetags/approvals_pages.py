"""Labels and colours of the domain's states for the pages."""

from datetime import datetime
from html import escape as html_escape

from django import template
from django.template.loader_tags import BlockNode
from django.urls import get_script_prefix
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.timezone import is_aware, localtime
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from approvals.models import ApplicationStatus as S

register = template.Library()

TRANSITION_LABELS = {
    "submit": gettext_lazy("提交申请"),
    "accept": gettext_lazy("受理"),
    "request_supplement": gettext_lazy("一次性告知补正"),
    "resubmit": gettext_lazy("补正后重新提交"),
    "refuse": gettext_lazy("不予受理"),
    "pass_review": gettext_lazy("技术评审通过"),
    "request_rectification": gettext_lazy("要求整改"),
    "submit_rectification": gettext_lazy("提交整改"),
    "fail_review": gettext_lazy("技术评审不通过"),
    "approve": gettext_lazy("准予许可"),
    "approve_partially": gettext_lazy("部分准予许可"),
    "deny": gettext_lazy("不予许可"),
    "certify": gettext_lazy("发证"),
    "withdraw": gettext_lazy("撤回申请"),
    "confirm_commitment": gettext_lazy("告知承诺核查属实"),
    "revoke_false_commitment": gettext_lazy("承诺不实，撤销许可"),
    "deem_accepted": gettext_lazy("受理期限届满，视为受理"),
    "deem_abandoned": gettext_lazy("补正期限届满，视为放弃申请"),
    "lapse_rectification": gettext_lazy("整改期限届满，未整改事项判定为不符合"),
}

STATUS_TONES = {
    S.DRAFT: "grey",
    S.SUBMITTED: "blue",
    S.SUPPLEMENT_REQUESTED: "amber",
    S.REFUSED: "red",
    S.ACCEPTED: "blue",
    S.RECTIFICATION: "amber",
    S.REVIEW_PASSED: "blue",
    S.REVIEW_FAILED: "amber",
    S.APPROVED: "green",
    S.PARTIALLY_APPROVED: "green",
    S.DENIED: "red",
    S.CERTIFIED: "green",
    S.AWAITING_DECISION: "blue",
    S.CERTIFICATE_CANCELLED: "grey",
    S.VERIFIED: "green",
    S.COMMITMENT_REVOKED: "red",
    S.WITHDRAWN: "grey",
    S.ABANDONED: "red",
}


@register.filter
def transition_label(name: str) -> str:
    return TRANSITION_LABELS.get(name, name)


@register.filter
def status_tone(status: str) -> str:
    return STATUS_TONES.get(status, "grey")


@register.inclusion_tag("_error_summary.html")
def error_summary(*forms) -> dict:
    """One summary at the top of a form page: every error, each linking to its field (a formset's
    row errors name the row). The errors also stay at their fields."""
    items: list[tuple[str, str]] = []  # (anchor, message)
    for form in forms:
        if form is None or not form.is_bound:
            continue
        if hasattr(form, "forms"):  # a formset
            items.extend(("", str(error)) for error in form.non_form_errors())
            for index, row in enumerate(form.forms, start=1):
                if form.can_delete and hasattr(row, "cleaned_data") and form._should_delete_form(row):
                    continue
                for name, errors in row.errors.items():
                    field = row.fields.get(name)
                    anchor = row[name].id_for_label if field is not None else ""
                    label = f"{_('第%(n)d行') % {'n': index}} {field.label if field is not None else ''}".strip()
                    items.extend((anchor, f"{label}：{error}") for error in errors)
            continue
        for name, errors in form.errors.items():
            if name == "__all__":
                items.extend(("", str(error)) for error in errors)
                continue
            field = form.fields.get(name)
            anchor = form[name].id_for_label if field is not None else ""
            items.extend((anchor, f"{field.label}：{error}" if field is not None else str(error)) for error in errors)
    return {"items": items}


@register.simple_tag
def number_code_names(application) -> dict:
    """The names of an application's field and industry codes (one query), for the pages."""
    from approvals.selectors import number_code_labels

    return number_code_labels(field_code=application.field_code, industry_code=application.industry_code)


AUDIT_EVENTS = {
    "decision": gettext_lazy("审批决定"),
    "document.upload": gettext_lazy("上传材料"),
    "document.reuse": gettext_lazy("沿用已有材料"),
    "document.remove": gettext_lazy("删除材料"),
    "answer_file.upload": gettext_lazy("上传答复附件"),
    "answer_file.remove": gettext_lazy("删除答复附件"),
    "certificate.issue": gettext_lazy("颁发证书"),
    "certificate.new_version": gettext_lazy("证书换发新版"),
    "certificate.suspend": gettext_lazy("暂停证书"),
    "certificate.restore": gettext_lazy("恢复证书"),
    "certificate.revoke": gettext_lazy("撤销证书"),
    "certificate.cancel": gettext_lazy("注销证书"),
    "certificate.sign": gettext_lazy("证书签名"),
    "key.retire": gettext_lazy("停用签名密钥"),
    "rule_set.change": gettext_lazy("修改规则集"),
    "rule_set.new_version": gettext_lazy("规则集新版本"),
    "admin.add": gettext_lazy("后台新增"),
    "admin.change": gettext_lazy("后台修改"),
    "admin.delete": gettext_lazy("后台删除"),
    "admin.calendar_reload": gettext_lazy("重新载入工作日历"),
}


@register.filter
def audit_event(action: str) -> str:
    """An audit entry's event as people name it (the stored code stays in the record and its exports)."""
    if action.startswith("application."):
        return str(TRANSITION_LABELS.get(action.split(".", 1)[1], action))
    return str(AUDIT_EVENTS.get(action, action))


# The rows of the application page's per-row lists (状态变更记录, 审计记录, 能力范围) are written here
# rather than by their templates: each row's dozen variables, filters and translations cost more than
# the query that read it, on the page most requested. The markup is the templates', row for row, and
# each label is translated once per page. A translated literal is written as ``{% translate %}``
# writes it (not escaped: it is the project's own text); every value is escaped.


def local_time_text(value, fmt: str = "%Y-%m-%d %H:%M", zone=None) -> str:
    """As the ``date`` filter writes an aware datetime in the current time zone ("" for none); the
    row-writing tags of every app use it. ``zone``: the current time zone, looked up once for a
    page's rows (a lookup cost more than the conversion and the formatting together)."""
    return localtime(value, zone).strftime(fmt) if value else ""


def day_text(value) -> str:
    """As ``|date:"Y-m-d"`` writes a date or an aware datetime (in the current time zone); "" for none."""
    if not value:
        return ""
    if isinstance(value, datetime) and is_aware(value):
        value = localtime(value)
    return value.strftime("%Y-%m-%d")


def escape_text(value) -> str:
    """``conditional_escape(value)`` as the row-writing tags of every app write their values: a plain
    ``str`` (most of what they write) is escaped as Django escapes it (``html.escape``) without the lazy
    and ``__html__`` checks around each call, a row's values costing a dozen of those; anything else
    (a safe string, a lazy translation, a number) goes through ``conditional_escape``."""
    if type(value) is str:
        return html_escape(value)
    return conditional_escape(value)


def escaped_once(label_of):
    """``label_of(value)``, escaped, worked out once per value: a page's rows repeat a few labels
    (translated on every call); the row-writing tags of every app use it."""
    done: dict = {}

    def label(value) -> str:
        text = done.get(value)
        if text is None:
            text = done[value] = conditional_escape(label_of(value))
        return text

    return label


@register.simple_tag
def history_rows(history) -> str:
    """The rows of ``approvals/_history.html``."""
    system = _("系统")  # as the template's default:_("系统") writes it
    label_of = escaped_once(transition_label)
    rows = []
    for change in history:
        transition = change.transition
        label = label_of(transition)
        comment = f'<div class="comment">{conditional_escape(change.comment)}</div>' if change.comment else ""
        by = change.by
        rows.append(
            f'\n      <li data-transition="{conditional_escape(transition)}">\n'
            f"        <div><strong>{label}</strong>\n"
            f'          <span class="badge tone-{conditional_escape(status_tone(change.source))}">'
            f"{conditional_escape(change.get_source_display())}</span> →\n"
            f'          <span class="badge tone-{conditional_escape(status_tone(change.target))}">'
            f"{conditional_escape(change.get_target_display())}</span></div>\n"
            f'        <div class="when">{local_time_text(change.at, "%Y-%m-%d %H:%M:%S")} · '
            f"{conditional_escape(by) if by else system}</div>\n"
            f"        {comment}\n"
            f"      </li>\n    "
        )
    return mark_safe("".join(rows))  # noqa: S308 (every value above is escaped)


@register.simple_tag
def audit_rows(entries) -> str:
    """The rows of ``audit/_record.html``."""
    system = _("系统")  # as the template's default:_("系统") writes it
    event_of = escaped_once(audit_event)
    rows = []
    for entry in entries:
        event = event_of(entry.action)
        actor = entry.actor_display
        digest = entry.hash
        rows.append(
            f'\n      <tr data-audit-seq="{conditional_escape(entry.seq)}"><td class="mono">{conditional_escape(entry.seq)}'
            f'</td><td>{local_time_text(entry.at, "%Y-%m-%d %H:%M:%S")}</td>\n'
            f"        <td>{event}</td><td>{conditional_escape(actor) if actor else system}</td>"
            f"<td>{conditional_escape(entry.summary)}</td>\n"
            f'        <td class="mono" title="{conditional_escape(digest)}">{conditional_escape(digest[:12])}…</td></tr>\n    '
        )
    return mark_safe("".join(rows))  # noqa: S308 (every value above is escaped)


@register.simple_tag
def scope_rows(scope) -> str:
    """The rows of ``approvals/_scope_table.html``."""
    granted = f'<span class="badge tone-green">{_("准予")}</span>\n            '
    refused = f'<span class="badge tone-red">{_("不予许可")}</span> '
    rows = []
    for item in scope:
        if item.approved is True:
            result = granted
        elif item.approved is False:
            result = f"{refused}{conditional_escape(item.refusal_reason)}\n            "
        else:
            result = '<span class="muted">—</span>'
        refused_row = ' class="refused"' if item.approved is False else ""
        rows.append(
            f"\n      <tr{refused_row}>\n"
            f'        <td class="num">{conditional_escape(item.seq)}</td><td>{conditional_escape(item.category)}</td>'
            f"<td>{conditional_escape(item.item)}</td><td>{conditional_escape(item.parameter)}</td>\n"
            f"        <td>{conditional_escape(item.standard)}</td><td>{conditional_escape(item.limitation or '—')}</td>\n"
            f"        <td>{result}</td>\n"
            f"      </tr>\n    "
        )
    return mark_safe("".join(rows))  # noqa: S308 (every value above is escaped)


_SUMMARY_WORDS: dict[str, dict[str, str]] = {}


def _summary_words() -> dict[str, str]:
    """The summary card's labels in the current language, translated once per process and language (two
    dozen translations on every view of the application and task pages)."""
    language = get_language()
    words = _SUMMARY_WORDS.get(language)
    if words is None:
        words = _SUMMARY_WORDS[language] = {
            "基本信息": _("基本信息"),
            "申请机构": _("申请机构"),
            "统一社会信用代码": _("统一社会信用代码"),
            "地址": _("地址"),
            "法定代表人": _("法定代表人"),
            "联系人": _("联系人"),
            "申请类型": _("申请类型"),
            "检验检测场所": _("检验检测场所"),
            "检验检测领域": _("检验检测领域"),
            "行业主管部门": _("行业主管部门"),
            "授权签字人": _("授权签字人"),
            "真实性声明": _("真实性声明"),
            "已确认": _("已确认"),
            "未确认": _("未确认"),
            "首次提交时间": _("首次提交时间"),
            "适用规则": _("适用规则"),
            "组长": _("组长"),
            "评审员": _("评审员"),
            "评审组": _("评审组"),
            "评审方式": _("评审方式"),
            "审批决定理由": _("审批决定理由"),
            "证书编号": _("证书编号"),
            "有效期至": _("有效期至"),
        }
    return words


@register.simple_tag(takes_context=True)
def summary_card(context, application) -> str:
    """``approvals/_summary.html`` (基本信息 of the application and task pages), written here rather than
    by the template for the reason the rows are: two dozen variables, filters and translations were a
    fifth of the application page. The markup is the template's, line for line; every value is escaped
    (``context["certificate"]``: the application's certificate, if the page shows one)."""
    from approvals.selectors import code_labels_of

    agency = application.agency
    codes = code_labels_of(application)
    e = conditional_escape
    w = _summary_words()
    email = f" · {e(agency.contact_email)}" if agency.contact_email else ""
    if application.declaration:
        declared = w["已确认"]
    else:
        declared = f'<span class="badge tone-amber">{w["未确认"]}</span>'
    submitted = (f"<dt>{w['首次提交时间']}</dt><dd>{local_time_text(application.submitted_at)}</dd>"
                 if application.submitted_at else "")
    rule_set = application.rule_set
    rules = f"<dt>{w['适用规则']}</dt><dd>{e(rule_set)}</dd>" if rule_set else ""
    leader, experts = application.review_leader, application.review_experts
    review = ""
    if leader or experts:
        who = f"{w['组长']} {e(leader)}" if leader else ""
        if experts:
            who += f"；{w['评审员']} {e(experts)}"
        review = f"\n      <dt>{w['评审组']}</dt><dd>{who}</dd>\n    "
    mode = (f"<dt>{w['评审方式']}</dt><dd>{e(application.get_review_mode_display())}</dd>"
            if application.review_mode else "")
    reason = (f"<dt>{w['审批决定理由']}</dt><dd>{e(application.decision_reason)}</dd>"
              if application.decision_reason else "")
    certificate = context.get("certificate")
    number = ""
    if certificate:
        number = (f'<dt>{w["证书编号"]}</dt><dd class="mono" data-certificate>{e(certificate.number)}'
                  f'（{w["有效期至"]} {day_text(certificate.expires_on)}）</dd>')
    return mark_safe(  # noqa: S308 (every value above is escaped)
        f'<div class="card" data-section="summary">\n'
        f'  <h2>{w["基本信息"]}</h2>\n'
        f'  <dl class="facts">\n'
        f'    <dt>{w["申请机构"]}</dt><dd>{e(agency.name)}</dd>\n'
        f'    <dt>{w["统一社会信用代码"]}</dt><dd class="mono">{e(agency.credit_code)}</dd>\n'
        f'    <dt>{w["地址"]}</dt><dd>{e(agency.address)}</dd>\n'
        f'    <dt>{w["法定代表人"]}</dt><dd>{e(agency.legal_representative)}</dd>\n'
        f'    <dt>{w["联系人"]}</dt><dd>{e(agency.contact_name)} · {e(agency.contact_phone)}{email}</dd>\n'
        f'    <dt>{w["申请类型"]}</dt><dd>{e(application.get_application_type_display())} · '
        f"{e(application.get_track_display())}</dd>\n"
        f'    <dt>{w["检验检测场所"]}</dt><dd>{e(application.test_sites or "—")}</dd>\n'
        f"    \n"
        f'    <dt>{w["检验检测领域"]}</dt><dd>{e(codes["field"])}</dd>\n'
        f'    <dt>{w["行业主管部门"]}</dt><dd>{e(codes["industry"])}</dd>\n'
        f'    <dt>{w["授权签字人"]}</dt><dd>{e(application.authorised_signatories or "—")}</dd>\n'
        f'    <dt>{w["真实性声明"]}</dt><dd>{declared}</dd>\n'
        f"    {submitted}\n"
        f"    {rules}\n"
        f"    {review}\n"
        f"    {mode}\n"
        f"    {reason}\n"
        f"    {number}\n"
        f"  </dl>\n"
        f"</div>\n"
    )


class _RenderedOnce(template.Node):
    """``{% rendered_once key … %}…{% endrendered_once %}``: see ``rendered_once``."""

    # Its fragment is written once, so it holds no {% block %} a child template could fill: the walk
    # for blocks that every {% extends %} makes through the layout, on every render, skips it.
    child_nodelists = ()

    def __init__(self, nodelist, keys):
        self.nodelist, self.keys = nodelist, keys
        self.rendered: dict[tuple, str] = {}

    def render(self, context):
        key = (get_language(), get_script_prefix(), *(value.resolve(context) for value in self.keys))
        html = self.rendered.get(key)
        if html is None:
            html = self.rendered[key] = self.nodelist.render(context)
        return html


@register.tag
def rendered_once(parser, token):
    """A fragment of the layout written once per process for each language and each value of its
    keys (and the script prefix its links are under), then reused: the header's navigation, the footer
    and the dialog were a fifth of a page's rendering, the same on every page; the dashboard's filter
    form with no filter chosen (its widgets rendered through templates) a quarter of that page.

    Only for what depends on nothing but the language and the keys (hashable values with few
    possibilities, such as a user's roles or the current page's name): never a user's name, a form,
    a CSRF token or a message. The compiled template holds the fragments (the cached template
    loader keeps it for the process).
    """
    keys = [parser.compile_filter(bit) for bit in token.split_contents()[1:]]
    nodelist = parser.parse(("endrendered_once",))
    parser.delete_first_token()
    if nodelist.get_nodes_by_type(BlockNode):
        raise template.TemplateSyntaxError("{% rendered_once %} is written once: it cannot hold a {% block %}")
    return _RenderedOnce(nodelist, keys)
