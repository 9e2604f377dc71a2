"""Replaying a period's ended applications from their records, under the rules that applied and under a
proposal, in batches of a few queries each."""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count, Max, Q
from django.utils import timezone

from approvals.models import ApplicationTrack, Deficiency, RuleSet
from documents import selectors as documents
from documents.models import Document
from workflows import steps as declared
from workflows.calendar import working_days_between
from workflows.models import Step

from ..facts import APPLICANT_NODES, OFFICIAL_NODES, DocumentCounts, History, Span, compose, limit_days, measured_node
from ..history import baseline_rule_set
from ..models import NODES, SUMMED, ApplicationFacts
from ..selectors import OUTCOMES, figures
from .proposal import SCALES, Proposal

BATCH = 5000
COMPARED = [f.attname for f in ApplicationFacts._meta.concrete_fields if f.attname not in ("application_id", "computed_at")]


@dataclass
class Totals:
    """The sums the dashboard's figures are made from, added up application by application."""

    sums: dict[str, Any] = field(default_factory=dict)
    histogram: Counter = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self.sums = {
            "n": 0, "on_time_n": 0, "promise_n": 0, "sum_days_promise": 0, "sum_days_counted_promised": 0,
            "reformed_n": 0, "sum_days_counted_reformed": 0, **{f"sum_{name}": 0 for name in SUMMED},
            **{f"outcome_{o}": 0 for o in OUTCOMES}, **{f"{node}_{part}": 0 for node in NODES
                                                        for part in ("sum", "n", "late_n")},
        }

    def add(self, values: dict[str, Any]) -> None:
        s = self.sums
        s["n"] += 1
        s["on_time_n"] += bool(values["on_time"])
        for name in SUMMED:
            s[f"sum_{name}"] += values[name] or 0
        if values["days_promise"] is not None:
            s["promise_n"] += 1
            s["sum_days_promise"] += values["days_promise"]
            s["sum_days_counted_promised"] += values["days_counted"]
        if values["outcome"] in OUTCOMES:
            s[f"outcome_{values['outcome']}"] += 1
        for node in NODES:
            if values[f"{node}_days"] is not None:
                s[f"{node}_sum"] += values[f"{node}_days"]
                s[f"{node}_n"] += 1
                s[f"{node}_late_n"] += bool(values[f"{node}_late"])
        self.histogram[values["days_counted"]] += 1

    def figures(self) -> dict[str, Any]:
        """In the shape of ``GET /api/v1/metrics/five-reductions/``."""
        return figures(self.sums, sorted(self.histogram.items()))


@dataclass
class Outcome:
    """What a replay found: the figures now and proposed (overall and per type and track), the
    self-check, and how many applications it read."""

    applications: int = 0
    current: Totals = field(default_factory=Totals)
    proposed: Totals = field(default_factory=Totals)
    groups: dict[tuple[str, str], tuple[Totals, Totals]] = field(default_factory=dict)
    mismatches: list[dict[str, Any]] = field(default_factory=list)
    mismatched: int = 0

    def _overall(self) -> None:
        for now, then in self.groups.values():
            for side, part in ((self.current, now), (self.proposed, then)):
                for key, value in part.sums.items():
                    side.sums[key] += value
                side.histogram.update(part.histogram)

    def as_json(self) -> dict[str, Any]:
        if not self.current.sums["n"] and self.applications:
            self._overall()
        return {
            "applications": self.applications,
            "current": self.current.figures(),
            "proposed": self.proposed.figures(),
            "by_type_track": [
                {"application_type": kind, "track": track, "current": now.figures(), "proposed": then.figures()}
                for (kind, track), (now, then) in sorted(self.groups.items())
            ],
            "self_check": {"reproduces_recorded_figures": self.mismatched == 0, "applications": self.applications,
                           "mismatched": self.mismatched, "examples": self.mismatches[:5]},
        }


