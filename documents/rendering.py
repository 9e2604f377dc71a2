"""HTML → PDF with WeasyPrint, fetching nothing but the product's own packaged assets.

Templates are Django templates with autoescaping on, so whatever an applicant typed is text. The
renderer's URL fetcher refuses every URL except files inside ``documents/assets`` (the stylesheet
and the packaged CJK font subsets) and the inline PNG of the QR code: no ``file://`` elsewhere, no
``http(s)``, no other ``data:``. The
parsed stylesheet and the font configuration are built once per thread and reused, which is what
keeps a certificate near the cost of WeasyPrint's own layout; the rest of what keeps it below
that (expat for the templates' XHTML, the frame-stack headroom, the paused collector, the
per-process font subsetting, cheaper deflate of the font programs) is listed in documents/README.md.
"""

import base64
import gc
import importlib.metadata
import io
import logging
import mimetypes
import threading
import xml.etree.ElementTree as ElementTree
import zlib
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote, urlsplit

import cssselect2
import pydyf
import qrcode
from django.template.loader import render_to_string
from PIL import Image
from weasyprint import CSS, HTML
from weasyprint import css as weasy_css
from weasyprint import document as weasy_document
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from . import borders, boxvalues, cascade, fontsubset, framestack, pdfnumbers, qrmask, textlayout, wrappers

logger = logging.getLogger(__name__)

# The shortcuts below mirror the internals of exactly these releases (requirements.txt pins them).
# With any other, the renderer is WeasyPrint's and qrcode's own code, slower and just as correct;
# tests/documents/test_rendering_cost.py fails until the shortcuts are checked against the new release.
SHORTCUTS_FOR = {"weasyprint": "70.0", "pydyf": "0.13.0", "qrcode": "8.2", "cssselect2": "0.10.1"}


def _shortcuts_apply() -> bool:
    found = {name: importlib.metadata.version(name) for name in SHORTCUTS_FOR}
    if found != SHORTCUTS_FOR:
        logger.warning("PDF rendering shortcuts off: they mirror %s, installed are %s", SHORTCUTS_FOR, found)
        return False
    return True


SHORTCUTS = _shortcuts_apply()
if SHORTCUTS:
    fontsubset.install()  # the packaged faces are subset from a per-process preprocessed copy
    textlayout.install()  # a line of text is shaped once for breaking and drawing (see the module)
    borders.install()  # a cell's plain border is drawn without the general border machinery
    boxvalues.install()  # a box's lengths and (absent) background are worked out inline
    pdfnumbers.install()  # the streams' numbers are formatted as bytes
    cascade.install()  # an element that shares a computed style is not cascaded for nothing
    wrappers.install()  # the selector matcher's element properties are cached without a lock

ASSETS_DIR = (Path(__file__).resolve().parent / "assets").resolve()
STYLESHEET = ASSETS_DIR / "pdf.css"
UA_STYLESHEET = ASSETS_DIR / "ua.css"
BASE_URL = ASSETS_DIR.as_uri() + "/"


class FetchRefused(ValueError):
    """The renderer asked for a URL outside the packaged assets."""


PNG_DATA_PREFIX = "data:image/png;base64,"
MAX_INLINE_PNG = 64 * 1024


class AssetFetcher(URLFetcher):
    """Serves files under ``ASSETS_DIR`` and inline PNG images the product itself generates (the QR
    code), and refuses everything else, recording what it refused. A ``data:`` PNG reaches neither
    the file system nor the network; any other ``data:`` type is refused all the same."""

    def __init__(self):
        super().__init__(allowed_protocols=["file"], allow_redirects=False)
        self.fetched: list[str] = []
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        if url.startswith(PNG_DATA_PREFIX) and len(url) <= MAX_INLINE_PNG:
            try:
                body = base64.b64decode(url[len(PNG_DATA_PREFIX):], validate=True)
            except ValueError:
                body = b""
            if body.startswith(b"\x89PNG\r\n\x1a\n"):
                return URLFetcherResponse("data:image/png", body=body, headers={"Content-Type": "image/png"})
        parts = urlsplit(url)
        path = Path(unquote(parts.path)).resolve() if parts.scheme == "file" and parts.netloc in ("", "localhost") else None
        if path is None or not path.is_relative_to(ASSETS_DIR) or not path.is_file():
            self.refused.append(url)
            logger.warning("PDF renderer refused to fetch %r", url[:200])
            raise FetchRefused(f"not a packaged asset: {url[:200]}")
        self.fetched.append(url)
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(path.as_uri(), body=path.read_bytes(), headers={"Content-Type": mime})


class _Prepared(threading.local):
    fonts: FontConfiguration | None = None
    css: CSS | None = None
    ua: CSS | None = None


_prepared = _Prepared()


