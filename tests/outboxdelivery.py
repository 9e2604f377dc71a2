"""Deliver pending outbox effects in the test's own process and transaction (what the worker does
after commit: a test inside one transaction never commits, so its on-commit publish never runs)."""


def deliver_pending(prefix: str = "") -> int:
    from outbox.models import Message
    from outbox.services import deliver

    done = 0
    while True:
        pending = list(Message.objects.pending().filter(handler__startswith=prefix).order_by("id")
                       .values_list("handler", "key"))
        delivered = sum(deliver(handler=handler, key=key) for handler, key in pending)
        done += delivered
        if not delivered:
            return done
