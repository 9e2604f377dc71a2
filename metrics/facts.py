"""The arithmetic of one application's five reductions, apart from the database.

``compose`` turns a history (the steps an application went through and the working days each ran)
and three rule sets (the one it was judged by, the baseline, and a province's promise) into the
figures of an ``ApplicationFacts`` row. ``services.history_of`` reads a history from the records;
the benchmark builds synthetic histories and goes through the same function, so bulk facts obey
the same rules as real ones.

Baselines are matched to the path the application took: an application refused at acceptance is
compared with what acceptance alone cost under the baseline rules, not with a whole procedure, so
ending early never passes for a reduction.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from approvals.models import RuleSet
from workflows import steps

OFFICIAL_NODES = ("accept", "review", "decide", "issue")  # the authority's steps, each with a statutory limit
APPLICANT_NODES = ("supplement", "rectification")  # the applicant's answers: the authority's clock stands still
APPROVAL_NODES = ("accept", "decide", "issue")  # counted in the approval limit; the technical review is not
APPLY = "apply"  # the submission itself, the first of a rule set's expected steps


@dataclass(frozen=True)
class Span:
    """One step of the flow: its node, whether it was completed (not cancelled), its working days."""

    node: str
    days: int
    done: bool = True


@dataclass(frozen=True)
class DocumentCounts:
    """Documents of one application, by the catalogue of its rule set and of the baseline."""

    required: int = 0  # mandatory entries of the catalogue
    shared: int = 0  # of those, obtained through government data sharing: never asked for
    reused: int = 0  # satisfied by an earlier application's still-valid document
    uploaded: int = 0  # uploaded anew by the applicant
    baseline: int = 0  # mandatory entries of the baseline catalogue for the same type and track


@dataclass(frozen=True)
class History:
    """What an ended application went through, in working days (the start day is never counted)."""

    application_type: str
    track: str
    outcome: str
    authority: str
    submitted_at: datetime
    ended_at: datetime
    elapsed_days: int
    spans: tuple[Span, ...]
    supplement_rounds: int = 0
    rectification_rounds: int = 0
    documents: DocumentCounts = field(default_factory=DocumentCounts)


def _limits_sum(rules: RuleSet | None, nodes: set[str]) -> int | None:
    if rules is None:
        return None
    return sum(steps.limit_days(rules, node) or 0 for node in OFFICIAL_NODES if node in nodes)


def _baseline_steps(baseline: RuleSet, reached: set[str]) -> int:
    """The baseline's expected steps up to the furthest one this application completed."""
    expected = list(baseline.expected_steps or [])
    positions = [i for i, name in enumerate(expected) if name in reached]
    return max(positions) + 1 if positions else len(reached)


def compose(history: History, *, rules: RuleSet, baseline: RuleSet, promise: RuleSet | None = None) -> dict[str, Any]:
    """The field values of an ``ApplicationFacts`` row (without the application and ``computed_at``)."""
    days: dict[str, int] = {}
    late: dict[str, bool] = {}
    for span in history.spans:
        days[span.node] = days.get(span.node, 0) + span.days
        if span.node in APPLICANT_NODES:
            # Each notice gives the applicant its own period: a round is late on its own.
            limit = steps.limit_days(rules, span.node)
            late[span.node] = late.get(span.node, False) or (limit is not None and span.days > limit)
    for node in OFFICIAL_NODES:
        # An official step resumed after a stop carries its used days: the limit covers the sum.
        limit = steps.limit_days(rules, node)
        if node in days and limit is not None:
            late[node] = days[node] > limit

    entered = {span.node for span in history.spans}
    reached = {APPLY} | {span.node for span in history.spans if span.done}
    days_approval = sum(days.get(node, 0) for node in APPROVAL_NODES)
    days_review = days.get("review", 0)
    ended_on = timezone.localdate(history.ended_at)
    values: dict[str, Any] = {
        "application_type": history.application_type,
        "track": history.track,
        "authority": history.authority,
        "outcome": history.outcome,
        "rule_set_id": rules.pk,
        "submitted_at": history.submitted_at,
        "ended_at": history.ended_at,
        "ended_on": ended_on,
        "ended_month": date(ended_on.year, ended_on.month, 1),
        "procedures": rules.procedures,
        "procedures_baseline": baseline.procedures,
        # Every contact of a case handled here is online: submission, supplements, rectification
        # reports, the electronic certificate. An on-site review is the reviewers' visit, not a trip
        # the applicant makes.
        "visits": 0,
        "visits_baseline": baseline.in_person_visits,
        "steps": 1 + sum(1 for span in history.spans if span.done),
        "steps_baseline": _baseline_steps(baseline, reached),
        "rework_loops": sum(1 for span in history.spans if span.done and span.node in APPLICANT_NODES),
        "days_elapsed": history.elapsed_days,
        "days_counted": days_approval + days_review,
        "days_approval": days_approval,
        "days_review": days_review,
        "days_stopped": sum(days.get(node, 0) for node in APPLICANT_NODES),
        "days_baseline": _limits_sum(baseline, entered),
        "days_limit": _limits_sum(rules, entered),
        "days_promise": _limits_sum(promise, entered),
        "on_time": not any(late.get(node) for node in OFFICIAL_NODES),
        "late_steps": sum(1 for node in OFFICIAL_NODES if late.get(node)),
        "fee_yuan": Decimal(rules.fee_yuan),
        "fee_baseline_yuan": Decimal(baseline.fee_yuan),
        "documents_required": history.documents.required,
        "documents_shared": history.documents.shared,
        "documents_reused": history.documents.reused,
        "documents_uploaded": history.documents.uploaded,
        "documents_baseline": history.documents.baseline,
        "supplement_rounds": history.supplement_rounds,
        "rectification_rounds": history.rectification_rounds,
    }
    for node in (*OFFICIAL_NODES, *APPLICANT_NODES):
        values[f"{node}_days"] = days.get(node)
        values[f"{node}_late"] = late.get(node)
    return values
