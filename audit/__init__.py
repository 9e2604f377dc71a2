"""The tamper-evident record (审计记录): an append-only, hash-chained log of what happened.

The bottom floor: it imports nothing of ours, and every other app may write to it.
"""


def batch():
    """Append the events recorded inside the block together at its end (``services.batch``)."""
    from .services import batch as _batch  # models load only once the apps are ready

    return _batch()
