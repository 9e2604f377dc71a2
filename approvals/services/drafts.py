"""Drafts: the application form and its capability scope, editable until submitted."""


from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from approvals.exceptions import TransitionRefused
from approvals.models import (
    Application,
    ApplicationStatus,
    ScopeItem,
    User,
)

SCOPE_FIELDS = ("category", "item", "parameter", "standard", "limitation")
EDITABLE_FIELDS = (
    "application_type", "track", "test_sites", "field_code", "industry_code", "authorised_signatories", "declaration",
    "changes", "cancellation_reason",
)


def _check_editable(application: Application) -> None:
    if application.status != ApplicationStatus.DRAFT:
        raise TransitionRefused(_("只有草稿可以修改。"), current_status=application.status)


def _clean_scope(items: Iterable[dict[str, Any]]) -> list[ScopeItem]:
    scope, errors = [], {}
    for index, raw in enumerate(items, start=1):
        item = ScopeItem(seq=index, **{f: str(raw.get(f, "") or "").strip() for f in SCOPE_FIELDS})
        try:
            item.full_clean(exclude=["application"])
        except ValidationError as error:
            errors[f"scope[{index}]"] = error.messages
        scope.append(item)
    if errors:
        raise ValidationError(errors)
    return scope


def _set_certificate(application: Application, certificate: str | None) -> None:
    """``certificate``: the number of the certificate a renewal, change, extension or cancellation concerns."""
    from .procedures import certificate_by_number

    if certificate is None:
        return
    if not str(certificate).strip():
        application.subject_certificate = None
        return
    application.subject_certificate = certificate_by_number(number=certificate, agency_id=application.agency_id)


def _clean_draft(application: Application) -> None:
    from .procedures import clean_changes

    if application.changes:
        application.changes = clean_changes(application.changes)
    application.full_clean(exclude=["rule_set", "status"])


@transaction.atomic
def application_create(*, by: User, scope: Iterable[dict[str, Any]] = (), certificate: str | None = None,
                       **fields: Any) -> Application:
    """Create a draft for the user's agency; ``certificate`` names (by number) the certificate it concerns."""
    if not by.agency_id:
        raise ValidationError(_("请先登记申请机构。"))
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({name: _("不可修改的字段。") for name in unknown})
    application = Application(agency_id=by.agency_id, created_by=by, **fields)
    _set_certificate(application, certificate)
    _clean_draft(application)
    application.save()
    scope_replace(application=application, items=scope, by=by)
    return application


@transaction.atomic
def application_update(*, application: Application, by: User, scope: Iterable[dict[str, Any]] | None = None,
                       certificate: str | None = None, **fields: Any) -> Application:
    """Edit a draft; ``scope``, when given, replaces the whole capability scope."""
    _check_editable(application)
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({name: _("不可修改的字段。") for name in unknown})
    for name, value in fields.items():
        setattr(application, name, value)
    _set_certificate(application, certificate)
    if "track" in fields and application.commitment_signed_at and fields["track"] != "commitment":
        application.commitment_signed_at = application.commitment_signed_by = None
        application.commitment_text = ""
    _clean_draft(application)
    application.save()
    if scope is not None:
        scope_replace(application=application, items=scope, by=by)
    return application


def scope_replace(*, application: Application, items: Iterable[dict[str, Any]], by: User) -> list[ScopeItem]:
    """Replace a draft's capability scope with ``items`` (validated whole before anything is written)."""
    _check_editable(application)
    scope = _clean_scope(items)
    application.scope_items.all().delete()
    for item in scope:
        item.application = application
    return ScopeItem.objects.bulk_create(scope)