class _Catalogues:
    """Mandatory requirements per (rule set, type, track), and the baseline's requests, cached."""

    def __init__(self, baseline: RuleSet):
        self.baseline = baseline
        self._mandatory: dict[tuple, dict[int, tuple[str, bool]]] = {}
        self._before: dict[tuple, int | None] = {}

    def mandatory(self, rule_set: RuleSet, kind: str, track: str) -> dict[int, tuple[str, bool]]:
        key = (rule_set.pk, kind, track)
        if key not in self._mandatory:
            self._mandatory[key] = {pk: (code, shared) for pk, code, shared in documents.catalogue(
                rule_set=rule_set, application_type=kind, track=track).filter(mandatory=True)
                .values_list("pk", "code", "via_data_sharing")}
        return self._mandatory[key]

    def baseline_requested(self, kind: str, track: str) -> int | None:
        """As ``metrics.history.document_counts``: the commitment track falls back to the ordinary catalogue."""
        key = (kind, track)
        if key not in self._before:
            before = documents.catalogue_counts(rule_set=self.baseline, application_type=kind, track=track)
            if not before.required and track != ApplicationTrack.ORDINARY:
                before = documents.catalogue_counts(rule_set=self.baseline, application_type=kind,
                                                    track=ApplicationTrack.ORDINARY)
            self._before[key] = before.requested if before.required else None
        return self._before[key]


def _documents(mandatory: dict[int, tuple[str, bool]], supplied: dict[int, tuple[int, int]], before: int | None,
               *, drop: frozenset[str] = frozenset(), share: frozenset[str] = frozenset()) -> DocumentCounts:
    """Counts by requirement as ``metrics.history.document_counts`` makes them; under a proposal the
    dropped and newly shared requirements are not asked, nor their files sent."""
    kept = {pk: (code, shared or code in share) for pk, (code, shared) in mandatory.items() if code not in drop}
    asked = {pk for pk, (_code, shared) in kept.items() if not shared}
    uploaded = {pk for pk in asked if supplied.get(pk, (0, 0))[0]}
    reused = {pk for pk in asked if supplied.get(pk, (0, 0))[1]} - uploaded
    spared = {pk for pk, (code, _shared) in mandatory.items() if pk not in asked and (code in drop or code in share)}
    files = sum(new for pk, (new, _reused) in supplied.items() if pk not in spared)
    return DocumentCounts(required=len(kept), shared=len(kept) - len(asked), reused=len(reused),
                          uploaded=len(uploaded), files=files, baseline=before if before is not None else len(asked))


def _promise(promises: list[RuleSet], day: date) -> RuleSet | None:
    found = None
    for rule_set in promises:
        if rule_set.effective_from <= day:
            found = rule_set
    return found


def replay(proposal: Proposal, *, since: date | None = None, until: date | None = None,
           progress: Callable[[int, int], None] | None = None) -> Outcome:
    """Replay the applications that ended between ``since`` and ``until`` (both included)."""
    baseline = baseline_rule_set()
    rule_sets = {r.pk: r for r in RuleSet.objects.all()}
    promises = sorted((r for r in rule_sets.values() if r.is_promise), key=lambda r: r.effective_from)
    catalogues = _Catalogues(baseline)
    drafted = proposal.rules()
    rows = ApplicationFacts.objects.all()
    if since:
        rows = rows.filter(ended_on__gte=since)
    if until:
        rows = rows.filter(ended_on__lte=until)
    total = rows.count()
    outcome = Outcome()
    last = 0
    while True:
        chunk = list(rows.filter(application_id__gt=last).order_by("application_id").values(
            *COMPARED, "application_id", "submitted_at")[:BATCH])
        if not chunk:
            break
        last = chunk[-1]["application_id"]
        _replay_batch(chunk, outcome, proposal=proposal, drafted=drafted, baseline=baseline, rule_sets=rule_sets,
                      promises=promises, catalogues=catalogues)
        if progress is not None:
            progress(outcome.applications, total)
    return outcome


