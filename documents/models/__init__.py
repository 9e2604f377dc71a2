"""Documents: the required-document catalogue, uploads, rendered PDFs and certificate signatures."""

from .answers import AnswerFile
from .catalogue import DocumentFormat, DocumentRequirement
from .rendered import RenderedDocument
from .signatures import CertificateSignature, VerificationKey
from .uploads import Document

__all__ = [
    "AnswerFile",
    "CertificateSignature",
    "Document",
    "DocumentFormat",
    "DocumentRequirement",
    "RenderedDocument",
    "VerificationKey",
]