def prepared_stylesheet() -> tuple[CSS, FontConfiguration]:
    """The parsed stylesheet and its fonts, built once per thread (WeasyPrint objects are not shared)."""
    if _prepared.css is None:
        fonts = FontConfiguration()
        _prepared.ua = CSS(filename=str(UA_STYLESHEET), base_url=BASE_URL, url_fetcher=AssetFetcher())
        _prepared.css = CSS(filename=str(STYLESHEET), base_url=BASE_URL, url_fetcher=AssetFetcher(), font_config=fonts)
        _prepared.fonts = fonts
    return _prepared.css, _prepared.fonts


def well_formed_tree(html: str) -> ElementTree.Element | None:
    """``html`` parsed by expat if it is well-formed XML without a ``<base>`` (as the PDF templates
    are written: void elements closed, ``<br/>``), else None. The HTML 5 parser WeasyPrint uses is
    pure Python: ~12 ms for a 50-item certificate, against ~0.5 ms here, for the same tree (the
    tests compare the PDFs of both, byte for byte, for every PDF template)."""
    if "<!ENTITY" in html:  # entity declarations are not HTML: leave them to the HTML parser (as text)
        return None
    try:
        root = ElementTree.fromstring(html)
    except ElementTree.ParseError:
        return None
    return root if root.tag == "html" and root.find(".//base") is None else None


class ProductHTML(HTML):
    """WeasyPrint's HTML with the product's cut-down user-agent stylesheet (see assets/ua.css), and
    a well-formed document parsed by expat rather than by the HTML 5 parser (see well_formed_tree)."""

    def __init__(self, *, string: str, base_url: str, url_fetcher: URLFetcher, parse_xml: bool = True):
        root = well_formed_tree(string) if parse_xml else None
        if root is None:
            super().__init__(string=string, base_url=base_url, url_fetcher=url_fetcher)
            return
        # what HTML.__init__ sets from the HTML 5 parser's tree (WeasyPrint 70)
        self.base_url = base_url
        self.url_fetcher = url_fetcher
        self.media_type = "print"
        self.wrapper_element = cssselect2.ElementWrapper.from_html_root(root, content_language=None)
        self.etree_element = self.wrapper_element.etree_element
        self.parsed_as_xml = self.wrapper_element.documents_parsed_as_xml = True

    def _ua_stylesheets(self, forms=False):
        prepared_stylesheet()
        return [_prepared.ua]


class _Found:
    __slots__ = ("etree_element",)

    def __init__(self, element):
        self.etree_element = element


class _TreeQuery:
    """The one ``query_all`` WeasyPrint makes of a document parsed as XML for each purpose below, as a
    walk of the element tree by local name, in tree order (cssselect2 would wrap and test every
    element of the certificate against each selector)."""

    def __init__(self, etree_element, tags: tuple[str, ...]):
        self.etree_element, self.tags = etree_element, frozenset(tags)

    def query_all(self, *selectors):
        assert frozenset(selectors) == self.tags, selectors  # the only query the caller makes
        for element in self.etree_element.iter():
            tag = element.tag
            if isinstance(tag, str) and tag.rpartition("}")[2] in self.tags:
                yield _Found(element)


class _MetadataView(_TreeQuery):
    """What WeasyPrint's ``get_html_metadata`` reads: its ``query_all("title", "meta", "link")``."""

    def __init__(self, html: ProductHTML):
        super().__init__(html.etree_element, ("title", "meta", "link"))
        self.wrapper_element = self
        self.base_url = html.base_url
        self.url_fetcher = html.url_fetcher


_weasyprint_html_metadata = weasy_document.get_html_metadata


def html_metadata(html):
    """WeasyPrint's ``get_html_metadata``, reading a document parsed as XML through :class:`_MetadataView`."""
    return _weasyprint_html_metadata(_MetadataView(html) if getattr(html, "parsed_as_xml", False) else html)


class _StylesheetLinks(_TreeQuery):
    """What WeasyPrint's ``find_stylesheets`` reads: its ``query_all("style", "link")``."""

    def __init__(self, wrapper_element):
        super().__init__(wrapper_element.etree_element, ("style", "link"))


_weasyprint_find_stylesheets = weasy_css.find_stylesheets


def find_stylesheets(wrapper_element, *args, **kwargs):
    """WeasyPrint's ``find_stylesheets``, finding a document parsed as XML's ``<style>`` and ``<link>``
    elements through :class:`_StylesheetLinks` (cssselect2 wraps and tests every element otherwise)."""
    if getattr(wrapper_element, "documents_parsed_as_xml", False):
        wrapper_element = _StylesheetLinks(wrapper_element)
    return _weasyprint_find_stylesheets(wrapper_element, *args, **kwargs)


if SHORTCUTS:
    weasy_document.get_html_metadata = html_metadata
    weasy_css.find_stylesheets = find_stylesheets


