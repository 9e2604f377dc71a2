"""Numbers written into the PDF's streams with bytes formatting instead of str formatting.

pydyf (0.13) turns every operand it writes (rectangle corners, text matrices, colours: ~13,000 per
50-item certificate) into bytes with ``_to_bytes``: an ``isinstance`` chain, then an f-string
encoded to ASCII. Inside :func:`enabled` only (``documents.rendering.html_to_pdf``), a float, an
int or bytes is formatted by :func:`to_bytes` with bytes %-formatting, which gives the same bytes
(``%d`` of an integral float is ``str(int(x))``, ``%f`` is ``f"{x:f}"``; tests/documents compare
both on many values); anything else is pydyf's own.
"""

import pydyf

from .shortcut import Switch

_active = Switch("documents_pdfnumbers_active")
_pydyf_to_bytes = pydyf._to_bytes


enabled = _active.enabled


def to_bytes(item):
    kind = type(item)
    if kind is float and _active.get():
        if item.is_integer():
            return b"%d" % item
        return (b"%f" % item).rstrip(b"0")
    if kind is bytes:
        return item
    if kind is int and _active.get():
        return b"%d" % item
    return _pydyf_to_bytes(item)


def install() -> None:
    if pydyf._to_bytes is not to_bytes:
        pydyf._to_bytes = to_bytes
