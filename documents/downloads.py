"""Every file the product hands out — uploads and issued PDFs, pages and API — leaves through here.

Always an attachment, named with the extension of its detected type (a PDF uploaded as notice.html
downloads as notice.pdf), never sniffed into another type, never cached by a browser or proxy, and
sandboxed should a browser render it anyway.
"""

from django.http import FileResponse

from .validation import with_extension


def attachment(field_file, *, filename: str, content_type: str, inline: bool = False) -> FileResponse:
    """A stored document or issued PDF as a download (``field_file``: a FieldFile or an open path);
    ``inline``: shown in the page's preview (the caller allows it only for PDFs and images)."""
    opened = field_file.open("rb")
    response = FileResponse(opened, as_attachment=not inline, filename=with_extension(filename, content_type),
                            content_type=content_type)
    private_download(response)
    if inline:  # the browser's own PDF viewer does not run in a sandboxed document
        response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
    return response


def private_download(response):
    """The headers every download carries (a generated export's response too)."""
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
