"""The arithmetic of one application's five reductions, apart from the database.

``compose`` turns a history (the steps an application went through and the working days each ran)
and three rule sets (the one it was judged by, the baseline, and a province's promise) into the
figures of an ``ApplicationFacts`` row. ``services.history_of`` reads a history from the records;
the benchmark builds synthetic histories and goes through the same function, so bulk facts obey
the same rules as real ones.

Like is measured with like: every ``*_baseline`` figure is what the *same path* would have cost under
the baseline rules — the baseline's structural steps up to the point this application reached (an
application refused at acceptance is compared with acceptance alone, so ending early never passes for
a reduction; a step the reform dropped, like the commitment track's technical review, stays on the
baseline path), plus the same rework rounds, which no rule set removes. Documents are counted by
catalogue requirement, never by file. The formulas are in ``metrics/README.md``.
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
    """Documents of one application, counted by catalogue requirement (a document type), files apart.

    A requirement is counted once however many files answer it (one document sent as four files is one
    document; a re-upload for a supplement notice is the same document again)."""

    required: int = 0  # mandatory requirements of the catalogue for the application's type and track
    shared: int = 0  # of those, obtained through government data sharing: never asked of the applicant
    reused: int = 0  # of those, met only by an earlier application's still-valid document
    uploaded: int = 0  # of those, supplied anew by the applicant (at least one new file)
    files: int = 0  # files the applicant uploaded, every requirement and round together
    baseline: int = 0  # requirements the baseline catalogue asked the applicant for (same type and track)


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


def limit_days(rules: RuleSet | None, node: str) -> int | None:
    """A step's statutory limit (working days) under a rule set: the one place the metrics read it."""
    return steps.limit_days(rules, node) if rules is not None else None


def measured_node(node: str) -> str | None:
    """The step a recorded node is measured as: itself for the authority's and the applicant's steps,
    the official step with the same statutory limit for a procedure's own variant of it (the
    cancellation decision is a decision), None for a step after the licence (the commitment track's
    post-verification is supervision, not a step of obtaining the licence)."""
    if node in OFFICIAL_NODES or node in APPLICANT_NODES:
        return node
    declared = steps.STEPS.get(node)
    if declared is None:
        return None
    return next((name for name in OFFICIAL_NODES if steps.STEPS[name].limit == declared.limit), None)


def expected_steps(rules: RuleSet, track: str) -> list[str]:
    """A rule set's structural steps (``RuleSet.expected_steps``) for a track.

    The data is a list (one procedure for every track) or a mapping by track; a track the rule set does
    not name (the commitment track did not exist before the reform) follows its ordinary procedure."""
    names = rules.expected_steps or []
    if isinstance(names, dict):
        names = names.get(track) or names.get("ordinary") or []
    return list(names)


def baseline_path(baseline: RuleSet, track: str, nodes: set[str]) -> list[str]:
    """The baseline's structural steps up to the furthest of ``nodes`` it knows: where this application
    would have stood under the baseline rules. A step the reform dropped (the commitment track's
    technical review) is on it when the application went past the point where that step stood."""
    expected = expected_steps(baseline, track)
    positions = [i for i, name in enumerate(expected) if name in nodes]
    return expected[: max(positions) + 1] if positions else []


def _limits_sum(rules: RuleSet | None, nodes) -> int | None:
    if rules is None:
        return None
    return sum(limit_days(rules, node) or 0 for node in OFFICIAL_NODES if node in nodes)


def compose(history: History, *, rules: RuleSet, baseline: RuleSet, promise: RuleSet | None = None) -> dict[str, Any]:
    """The field values of an ``ApplicationFacts`` row (without the application and ``computed_at``)."""
    days: dict[str, int] = {}
    late: dict[str, bool] = {}
    for span in history.spans:
        days[span.node] = days.get(span.node, 0) + span.days
        if span.node in APPLICANT_NODES:
            # Each notice gives the applicant its own period: a round is late on its own.
            limit = limit_days(rules, span.node)
            late[span.node] = late.get(span.node, False) or (limit is not None and span.days > limit)
    for node in OFFICIAL_NODES:
        # An official step resumed after a stop carries its used days: the limit covers the sum.
        limit = limit_days(rules, node)
        if node in days and limit is not None:
            late[node] = days[node] > limit

    entered = {span.node for span in history.spans}
    done = [span.node for span in history.spans if span.done]
    # The same path under the baseline: its structural steps up to where this application got, and the
    # same rework (every step past the first visit of each node: supplement and rectification rounds and
    # the official steps they resume), which is the same under any rule set.
    traversed = 1 + len(done)
    structural = 1 + len({node for node in done if node not in APPLICANT_NODES})
    rework_steps = traversed - structural
    # Without a baseline step list nothing is claimed: the path itself is its own baseline.
    structural_baseline = len(baseline_path(baseline, history.track, {APPLY, *done})) or structural
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
        # The rule set's figures: no visit or fee is recorded apart from them (the product takes every
        # contact online and charges nothing itself). An on-site review is the reviewers' visit, not a
        # trip the applicant makes.
        "visits": rules.in_person_visits,
        "visits_baseline": baseline.in_person_visits,
        "steps": traversed,
        "steps_baseline": structural_baseline + rework_steps,
        "steps_structural": structural,
        "steps_structural_baseline": structural_baseline,
        "rework_loops": sum(1 for span in history.spans if span.done and span.node in APPLICANT_NODES),
        "days_elapsed": history.elapsed_days,
        "days_counted": days_approval + days_review,
        "days_approval": days_approval,
        "days_review": days_review,
        "days_stopped": sum(days.get(node, 0) for node in APPLICANT_NODES),
        "days_baseline": _limits_sum(baseline, baseline_path(baseline, history.track, entered | {APPLY}) or entered),
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
        "documents_files": history.documents.files,
        "documents_baseline": history.documents.baseline,
        "supplement_rounds": history.supplement_rounds,
        "rectification_rounds": history.rectification_rounds,
    }
    for node in (*OFFICIAL_NODES, *APPLICANT_NODES):
        values[f"{node}_days"] = days.get(node)
        values[f"{node}_late"] = late.get(node)
    return values
