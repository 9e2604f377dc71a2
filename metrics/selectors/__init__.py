"""Reads of the five-reductions measurement: aggregates over a period and one application's figures.

A reduction is ``(baseline − actual) / baseline`` of the means over the selected applications.
"""

from .aggregates import (
    breakdown,
    by_month,
    dashboard,
    dashboard_figures,
    figures,
    five_reductions,
    overdue_step_rows,
    overdue_steps,
    step_times,
)
from .applications import application_reductions, visible_facts
from .arithmetic import percentile, reduction
from .filters import OUTCOMES, REDUCTION_LABELS, REDUCTIONS, Filters, facts, may_monitor

__all__ = [
    "OUTCOMES",
    "REDUCTIONS",
    "REDUCTION_LABELS",
    "Filters",
    "application_reductions",
    "breakdown",
    "by_month",
    "dashboard",
    "dashboard_figures",
    "facts",
    "figures",
    "five_reductions",
    "may_monitor",
    "overdue_step_rows",
    "overdue_steps",
    "percentile",
    "reduction",
    "step_times",
    "visible_facts",
]
