"""The legal lifecycle: every status change goes through ``_transition`` (guarded, audited).

Transition services are atomic without a savepoint of their own: the caller's transaction is the
unit of work, and an error means it rolls back whole.
"""


from functools import cache
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, TransitionNotAllowed, can_proceed

from approvals.exceptions import TransitionRefused
from approvals.models import (
    Application,
    ApplicationStatus,
    Deficiency,
    RuleSet,
    ScopeItem,
    StatusChange,
    User,
)
from audit.services import audit_record
from writebehind import later


@cache
def _label(status: str) -> str:
    """A status as the record reads it: its Chinese name (the record is the authority's, in Chinese).
    Kept per status: the names are fixed, and switching the language per call cost more than the rest
    of the record's row."""
    with translation.override("zh-hans"):
        return str(ApplicationStatus(status).label)


def _transition(application: Application, name: str, *, by: User | None, comment: str = "") -> StatusChange:
    """Run one FSM transition, save it (refused if someone changed the status meanwhile), audit it."""
    method = getattr(application, name)
    source = application.status
    if not can_proceed(method, check_conditions=False):
        raise TransitionRefused(
            _("当前状态（%(status)s）不允许此操作。") % {"status": application.get_status_display()},
            current_status=source,
        )
    try:
        method()  # its conditions are checked here, once (they may query)
    except TransitionNotAllowed as error:
        raise TransitionRefused(_("此操作的条件尚未满足。"), current_status=source) from error
    change = StatusChange(
        application=application, transition=name, source=source, target=application.status,
        by=by, at=timezone.now(), comment=comment,
    )
    try:
        application.save_changes(recording=change)  # the change and its row, in one statement
    except ConcurrentTransition as error:
        raise TransitionRefused(_("申请状态已被他人修改，请刷新后重试。"), current_status=source) from error
    audit_record(
        action=f"application.{name}", obj=application, application_id=application.pk, by=by,
        summary=f"{application.reference} {_label(source)} → {_label(application.status)}",
        data={"status_change": change.pk, "transition": name, "source": source, "target": application.status,
              "comment": comment, "rule_set": application.rule_set_id},
    )
    for hook in _status_changed_hooks(tuple(settings.CMA_STATUS_CHANGED_HOOKS)):
        hook(change=change)
    return change


@cache
def _status_changed_hooks(paths: tuple[str, ...]):
    # The floors above (telling the applicant) are named in settings: the domain imports none of them.
    return tuple(import_string(path) for path in paths)


