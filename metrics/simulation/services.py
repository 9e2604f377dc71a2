"""Writes of the simulator: a run asked for, and a run carried out (in a Celery task for large periods)."""

import logging
from datetime import date

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from approvals.models import User

from ..models import ApplicationFacts
from .engine import replay
from .models import ReformSimulation
from .proposal import Proposal

logger = logging.getLogger(__name__)


def simulation_request(*, by: User, proposal: Proposal, since: date | None, until: date | None) -> ReformSimulation:
    """Record a run; a period of at most ``CMA_SIMULATION_INLINE`` applications is replayed at once,
    a larger one by the worker after commit (poll the run for its progress)."""
    rows = ApplicationFacts.objects.all()
    if since:
        rows = rows.filter(ended_on__gte=since)
    if until:
        rows = rows.filter(ended_on__lte=until)
    simulation = ReformSimulation.objects.create(requested_by=by, proposal=proposal.as_json(), since=since,
                                                 until=until, rows_total=rows.count())
    if simulation.rows_total <= settings.CMA_SIMULATION_INLINE:
        simulation_run(simulation_id=simulation.pk, proposal=proposal)
        simulation.refresh_from_db()
    else:
        from ..tasks import simulation_build

        transaction.on_commit(lambda: simulation_build.delay(simulation.pk), robust=True)
    return simulation


def simulation_run(*, simulation_id: int, proposal: Proposal | None = None) -> None:
    """Replay the run's period, recording progress after every batch; a failure is recorded, not hidden."""
    simulation = ReformSimulation.objects.get(pk=simulation_id)
    proposal = proposal or Proposal.from_json(simulation.proposal)
    ReformSimulation.objects.filter(pk=simulation_id).update(state=ReformSimulation.State.RUNNING, rows_done=0)

    def progress(done: int, total: int) -> None:
        ReformSimulation.objects.filter(pk=simulation_id).update(rows_done=done, rows_total=total)

    try:
        outcome = replay(proposal, since=simulation.since, until=simulation.until, progress=progress)
    except Exception as error:  # recorded on the run and shown on its page
        logger.exception("simulation %s failed", simulation_id)
        ReformSimulation.objects.filter(pk=simulation_id).update(
            state=ReformSimulation.State.FAILED, error=f"{type(error).__name__}: {error}", finished_at=timezone.now())
        return
    result = {**outcome.as_json(), "proposal": proposal.as_json(), "assumptions": proposal.describe()}
    ReformSimulation.objects.filter(pk=simulation_id).update(
        state=ReformSimulation.State.DONE, result=_jsonable(result), rows_done=outcome.applications,
        rows_total=outcome.applications, finished_at=timezone.now())


def _jsonable(value):
    """Decimals and other numbers as JSON numbers."""
    import json

    from django.core.serializers.json import DjangoJSONEncoder

    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))
