"""The transactional outbox: side effects written as rows in the state change's own transaction.

A service that changes state and wants something done afterwards (render a PDF, compute an
application's facts, send an e-mail) calls ``outbox.schedule(handler, key)`` inside its transaction.
The row commits or rolls back with the state change; after commit the row's delivery is published
to the worker, and a periodic reconciler (beat, ``outbox.tasks.reconcile``) publishes again whatever
is not done a short while later: a broker that was down, a worker killed mid-task, a message lost
with a restarted Redis lose nothing.

This app sits on the bottom floor: it imports nothing of ours. Upper floors register their handlers
by name (``outbox.registry.register``, in their ``AppConfig.ready``); a handler takes the row's key
and must be idempotent, since a side effect may be delivered more than once (at least once, never
lost).
"""



def schedule(handler: str, key: object) -> None:
    """Inside the state change's transaction: deliver ``handler(key)`` once it commits."""
    from .services import schedule as _schedule  # models load only once the apps are ready

    _schedule(handler, key)


def batch():
    """Write the effects scheduled inside the block in one INSERT at its end."""
    from .services import batch as _batch

    return _batch()
