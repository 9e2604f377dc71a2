"""The switch each of the renderer's WeasyPrint shortcuts checks (``fontsubset``, ``textlayout``,
``boxvalues``, ``cascade``, ``borders``, ``pdfnumbers``): on only inside its ``enabled()`` block, in that
context (thread or task), so every other WeasyPrint caller in the process runs WeasyPrint's own code."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar


class Switch:
    def __init__(self, name: str):
        self._on: ContextVar[bool] = ContextVar(name, default=False)

    def get(self) -> bool:
        return self._on.get()

    @contextmanager
    def enabled(self) -> Iterator[None]:
        token = self._on.set(True)
        try:
            yield
        finally:
            self._on.reset(token)
