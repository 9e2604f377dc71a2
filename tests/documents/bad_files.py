"""A corpus of hostile uploads, generated here (nothing binary is checked in).

Each PDF is otherwise a valid one-page document; the active content sits where real attacks put it.
"""

import io
import struct
import zlib

from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject, TextStringObject


def _js(code: str = "app.alert('x');") -> DictionaryObject:
    return DictionaryObject({NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject(code)})


def _written(writer: PdfWriter) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _writer() -> PdfWriter:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    return writer


def page_open_js() -> bytes:
    """The page's own open action (/AA /O), not the catalogue's."""
    writer = _writer()
    writer.pages[0][NameObject("/AA")] = DictionaryObject({NameObject("/O"): writer._add_object(_js())})
    return _written(writer)


def link_annotation_js() -> bytes:
    writer = _writer()
    link = DictionaryObject({
        NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Link"),
        NameObject("/Rect"): ArrayObject([NumberObject(v) for v in (10, 10, 200, 40)]),
        NameObject("/A"): _js("this.exportDataObject({cName:'a'});"),
    })
    writer.pages[0][NameObject("/Annots")] = ArrayObject([writer._add_object(link)])
    return _written(writer)


def link_javascript_uri() -> bytes:
    writer = _writer()
    link = DictionaryObject({
        NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Link"),
        NameObject("/Rect"): ArrayObject([NumberObject(v) for v in (10, 10, 200, 40)]),
        NameObject("/A"): DictionaryObject({NameObject("/S"): NameObject("/URI"),
                                            NameObject("/URI"): TextStringObject("JavaScript:alert(1)")}),
    })
    writer.pages[0][NameObject("/Annots")] = ArrayObject([writer._add_object(link)])
    return _written(writer)


def chained_open_action() -> bytes:
    """A harmless GoTo as the open action, whose /Next runs the script."""
    writer = _writer()
    hop = writer._add_object(DictionaryObject({NameObject("/S"): NameObject("/GoTo"),
                                               NameObject("/D"): ArrayObject([writer.pages[0].indirect_reference,
                                                                              NameObject("/Fit")]),
                                               NameObject("/Next"): writer._add_object(_js())}))
    writer._root_object[NameObject("/OpenAction")] = DictionaryObject({
        NameObject("/S"): NameObject("/GoTo"), NameObject("/D"): ArrayObject([writer.pages[0].indirect_reference,
                                                                              NameObject("/Fit")]),
        NameObject("/Next"): ArrayObject([hop]),
    })
    return _written(writer)


def form_field_js() -> bytes:
    """A text field whose keystroke action (/AA /K) runs a script."""
    writer = _writer()
    field = writer._add_object(DictionaryObject({
        NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Widget"),
        NameObject("/FT"): NameObject("/Tx"), NameObject("/T"): TextStringObject("name"),
        NameObject("/Rect"): ArrayObject([NumberObject(v) for v in (10, 100, 200, 130)]),
        NameObject("/AA"): DictionaryObject({NameObject("/K"): writer._add_object(_js("event.rc = true;"))}),
    }))
    writer.pages[0][NameObject("/Annots")] = ArrayObject([field])
    writer._root_object[NameObject("/AcroForm")] = writer._add_object(
        DictionaryObject({NameObject("/Fields"): ArrayObject([field])}))
    return _written(writer)


def launch_action() -> bytes:
    writer = _writer()
    writer._root_object[NameObject("/OpenAction")] = writer._add_object(DictionaryObject({
        NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("cmd.exe"),
    }))
    return _written(writer)


def embedded_exe() -> bytes:
    writer = _writer()
    writer.add_attachment("setup.exe", b"MZ\x90\x00" + b"\x00" * 60 + b"This program cannot be run in DOS mode.")
    return _written(writer)


def unreferenced_js() -> bytes:
    """Script in an object nothing points to: still refused (another viewer may find it)."""
    writer = _writer()
    writer._add_object(_js())
    return _written(writer)


def pdf_html_polyglot() -> bytes:
    """A valid PDF that a browser renders as a page with a script when served as HTML: the markup
    sits in a comment line after the header, which PDF readers skip."""
    data = _written(_writer())
    header, rest = data.split(b"\n", 1)
    markup = b"%<html><body><script>fetch('/api/v1/me/').then(r => r.text()).then(alert)</script></body></html>\n"
    polyglot = header + b"\n" + markup + rest
    # the cross-reference offsets moved by the inserted line: pypdf rebuilds them (strict=False), as viewers do
    return polyglot


def harmless_links() -> bytes:
    """Control: an https link and a GoTo open action are ordinary and accepted."""
    writer = _writer()
    writer.add_uri(0, "https://www.samr.gov.cn/", [10, 10, 200, 40])
    writer._root_object[NameObject("/OpenAction")] = ArrayObject([writer.pages[0].indirect_reference, NameObject("/Fit")])
    return _written(writer)


def huge_png(width: int = 7745, height: int = 7745) -> bytes:
    """A grey PNG of ``width`` × ``height`` pixels, built row by row (small on disk, huge decoded)."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    compressor = zlib.compressobj(9)
    row = b"\x00" * (width + 1)  # filter byte + one byte per pixel
    pieces = [compressor.compress(row) for _ in range(height)]
    pieces.append(compressor.flush())
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", b"".join(pieces)) + chunk(b"IEND", b"")
