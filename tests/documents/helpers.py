import io
import subprocess
from pathlib import Path

from pypdf import PdfReader

from documents.models import RenderedDocument
from tests.workflows.helpers import complete, to_decision


def certify(application, applicant, acceptor, reviewer, approver, issuer, capture):
    """Drive an application to its certificate, running the after-commit renders."""
    with capture(execute=True):
        to_decision(application, applicant, acceptor, reviewer)
        complete(application, "decide", approver, "approve", comment="符合条件")
        complete(application, "issue", issuer, "issue")
    return application.certificate


def rendered(application, kind) -> RenderedDocument:
    return RenderedDocument.objects.get(application=application, kind=kind)


def pdf_of(doc: RenderedDocument) -> bytes:
    with doc.file.open("rb") as handle:
        return handle.read()


def reader(data: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(data))


def fonts_of(data: bytes) -> set[str]:
    """Base font names of every font embedded in the PDF."""
    names = set()
    for page in reader(data).pages:
        resources = page.get("/Resources") or {}
        fonts = resources.get("/Font") or {}
        for ref in fonts.values():
            font = ref.get_object()
            names.add(str(font.get("/BaseFont")))
            for descendant in font.get("/DescendantFonts") or []:
                descriptor = descendant.get_object().get("/FontDescriptor")
                if descriptor and any(k in descriptor.get_object() for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                    names.add("embedded:" + str(descendant.get_object().get("/BaseFont")))
    return names


def page_png(data: bytes, tmp_path: Path, page: int = 1, dpi: int = 150) -> Path:
    pdf = tmp_path / "doc.pdf"
    pdf.write_bytes(data)
    prefix = tmp_path / f"page{page}"
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", str(page), "-l", str(page), "-singlefile", str(pdf), str(prefix)],
                   check=True)
    return prefix.with_suffix(".png")
