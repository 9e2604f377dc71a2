"""Example documents for the demo data: a real, small PDF per required document, uploaded through
the same checks as an applicant's file."""

from django.core.files.base import ContentFile
from django.utils.html import escape

from approvals.models import Application, User

from . import selectors, services
from .rendering import html_to_pdf

_samples: dict[str, bytes] = {}


def _sample(name: str) -> bytes:
    if name not in _samples:
        html = (f"<html><body><h1>{escape(name)}</h1><p>示例材料（演示数据），仅用于体验网上办理流程。</p></body></html>")
        _samples[name] = html_to_pdf(html)[0]
    return _samples[name]


def supply_example_documents(*, application: Application, by: User) -> int:
    """Upload an example PDF for every mandatory document the draft's catalogue asks for."""
    count = 0
    for requirement in selectors.requirements_for(application).requested().filter(mandatory=True):
        data = _sample(requirement.name)
        services.document_upload(application=application, by=by, requirement=requirement.code,
                                 file=ContentFile(data, name=requirement.name.replace("/", "、") + ".pdf"))
        count += 1
    return count
