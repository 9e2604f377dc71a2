"""Real files for upload tests, and a helper that supplies a draft's required documents."""

import hashlib
import io

from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image
from pypdf import PdfWriter

from approvals.models import Application
from documents import selectors
from documents.models import Document
from documents.storage import private_storage


def pdf_bytes(pages: int = 1) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def image_bytes(fmt: str = "PNG", size=(64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format=fmt)
    return out.getvalue()


def upload(content: bytes, name: str) -> ContentFile:
    return ContentFile(content, name=name)


def supply_documents(application: Application, *, skip: tuple[str, ...] = ()) -> list[Document]:
    """One valid PDF for every mandatory requirement of the application's catalogue, including those
    obtained by data sharing today, so the draft is also complete if submitted under older rules."""
    requirements = [req for req in selectors.requirements_for(application) if req.mandatory and req.code not in skip]
    if not requirements:
        return []
    data = pdf_bytes()
    name = private_storage.save(f"uploads/{application.pk}/factory.pdf", ContentFile(data))
    now = timezone.now()
    return Document.objects.bulk_create(
        Document(
            application=application, requirement=req, file=name, original_name=f"{req.name}.pdf",
            content_type="application/pdf", size=len(data), sha256=hashlib.sha256(data).hexdigest(),
            uploaded_by=application.created_by, uploaded_at=now,
        )
        for req in requirements
    )