def _require(text: str, field: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({field: _("此项为必填项。")})
    return text


@transaction.atomic(savepoint=False)
def application_submit(*, application: Application, by: User) -> Application:
    """Submit a draft: it must carry the truthfulness declaration and what its type asks (a scope and
    a test site; the certificate it concerns; the changes; the cancellation reason; on the commitment
    track, the signed commitment letter)."""
    from .procedures import submission_check

    errors = {}
    if not application.declaration:
        errors["declaration"] = _("请确认对申请材料真实性负责的声明。")
    if application.asks_scope() and not application.scope_items.exists():
        errors["scope"] = _("请至少填写一项检验检测能力。")
    if application.asks_scope() and not application.test_sites.strip():
        errors["test_sites"] = _("请填写检验检测场所地址。")
    now = timezone.now()
    rule_set = RuleSet.in_force_on(timezone.localdate(now))
    if application.status == ApplicationStatus.DRAFT:
        try:
            submission_check(application=application, rule_set=rule_set, today=timezone.localdate(now))
        except ValidationError as error:
            errors.update(error.message_dict)
    if errors and application.status == ApplicationStatus.DRAFT:
        raise ValidationError(errors)
    application.rule_set = rule_set
    application.submitted_at = now
    _transition(application, "submit", by=by)
    return application


@transaction.atomic(savepoint=False)
def application_accept(*, application: Application, by: User, comment: str = "",
                       review_leader: int | None = None, review_experts: str = "") -> Application:
    """受理, optionally naming the review team (its leader then takes the review task directly)."""
    if review_leader:
        leader = User.objects.filter(pk=review_leader, is_active=True, agency__isnull=True).first()
        if leader is None or not leader.has_perm("approvals.review_application"):
            raise ValidationError({"review_leader": _("评审组长须为具有技术评审权限的审批人员。")})
        application.review_leader = leader
    application.review_experts = (review_experts or "").strip()
    _transition(application, "accept", by=by, comment=comment)
    return application


def _next_round(application: Application, kind: str) -> int:
    last = application.deficiencies.filter(kind=kind).order_by("-round").values_list("round", flat=True).first()
    return (last or 0) + 1


def _raise_deficiencies(application: Application, kind: str, items: list[dict[str, Any]], by: User) -> list[Deficiency]:
    if not items:
        raise ValidationError({"deficiencies": _("请逐项列明需要补正或整改的问题。")})
    round_ = _next_round(application, kind)
    rows, errors = [], {}
    for index, raw in enumerate(items, start=1):
        row = Deficiency(
            application=application, kind=kind, round=round_, raised_by=by,
            description=str(raw.get("description", "")).strip(), clause=str(raw.get("clause", "")).strip(),
            grade=str(raw.get("grade", "")).strip(), document_code=str(raw.get("document_code", "")).strip(),
        )
        try:
            row.full_clean()
        except ValidationError as error:
            errors[f"deficiencies[{index}]"] = error.messages
        rows.append(row)
    if errors:
        raise ValidationError(errors)
    return Deficiency.objects.bulk_create(rows)


@transaction.atomic(savepoint=False)
def supplement_request(*, application: Application, by: User, deficiencies: list[dict[str, Any]],
                       comment: str = "") -> list[Deficiency]:
    """补正通知: one notice that lists every defect at once (一次性告知)."""
    rows = _raise_deficiencies(application, Deficiency.Kind.SUPPLEMENT, deficiencies, by)
    _transition(application, "request_supplement", by=by, comment=comment)
    return rows


def _resolve_deficiencies(application: Application, kind: str, response: str) -> None:
    application.deficiencies.filter(kind=kind, resolved_at__isnull=True).update(
        response=response, resolved_at=timezone.now()
    )


@transaction.atomic(savepoint=False)
def supplement_answer(*, application: Application, by: User, response: str) -> Application:
    """The applicant answers the supplement notice and resubmits."""
    response = _require(response, "response")
    _transition(application, "resubmit", by=by, comment=response)
    _resolve_deficiencies(application, Deficiency.Kind.SUPPLEMENT, response)
    return application


@transaction.atomic(savepoint=False)
def application_refuse(*, application: Application, by: User, reason: str) -> Application:
    """不予受理, with the reason in writing."""
    _transition(application, "refuse", by=by, comment=_require(reason, "comment"))
    return application


@transaction.atomic(savepoint=False)
def review_pass(*, application: Application, by: User, review_mode: str = "", comment: str = "") -> Application:
    """技术评审通过."""
    _set_review_mode(application, review_mode)
    _transition(application, "pass_review", by=by, comment=comment)
    return application


def _set_review_mode(application: Application, review_mode: str) -> None:
    if review_mode:  # checked against the field's choices only: the rest of the row is not being edited
        try:
            application.review_mode = Application._meta.get_field("review_mode").clean(review_mode, application)
        except ValidationError as error:
            raise ValidationError({"review_mode": error.messages}) from None


@transaction.atomic(savepoint=False)
def rectification_request(*, application: Application, by: User, findings: list[dict[str, Any]],
                          review_mode: str = "", comment: str = "") -> list[Deficiency]:
    """整改: findings citing RB/T 214 clauses, graded; the applicant must rectify them."""
    _set_review_mode(application, review_mode)
    rows = _raise_deficiencies(application, Deficiency.Kind.RECTIFICATION, findings, by)
    _transition(application, "request_rectification", by=by, comment=comment)
    return rows


@transaction.atomic(savepoint=False)
def rectification_submit(*, application: Application, by: User, response: str) -> Application:
    """The applicant reports the rectification done; the review resumes."""
    response = _require(response, "response")
    _transition(application, "submit_rectification", by=by, comment=response)
    _resolve_deficiencies(application, Deficiency.Kind.RECTIFICATION, response)
    return application


@transaction.atomic(savepoint=False)
def review_fail(*, application: Application, by: User, reason: str, review_mode: str = "") -> Application:
    """技术评审不通过, with the reason."""
    _set_review_mode(application, review_mode)
    _transition(application, "fail_review", by=by, comment=_require(reason, "comment"))
    return application


def _decide(application: Application, name: str, by: User, reason: str) -> Application:
    application.decision_reason = reason
    application.decided_at = timezone.now()
    _transition(application, name, by=by, comment=reason)
    audit_record(
        action="decision", obj=application, application_id=application.pk, by=by,
        summary=f"{application.reference} {_label(application.status)}",
        data={"decision": application.status, "reason": reason, "scope": [
            {"seq": seq, "approved": approved, "refusal_reason": why}
            for seq, approved, why in application.scope_items.order_by("seq").values_list("seq", "approved", "refusal_reason")
        ]},
    )
    return application


@transaction.atomic(savepoint=False)
def decision_approve(*, application: Application, by: User, comment: str = "") -> Application:
    """准予许可: the whole requested scope."""
    _approve_every_item(application)
    return _decide(application, "approve", by, comment)


def _approve_every_item(application: Application) -> None:
    """``application.scope_items.update(approved=True, refusal_reason="")``, as a write nobody reads the
    count of: inside a task completion it travels with the next statement (writebehind), the
    transition's own check that every item is decided, which then sees it."""
    quote = connection.ops.quote_name
    later(f"UPDATE {quote(ScopeItem._meta.db_table)} SET {quote('approved')} = %s, {quote('refusal_reason')} = %s "
          f"WHERE {quote(ScopeItem._meta.get_field('application').column)} = %s", [True, "", application.pk])


@transaction.atomic(savepoint=False)
def decision_approve_partially(*, application: Application, by: User, refused_items: dict[int, str],
                               reason: str) -> Application:
    """部分准予许可: the listed scope items (seq → reason) are refused, the rest approved."""
    reason = _require(reason, "comment")
    seqs = set(application.scope_items.values_list("seq", flat=True))
    unknown = [seq for seq in refused_items if seq not in seqs]
    missing_reason = [seq for seq, why in refused_items.items() if not str(why).strip()]
    if not refused_items or unknown or missing_reason or len(refused_items) >= len(seqs):
        raise ValidationError({"refused_items": _(
            "请列出不予许可的能力项（序号）及各自理由；至少保留一项准予许可。"
        )})
    application.scope_items.update(approved=True, refusal_reason="")
    for seq, why in refused_items.items():
        application.scope_items.filter(seq=seq).update(approved=False, refusal_reason=str(why).strip())
    return _decide(application, "approve_partially", by, reason)


@transaction.atomic(savepoint=False)
def decision_deny(*, application: Application, by: User, reason: str) -> Application:
    """不予许可, with reasons in writing."""
    reason = _require(reason, "comment")
    application.scope_items.update(approved=False)
    return _decide(application, "deny", by, reason)


@transaction.atomic(savepoint=False)
def application_withdraw(*, application: Application, by: User, reason: str = "") -> Application:
    """撤回 by the applicant, from any state before the decision."""
    _transition(application, "withdraw", by=by, comment=reason)
    return application
