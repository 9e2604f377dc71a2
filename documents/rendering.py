"""HTML → PDF with WeasyPrint, fetching nothing but the product's own packaged assets.

Templates are Django templates with autoescaping on, so whatever an applicant typed is text. The
renderer's URL fetcher refuses every URL except files inside ``documents/assets`` (the stylesheet
and the packaged CJK font subsets): no ``file://`` elsewhere, no ``http(s)``, no ``data:``. The
parsed stylesheet and the font configuration are built once per thread and reused, which is what
keeps a certificate near the cost of WeasyPrint's own layout.
"""

import logging
import mimetypes
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit

import qrcode
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

logger = logging.getLogger(__name__)

ASSETS_DIR = (Path(__file__).resolve().parent / "assets").resolve()
STYLESHEET = ASSETS_DIR / "pdf.css"
UA_STYLESHEET = ASSETS_DIR / "ua.css"
BASE_URL = ASSETS_DIR.as_uri() + "/"


class FetchRefused(ValueError):
    """The renderer asked for a URL outside the packaged assets."""


class AssetFetcher(URLFetcher):
    """Serves files under ``ASSETS_DIR`` and refuses everything else (recording what it refused)."""

    def __init__(self):
        super().__init__(allowed_protocols=["file"], allow_redirects=False)
        self.fetched: list[str] = []
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
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


class ProductHTML(HTML):
    """WeasyPrint's HTML with the product's cut-down user-agent stylesheet (see assets/ua.css)."""

    def _ua_stylesheets(self, forms=False):
        prepared_stylesheet()
        return [_prepared.ua]


def html_to_pdf(html: str, *, fetcher: AssetFetcher | None = None) -> tuple[bytes, int]:
    """Lay out ``html`` as a PDF with the product's stylesheet; only packaged assets are fetched.
    Returns the PDF and its number of pages."""
    css, fonts = prepared_stylesheet()
    document = ProductHTML(string=html, base_url=BASE_URL, url_fetcher=fetcher or AssetFetcher()).render(
        stylesheets=[css], font_config=fonts
    )
    return document.write_pdf(), len(document.pages)


def render_pdf_pages(template: str, context: dict) -> tuple[bytes, int]:
    """Render a Django template (autoescaped) and lay it out as a PDF: (bytes, pages)."""
    return html_to_pdf(render_to_string(template, context))


def qr_svg(text: str, *, size_mm: int = 30) -> SafeString:
    """A QR code (error correction M) as inline SVG: one path, one unit per module."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
    code.add_data(text)
    code.make(fit=True)
    matrix = code.get_matrix()
    runs = []
    for y, row in enumerate(matrix):
        x = 0
        while x < len(row):
            if row[x]:
                start = x
                while x < len(row) and row[x]:
                    x += 1
                runs.append(f"M{start} {y}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    n = len(matrix)
    return mark_safe(  # noqa: S308 — built from numbers and an escaped label only
        f'<svg class="qr" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {n} {n}" '
        f'width="{size_mm}mm" height="{size_mm}mm" shape-rendering="crispEdges" aria-label="{escape(text)}">'
        f'<rect width="{n}" height="{n}" fill="#fff"/><path fill="#000" d="{"".join(runs)}"/></svg>'
    )
