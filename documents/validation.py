"""Upload checks: a file is judged by its content, never by the name the applicant gave it.

A file is accepted only if its first bytes are those of a PDF, JPEG or PNG *and* it parses as
one (pypdf for PDF; images checked without decoding them into memory, see image_safety). A PDF with
JavaScript, launch actions or embedded files anywhere in its object graph is refused (pdf_safety), so
is any file carrying HTML markup (a polyglot a browser could run as a page), and an image above the
configured pixel count is refused from its header. Names are checked and cleaned, take the extension
of the detected type, and are never used on disk. Every refusal is a ValidationError with a message
an applicant can act on.
"""

import io
import re
import struct
import unicodedata
import warnings
import zlib
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from .image_safety import check_jpeg_stream, check_png_stream
from .models.catalogue import DocumentFormat
from .pdf_safety import EMBEDDED, LAUNCH, SCRIPT, active_content

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
MAX_NAME_LENGTH = 120
DEFAULT_MAX_IMAGE_PIXELS = 40_000_000  # an A4 page scanned at 600 dpi is 35 million pixels

MAGIC = {
    DocumentFormat.PDF: (b"%PDF-",),
    DocumentFormat.JPEG: (b"\xff\xd8\xff",),
    DocumentFormat.PNG: (b"\x89PNG\r\n\x1a\n",),
}
CONTENT_TYPES = {DocumentFormat.PDF: "application/pdf", DocumentFormat.JPEG: "image/jpeg", DocumentFormat.PNG: "image/png"}
EXTENSIONS = {DocumentFormat.PDF: "pdf", DocumentFormat.JPEG: "jpg", DocumentFormat.PNG: "png"}
# extensions a name may keep for its detected type; any other is replaced by EXTENSIONS[type]
KEPT_EXTENSIONS = {DocumentFormat.PDF: {"pdf"}, DocumentFormat.JPEG: {"jpg", "jpeg"}, DocumentFormat.PNG: {"png"}}
EXTENSION_OF_TYPE = {CONTENT_TYPES[fmt]: ext for fmt, ext in EXTENSIONS.items()}
# Markup that makes a browser run a file as a page (a PDF/HTML or JPEG/HTML polyglot). Tag names are
# followed by a delimiter, so compressed data matches by chance about once in millions of files.
HTML_MARKUP = re.compile(
    rb"<\s*(?:script|iframe|object|embed|html|body|meta)[\s>/]|<\s*(?:svg|img)\s[^>]{0,200}?on[a-z]+\s*=", re.IGNORECASE
)


@dataclass(frozen=True)
class CheckedFile:
    """What an accepted upload is, judged by its content."""

    format: str
    content_type: str
    extension: str
    name: str
    size: int


def max_upload_bytes() -> int:
    return int(getattr(settings, "DOCUMENT_MAX_UPLOAD_BYTES", DEFAULT_MAX_BYTES))


def max_image_pixels() -> int:
    return int(getattr(settings, "DOCUMENT_MAX_IMAGE_PIXELS", DEFAULT_MAX_IMAGE_PIXELS))


def with_extension(name: str, content_type: str) -> str:
    """``name`` with the extension of its detected type: 平面图.pdf holding a PNG becomes 平面图.png."""
    extension = EXTENSION_OF_TYPE.get(content_type)
    if extension is None:
        return name
    fmt = next(f for f, t in CONTENT_TYPES.items() if t == content_type)
    stem, dot, current = name.rpartition(".")
    if dot and stem and current.lower() in KEPT_EXTENSIONS[fmt]:
        return name
    return f"{stem if dot and stem else name}.{extension}"


def clean_name(name: str) -> str:
    """The applicant's file name, made safe for display and download; refused if it tries a path."""
    name = unicodedata.normalize("NFC", str(name or "")).strip()
    if not name:
        raise ValidationError(_("文件名不能为空。"), code="name_empty")
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp") for ch in name):
        raise ValidationError(_("文件名含有控制字符，请重命名后再上传。"), code="name_control")
    if "/" in name or "\\" in name or name in (".", "..") or name.startswith("."):
        raise ValidationError(_("文件名不能包含路径（如“../”或“/”），请重命名后再上传。"), code="name_path")
    if len(name) > MAX_NAME_LENGTH:
        raise ValidationError(
            _("文件名过长（最多%(max)d个字符），请重命名后再上传。") % {"max": MAX_NAME_LENGTH}, code="name_long"
        )
    return name