def html_to_pdf(html: str, *, fetcher: AssetFetcher | None = None) -> tuple[bytes, int]:
    """Lay out ``html`` as a PDF with the product's stylesheet; only packaged assets are fetched.
    Returns the PDF and its number of pages. WeasyPrint runs with room reserved on the frame stack
    (``framestack``: its recursion otherwise maps and unmaps stack chunks thousands of times)."""
    with collector_paused():
        return framestack.call(_lay_out, html, fetcher or AssetFetcher())


_collector_lock = threading.Lock()
_collector_pausers = 0
_collector_was_enabled = False


@contextmanager
def collector_paused():
    """Run without the cyclic garbage collector, then collect the young generation once.

    A certificate allocates a few hundred thousand objects that all live until the render ends; with
    the collector on, every 700 allocations it re-scans the young ones and every few thousand the
    growing middle generation, ~40 passes per render that find nothing to free until the document
    is dropped. Paused, one young collection at the end frees the render's reference cycles (WeasyPrint's
    trees: ~14,000 objects) in a single pass. Process-wide, so counted: the collector comes back
    when the last concurrent render ends, and only if it was on when the first began."""
    global _collector_pausers, _collector_was_enabled
    with _collector_lock:
        if _collector_pausers == 0:
            _collector_was_enabled = gc.isenabled()
            gc.disable()
        _collector_pausers += 1
    try:
        yield
    finally:
        with _collector_lock:
            _collector_pausers -= 1
            resume = _collector_pausers == 0 and _collector_was_enabled
            if resume:
                gc.enable()
        if resume:
            gc.collect(0)


def _lay_out(html: str, fetcher: AssetFetcher) -> tuple[bytes, int]:
    css, fonts = prepared_stylesheet()
    with textlayout.enabled(), boxvalues.enabled(), cascade.enabled():
        document = ProductHTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).render(stylesheets=[css], font_config=fonts)
        with fontsubset.enabled(), borders.enabled(), pdfnumbers.enabled():
            return document.write_pdf(finisher=compress_large_streams), len(document.pages)


LARGE_STREAM = 64 * 1024
LARGE_STREAM_LEVEL = 6


def compress_large_streams(_document, pdf: pydyf.PDF) -> None:
    """WeasyPrint's finisher hook: deflate the large streams (the two embedded font programs,
    ~200 KB each with their retained glyph ids) at zlib level 6 instead of pydyf's 9. Level 9 spent
    ~10 ms per certificate on them for 0.3% smaller files; the content streams keep level 9."""
    for item in pdf.objects:
        if (isinstance(item, pydyf.Stream) and item.compress and "Filter" not in item.extra
                and len(item.stream) == 1 and isinstance(item.stream[0], bytes) and len(item.stream[0]) > LARGE_STREAM):
            item.stream = [zlib.compress(item.stream[0], LARGE_STREAM_LEVEL)]
            item.compress = False
            item.extra["Filter"] = "/FlateDecode"


WARM_UP_HTML = "<html><body><h1>检验检测机构资质认定证书</h1><p>证书编号 2024 附表 GB/T 27025</p></body></html>"


def warm_up() -> None:
    """Parse the stylesheet, load both font weights and lay out one small page, so the first
    certificate a worker process renders costs what every later one does (the font faces are then
    loaded once per process, not on a user's request)."""
    html_to_pdf(WARM_UP_HTML)


def prepare_worker_process() -> None:
    """What a process that renders PDFs does once when it starts: :func:`warm_up`, then freeze
    everything it holds by then (Django, WeasyPrint, the parsed stylesheet, fonts) out of the
    cyclic garbage collector's reach. A certificate allocates enough objects to trigger a full
    collection every two or three renders, and a full collection otherwise re-scans those ~200,000
    long-lived objects each time (~30 ms of CPU, charged to whichever render triggers it)."""
    warm_up()
    gc.collect()
    gc.freeze()


def render_pdf_pages(template: str, context: dict) -> tuple[bytes, int]:
    """Render a Django template (autoescaped) and lay it out as a PDF: (bytes, pages)."""
    return html_to_pdf(render_to_string(template, context))


def qr_png(text: str) -> str:
    """A QR code (error correction M) as an inline PNG, one pixel per module: a few hundred bytes
    that the stylesheet scales up without smoothing. Cheaper to lay out than an SVG path. The mask
    pattern is qrcode's choice, made from one data placement (see ``qrmask``)."""
    code = (qrmask.QRCode if SHORTCUTS else qrcode.QRCode)(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
    code.add_data(text)
    code.make(fit=True)
    matrix = code.get_matrix()
    image = Image.new("1", (len(matrix), len(matrix)), 1)
    image.putdata([0 if module else 1 for row in matrix for module in row])
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return PNG_DATA_PREFIX + base64.b64encode(buffer.getvalue()).decode("ascii")