def _replay_batch(chunk, outcome: Outcome, *, proposal, drafted, baseline, rule_sets, promises, catalogues) -> None:
    zone = timezone.get_current_timezone()  # once: each lookup of the current zone costs a context read
    ids = [row["application_id"] for row in chunk]
    spans: dict[int, list] = {}
    for app_id, node, state, entered, finished in (
            Step.objects.filter(application_id__in=ids).order_by("application_id", "entered_at", "id")
            .values_list("application_id", "node", "state", "entered_at", "finished_at")):
        spans.setdefault(app_id, []).append((node, state, entered, finished))
    rounds: dict[tuple[int, str], int] = {
        (row["application_id"], row["kind"]): row["last"] for row in
        Deficiency.objects.filter(application_id__in=ids).order_by().values("application_id", "kind")
        .annotate(last=Max("round"))}
    supplied: dict[int, dict[int, tuple[int, int]]] = {}
    for row in (Document.objects.current().filter(application_id__in=ids).order_by()
                .values("application_id", "requirement_id")
                .annotate(new=Count("pk", filter=Q(reused_from__isnull=True)),
                          reused=Count("pk", filter=Q(reused_from__isnull=False)))):
        supplied.setdefault(row["application_id"], {})[row["requirement_id"]] = (row["new"], row["reused"])

    for row in chunk:
        app_id, kind, track = row["application_id"], row["application_type"], row["track"]
        rules = rule_sets[row["rule_set_id"]]
        ended_at = row["ended_at"]
        recorded = [Span(measured, working_days_between(entered.astimezone(zone).date(),
                                                        (finished or ended_at).astimezone(zone).date()),
                         state == Step.State.DONE)
                    for node, state, entered, finished in spans.get(app_id, [])
                    if (measured := measured_node(node)) is not None]
        mandatory = catalogues.mandatory(rules, kind, track)
        before = catalogues.baseline_requested(kind, track)
        promise = _promise(promises, row["submitted_at"].astimezone(zone).date())
        history = History(
            application_type=kind, track=track, outcome=row["outcome"], authority=row["authority"],
            submitted_at=row["submitted_at"], ended_at=ended_at, elapsed_days=row["days_elapsed"],
            spans=tuple(recorded), supplement_rounds=rounds.get((app_id, Deficiency.Kind.SUPPLEMENT), 0),
            rectification_rounds=rounds.get((app_id, Deficiency.Kind.RECTIFICATION), 0),
            documents=_documents(mandatory, supplied.get(app_id, {}), before),
        )
        now = compose(history, rules=rules, baseline=baseline, promise=promise)
        different = {name: (row[name], now[name]) for name in COMPARED if now[name] != row[name]}
        if different:
            outcome.mismatched += 1
            if len(outcome.mismatches) < 5:
                outcome.mismatches.append({"application": app_id, "fields": {k: [str(a), str(b)] for k, (a, b)
                                                                             in different.items()}})
        then = compose(_proposed(history, proposal, rules, drafted, mandatory, supplied.get(app_id, {}), before),
                       rules=drafted, baseline=baseline, promise=promise)
        outcome.applications += 1
        group = outcome.groups.get((kind, track))
        if group is None:
            group = outcome.groups[(kind, track)] = (Totals(), Totals())
        group[0].add(now)  # the overall totals are the groups' added up at the end
        group[1].add(then)


def _proposed(history: History, proposal: Proposal, rules: RuleSet, drafted: RuleSet, mandatory, supplied,
              before) -> History:
    """The same application under the proposal: dropped steps (and the rework they resume) gone, time
    scaled with the limits if so assumed, documents no longer asked not counted."""
    drop = set(proposal.drop_steps)
    track = history.track
    if history.application_type in proposal.commitment_types and track == ApplicationTrack.ORDINARY:
        drop.add("review")
        track = ApplicationTrack.COMMITMENT
    drop |= {declared.STEPS[node].resumes_after for node in drop if declared.STEPS[node].resumes_after}
    spans, removed, delta = [], 0, 0
    for span in history.spans:
        if span.node in drop:
            removed += span.days
            continue
        days = span.days
        if proposal.assumption == SCALES and span.node in OFFICIAL_NODES:
            old, new = limit_days(rules, span.node), limit_days(drafted, span.node)
            if old and new is not None and new != old:
                days = int(span.days * new / old + 0.5)
                delta += days - span.days
        spans.append(Span(span.node, days, span.done))
    rework = {node: any(s.node == node for s in spans) for node in APPLICANT_NODES}
    return History(
        application_type=history.application_type, track=track, outcome=history.outcome,
        authority=history.authority, submitted_at=history.submitted_at, ended_at=history.ended_at,
        elapsed_days=max(0, history.elapsed_days - removed + delta), spans=tuple(spans),
        supplement_rounds=history.supplement_rounds if rework["supplement"] else 0,
        rectification_rounds=history.rectification_rounds if rework["rectification"] else 0,
        documents=_documents(mandatory, supplied, before, drop=proposal.drop_documents,
                             share=proposal.shared_documents),
    )
