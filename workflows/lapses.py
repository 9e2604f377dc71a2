"""The legal effects of the statutory clocks, applied once a day (and on demand for a past day, to
catch up after an outage): ``manage.py clocks_tick [--today YYYY-MM-DD]``, beat's ``clocks-tick``.

- 受理 not decided by its last day → 视为受理 from the day of receipt (Administrative Licensing Law art. 32);
- 补正 not answered by its last day → 视为放弃: the application ends, the applicant is told;
- 整改 not finished by its last day → the open items are judged nonconforming, the review goes on.

What each does is the step's declared ``lapse`` outcome (``workflows.steps``). The applicant hears in
advance from the clock check's reminders and on the day from the status change's message. A tick
changes only steps still open past their last day, each under its process lock, so running it twice,
or on two workers at once, changes nothing the first run did not.
"""

import logging
from collections import Counter
from datetime import date

from django.db import transaction

from approvals.exceptions import DomainError

from . import steps
from .models import Step
from .services import task_lapse

logger = logging.getLogger(__name__)


def lapsing(*, on: date):
    """Open steps whose period ended before ``on`` and whose step the law acts on."""
    nodes = [name for name, declared in steps.STEPS.items() if declared.lapse is not None]
    return Step.objects.active().filter(node__in=nodes, due_date__lt=on).order_by("due_date", "id")


def clocks_tick(*, on: date) -> dict[str, int]:
    """Apply every legal effect due by ``on``; returns how many of each (``accept``, ``supplement``…)."""
    done: Counter = Counter()
    for step_id, task_id, node in list(lapsing(on=on).values_list("pk", "task_id", "node")):
        try:
            with transaction.atomic():
                if task_lapse(task_id=task_id, on=on) is not None:
                    done[node] += 1
        except DomainError as error:  # taken or answered meanwhile: nothing to do
            logger.info("step %s not lapsed: %s", step_id, error)
        except Exception:  # one broken application must not stop the others; the next tick retries it
            logger.exception("step %s: the legal effect failed", step_id)
            done["failed"] += 1
    logger.info("clocks tick for %s: %s", on.isoformat(), dict(done))
    return dict(done)
