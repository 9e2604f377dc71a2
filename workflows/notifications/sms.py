"""Text messages (短信) through a pluggable backend, chosen by ``CMA_SMS_BACKEND`` (a dotted path).

The interface a provider's backend implements is one method::

    class MyProviderBackend(SmsBackend):
        def send(self, *, phone: str, text: str) -> None:
            ...  # call the provider; raise SmsError (or any OSError) when it did not take the message

``send`` returns only once the provider accepted the message; raising leaves the message unsent,
and the task retries (the periodic check re-queues what is still unsent). Keys and secrets for a
provider come from the environment, never from code.
"""

import logging

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class SmsError(Exception):
    """The provider refused or could not take the message (retried)."""


class SmsBackend:
    """Base class: a backend sends one text to one phone number."""

    def send(self, *, phone: str, text: str) -> None:
        raise NotImplementedError


class LoggingSmsBackend(SmsBackend):
    """The default (development, demo): the message goes to the log, nowhere else."""

    def send(self, *, phone: str, text: str) -> None:
        logger.info("SMS to %s: %s", phone, text)


class LocmemSmsBackend(SmsBackend):
    """For tests: messages collect in ``LocmemSmsBackend.outbox`` (like Django's locmem e-mail backend)."""

    outbox: list[tuple[str, str]] = []

    def send(self, *, phone: str, text: str) -> None:
        type(self).outbox.append((phone, text))


def backend() -> SmsBackend:
    return import_string(settings.CMA_SMS_BACKEND)()
