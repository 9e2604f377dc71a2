"""Rule sets: edited freely until an application is judged by them, then only superseded by a new
version with its own effective date. Past applications keep the rules they were judged by."""

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from approvals.exceptions import RuleSetInUse
from approvals.models import RuleSet, User
from approvals.models.rules import FROZEN_MESSAGE
from audit.services import audit_record

COPIED_FIELDS = [
    "name", "is_promise", "acceptance_days", "review_days", "rectification_days", "decision_days", "issue_days",
    "supplement_days", "fee_yuan", "procedures", "in_person_visits", "expected_steps",
    "renewal_closes_months", "renewal_opens_months", "renewal_new_number", "renewal_from_expiry",
    "change_kinds_reviewed", "commitment_types", "commitment_excluded_fields", "commitment_letter",
    "verification_months", "false_commitment_bar_years",
]


@transaction.atomic
def rule_set_update(*, rule_set: RuleSet, by: User | None, **fields: Any) -> RuleSet:
    """Change an unused rule set; a used one is refused (``RuleSetInUse``)."""
    locked = RuleSet.objects.select_for_update().get(pk=rule_set.pk)
    if locked.is_used():
        raise RuleSetInUse(str(FROZEN_MESSAGE))
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.full_clean()
    locked.save()
    audit_record(action="rule_set.change", obj=locked, by=by, summary=str(locked), data={"changed": fields})
    return locked


@transaction.atomic
def rule_set_new_version(*, source: RuleSet, code: str, effective_from: date, by: User | None,
                         **changes: Any) -> RuleSet:
    """A new version of ``source`` in force from ``effective_from`` (today or later, after the source's
    own date), with ``changes`` applied; applications submitted before that day keep ``source``."""
    if effective_from < timezone.localdate() or effective_from <= source.effective_from:
        raise ValidationError({"effective_from": _("新版本的生效日期不能早于今天，且须晚于原版本的生效日期（%(date)s）。")
                               % {"date": source.effective_from.isoformat()}})
    values = {name: getattr(source, name) for name in COPIED_FIELDS}
    values.update(changes)
    version = RuleSet(code=code, effective_from=effective_from, is_baseline=False, **values)
    version.full_clean()
    version.save()
    audit_record(action="rule_set.new_version", obj=version, by=by, summary=str(version),
                 data={"source": source.code, "code": code, "effective_from": effective_from, "changes": changes})
    return version
