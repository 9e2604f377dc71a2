"""Celery tasks of the outbox: thin adapters, idempotent (a delivery of a done effect does nothing)."""

from celery import shared_task

from . import services


@shared_task(name="outbox.deliver", ignore_result=True)
def deliver(handler: str, key: str) -> bool:
    """Deliver one side effect; failures are recorded on its row and retried by the reconciler."""
    return services.deliver(handler=handler, key=key)


@shared_task(name="outbox.deliver_all", ignore_result=True)
def deliver_all(effects: list[list[str]]) -> int:
    """Deliver the side effects one transaction scheduled, in order, from one message: each on its
    own, as ``deliver`` would (a failure is recorded on its row and does not stop the others)."""
    return sum(services.deliver(handler=handler, key=key) for handler, key in effects)


@shared_task(name="outbox.reconcile", ignore_result=True)
def reconcile() -> int:
    """Periodic (beat): publish again whatever side effect is still not done."""
    return services.reconcile()
