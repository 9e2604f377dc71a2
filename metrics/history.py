"""Reading an application's history from its records: steps in working days, rounds, documents.

Shared by the writes (``services``: facts of an ended application) and the reads (``selectors``:
the figures so far of one still open).
"""

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Max, Q
from django.utils import timezone

from approvals.models import Application, ApplicationTrack, CertificateVersion, Deficiency, RuleSet, StatusChange
from documents import selectors as documents
from workflows.calendar import working_days_between
from workflows.models import Step

from .facts import DocumentCounts, History, Span, compose
from .models import ENDED_STATES


def _day(moment: datetime):
    return timezone.localdate(moment)


def baseline_rule_set() -> RuleSet:
    """The rule set the reductions are measured against (the 2015 rules)."""
    baseline = RuleSet.objects.filter(is_baseline=True).order_by("-effective_from").first()
    if baseline is None:
        raise RuleSet.DoesNotExist("no baseline rule set (is_baseline) is defined")
    return baseline


def promise_rule_set(on) -> RuleSet | None:
    """A province's promise in force on a day, compared with but never judging an application."""
    return RuleSet.objects.filter(is_promise=True, effective_from__lte=on).order_by("-effective_from").first()


def document_counts(application: Application, baseline: RuleSet) -> DocumentCounts:
    """Catalogue entries required and shared, documents uploaded and reused (from the documents app),
    and what the baseline catalogue asked the applicant for."""
    supplied = documents.application_counts(application=application)
    before = documents.catalogue_counts(rule_set=baseline, application_type=application.application_type,
                                        track=application.track)
    if not before.required and application.track != ApplicationTrack.ORDINARY:
        # The commitment track did not exist before the reform: its baseline is the ordinary catalogue.
        before = documents.catalogue_counts(rule_set=baseline, application_type=application.application_type,
                                            track=ApplicationTrack.ORDINARY)
    return DocumentCounts(
        required=supplied.required, shared=supplied.shared, reused=supplied.reused, uploaded=supplied.uploaded,
        # Without a baseline catalogue for the type, today's requests are the baseline: no reduction is claimed.
        baseline=before.requested if before.required else supplied.requested,
    )


def history_of(application: Application, *, baseline: RuleSet, now: datetime | None = None) -> History:
    """Read an application's history: its steps in working days, its rounds and documents.

    An application still open is read up to ``now``: its running step counts until today.
    """
    now = now or timezone.now()
    ended_at = None
    if application.status in ENDED_STATES:
        ended_at = (
            StatusChange.objects.filter(application=application, target__in=ENDED_STATES)
            .order_by("-at", "-id").values_list("at", flat=True).first()
        )
    ended_at = ended_at or now
    spans = []
    steps = Step.objects.filter(application=application).order_by("entered_at", "id")
    for node, state, entered_at, finished_at in steps.values_list("node", "state", "entered_at", "finished_at"):
        spans.append(Span(node=node, days=working_days_between(_day(entered_at), _day(finished_at or now)),
                          done=state == Step.State.DONE))
    rounds = application.deficiencies.aggregate(
        supplement=Max("round", filter=Q(kind=Deficiency.Kind.SUPPLEMENT)),
        rectification=Max("round", filter=Q(kind=Deficiency.Kind.RECTIFICATION)),
    )
    authority = (
        CertificateVersion.objects.filter(application=application).values_list("issuing_authority", flat=True).first()
        or settings.CMA_AUTHORITY_NAME
    )
    return History(
        application_type=application.application_type,
        track=application.track,
        outcome=application.status,
        authority=authority,
        submitted_at=application.submitted_at,
        ended_at=ended_at,
        elapsed_days=working_days_between(_day(application.submitted_at), _day(ended_at)),
        spans=tuple(spans),
        supplement_rounds=rounds["supplement"] or 0,
        rectification_rounds=rounds["rectification"] or 0,
        documents=document_counts(application, baseline),
    )


def is_measurable(application: Application) -> bool:
    """Ended after a submission: a draft withdrawn before submitting was never a case."""
    return (application.status in ENDED_STATES and application.submitted_at is not None
            and application.rule_set_id is not None)


def facts_values(application: Application, *, now: datetime | None = None) -> dict[str, Any]:
    """The fact figures of a submitted application (ended, or so far), as ``ApplicationFacts`` fields."""
    baseline = baseline_rule_set()
    return compose(
        history_of(application, baseline=baseline, now=now),
        rules=application.rule_set,
        baseline=baseline,
        promise=promise_rule_set(_day(application.submitted_at)),
    )