def too_large_message(size: int | None = None) -> str:
    limit = filesizeformat(max_upload_bytes())
    if size is None:
        return _("文件过大，单个文件不能超过%(limit)s。") % {"limit": limit}
    return _("文件过大（%(size)s），单个文件不能超过%(limit)s。") % {"size": filesizeformat(size), "limit": limit}


def sniff(head: bytes) -> str | None:
    """The format the first bytes announce, or None."""
    for fmt, signatures in MAGIC.items():
        if any(head.startswith(sig) for sig in signatures):
            return fmt
    return None


def _check_pdf(data: bytes) -> None:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise ValidationError(_("PDF文件已加密，审查人员无法打开，请去除密码后再上传。"), code="pdf_encrypted")
        if len(reader.pages) < 1:
            raise ValidationError(_("PDF文件没有页面。"), code="pdf_empty")
        found = active_content(reader)
        if found == SCRIPT:
            raise ValidationError(
                _("PDF文件含有脚本（JavaScript）或自动动作，出于安全原因不予接收。请用“打印为PDF”另存后再上传。"),
                code="pdf_script",
            )
        if found == LAUNCH:
            raise ValidationError(_("PDF文件含有启动外部程序或导入数据的动作，出于安全原因不予接收。"), code="pdf_launch")
        if found == EMBEDDED:
            raise ValidationError(
                _("PDF文件含有嵌入的附件或多媒体，出于安全原因不予接收。请去除附件后再上传，每份材料单独上传。"),
                code="pdf_embedded",
            )
    except ValidationError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError,
            struct.error, zlib.error) as error:
        raise ValidationError(_("PDF文件已损坏或格式不正确，无法打开。"), code="pdf_broken") from error


def _check_image(data: bytes, fmt: str) -> None:
    from PIL import Image, UnidentifiedImageError

    expected = {DocumentFormat.JPEG: "JPEG", DocumentFormat.PNG: "PNG"}[fmt]
    limit = max_image_pixels()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:  # reads the header only
                if image.format != expected:
                    raise ValidationError(_("图片内容与格式不符。"), code="image_mismatch")
                width, height = image.size
                if width * height > limit:
                    raise ValidationError(
                        _("图片尺寸过大（%(width)d×%(height)d像素，最多%(max)s万像素），请降低分辨率后再上传。")
                        % {"width": width, "height": height, "max": f"{limit / 10_000:g}"},
                        code="image_too_large",
                    )
                if fmt == DocumentFormat.PNG:
                    check_png_stream(data)
                else:
                    check_jpeg_stream(image, data)
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, struct.error, zlib.error,
            Image.DecompressionBombWarning, Image.DecompressionBombError) as error:
        raise ValidationError(_("图片文件已损坏或格式不正确，无法打开。"), code="image_broken") from error


def check_upload(file: IO[bytes], *, name: str, size: int | None = None,
                 accepted_formats: list[str] | None = None) -> tuple[CheckedFile, bytes]:
    """Check an upload by name, size and content. Returns what it is and its bytes.

    Raises ValidationError (code names the reason) and reads nothing past the size limit.
    """
    clean = clean_name(name)
    limit = max_upload_bytes()
    if size is not None and size > limit:
        raise ValidationError(too_large_message(size), code="too_large")
    if hasattr(file, "seek"):
        file.seek(0)
    data = file.read(limit + 1)
    if len(data) > limit:
        raise ValidationError(too_large_message(), code="too_large")
    if not data:
        raise ValidationError(_("文件为空，请重新选择文件。"), code="empty")
    fmt = sniff(data[:16])
    if fmt is None:
        raise ValidationError(
            _("文件内容不是PDF、JPEG或PNG（系统按文件内容而非扩展名判断），请转换后再上传。"), code="format"
        )
    if accepted_formats and fmt not in accepted_formats:
        labels = "、".join(DocumentFormat(f).label for f in accepted_formats)
        raise ValidationError(_("该材料只接受%(formats)s格式。") % {"formats": labels}, code="format_not_accepted")
    if fmt == DocumentFormat.PDF:
        _check_pdf(data)
    else:
        _check_image(data, fmt)
    if HTML_MARKUP.search(data):
        raise ValidationError(
            _("文件中夹带网页代码（HTML或脚本标记），出于安全原因不予接收。请从原始文档重新导出后再上传。"), code="html_markup"
        )
    content_type = CONTENT_TYPES[fmt]
    return CheckedFile(
        format=fmt, content_type=content_type, extension=EXTENSIONS[fmt], name=with_extension(clean, content_type),
        size=len(data),
    ), data
