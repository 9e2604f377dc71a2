"""The reform simulator: the recorded history of a period replayed under a drafted rule set.

``replay`` reads every ended application of the period from its records in a few batched queries
(steps, rounds, documents), rebuilds its history and composes its facts twice through the same
``metrics.facts.compose`` the real facts come from: under the rule set that actually applied (the
self-check: it must give the recorded facts exactly) and under the proposal. The figures of both come
back in the shape of ``GET /api/v1/metrics/five-reductions/``, with the split by type and track.
"""

from .engine import Outcome, replay
from .proposal import ASSUMPTIONS, Proposal

__all__ = ["ASSUMPTIONS", "Outcome", "Proposal", "replay"]
