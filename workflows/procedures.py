"""The one place that maps an application's type × track onto the procedure that handles it.

A type or track with no procedure here, or with no document catalogue under the rule set in force,
is not offered anywhere and cannot be submitted (fail closed).
"""

from dataclasses import dataclass
from datetime import date

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from approvals.models import ApplicationTrack, ApplicationType, RuleSet
from documents import selectors as documents_selectors

from . import steps
from .flows import CancellationFlow, CommitmentFlow, OrdinaryFlow

T, K = ApplicationType, ApplicationTrack


@dataclass(frozen=True)
class Procedure:
    """A procedure: its flow and the main line of its steps (what a progress bar shows)."""

    code: str
    title: Promise
    flow: type
    path: tuple[str, ...]

    @property
    def steps(self) -> list[steps.StepDef]:
        return [steps.STEPS[name] for name in self.path]


ORDINARY = Procedure("ordinary", _("一般程序"), OrdinaryFlow, ("accept", "review", "decide", "issue"))
# A change the rule set does not send to technical review skips it (the flow's branch after acceptance).
CHANGE = Procedure("change", _("变更"), OrdinaryFlow, ("accept", "decide", "issue"))
COMMITMENT = Procedure("commitment", _("告知承诺"), CommitmentFlow, ("accept", "decide", "issue", "verification"))
CANCELLATION = Procedure("cancellation", _("注销"), CancellationFlow, ("accept", "decide_cancellation"))

PROCEDURES: dict[tuple[str, str], Procedure] = {
    (T.INITIAL, K.ORDINARY): ORDINARY,
    (T.RENEWAL, K.ORDINARY): ORDINARY,
    (T.EXTENSION, K.ORDINARY): ORDINARY,
    (T.CHANGE, K.ORDINARY): CHANGE,
    (T.CANCELLATION, K.ORDINARY): CANCELLATION,
    (T.INITIAL, K.COMMITMENT): COMMITMENT,
    (T.RENEWAL, K.COMMITMENT): COMMITMENT,
    (T.EXTENSION, K.COMMITMENT): COMMITMENT,
    (T.CHANGE, K.COMMITMENT): COMMITMENT,
}
FLOWS = {procedure.flow for procedure in PROCEDURES.values()}


def procedure_for(application_type: str, track: str) -> Procedure | None:
    return PROCEDURES.get((application_type, track))


def offered(*, rule_set: RuleSet | None = None, on: date | None = None) -> list[tuple[str, str]]:
    """The (type, track) pairs an applicant may file: a procedure exists and the rule set in force has
    a document catalogue for it."""
    if rule_set is None:
        try:
            rule_set = RuleSet.in_force_on(on or timezone.localdate())
        except RuleSet.DoesNotExist:
            return []
    with_catalogue = documents_selectors.catalogued_pairs(rule_set=rule_set)
    return [
        pair for pair in PROCEDURES
        if pair in with_catalogue and (pair[1] != K.COMMITMENT or pair[0] in rule_set.commitment_types)
    ]


def path_of(application) -> tuple[str, ...]:
    """The main line of steps the application's own procedure takes (a change with a new site is reviewed)."""
    procedure = procedure_for(application.application_type, application.track)
    if procedure is None:
        return ()
    if procedure is CHANGE and application.rule_set_id and application.needs_technical_review():
        return ORDINARY.path
    return procedure.path


def is_offered(*, application_type: str, track: str, rule_set: RuleSet | None = None) -> bool:
    return (application_type, track) in offered(rule_set=rule_set)
