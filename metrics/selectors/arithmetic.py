"""Means, reductions and percentiles: the small arithmetic every figure goes through."""

from decimal import Decimal
from math import ceil
from typing import Any


def number(value) -> float | int | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        value = float(value)
    return round(value, 2) if isinstance(value, float) else value


def reduction(baseline, actual) -> dict[str, Any]:
    """``{baseline, actual, reduction_pct}``; no percentage against a baseline of zero."""
    pct = None
    if baseline:
        pct = round((float(baseline) - float(actual or 0)) / float(baseline) * 100, 1)
    return {"baseline": number(baseline), "actual": number(actual), "reduction_pct": pct}


def mean(total, n: int):
    if total is None or not n:
        return None
    return float(total) / n


def percentile(histogram: list[tuple[int, int]], fraction: float) -> int | None:
    """Nearest-rank percentile of a sorted ``[(value, count)]`` histogram."""
    n = sum(count for _value, count in histogram)
    if not n:
        return None
    rank, seen = max(1, ceil(fraction * n)), 0
    for value, count in histogram:
        seen += count
        if seen >= rank:
            return value
    return histogram[-1][0]
