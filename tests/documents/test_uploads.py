"""Uploads are judged by content, size and name; refused files leave nothing behind."""

import os

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from approvals.exceptions import TransitionRefused
from documents import services
from documents.models import Document
from tests.documents.factories import image_bytes, pdf_bytes, upload
from tests.factories import ApplicationFactory
from workflows import services as flow

pytestmark = pytest.mark.django_db


@pytest.fixture
def bare(applicant):
    """A draft with no documents yet."""
    return ApplicationFactory(agency=applicant.agency, created_by=applicant, documents=False)


def stored_files(settings) -> list[str]:
    root = settings.MEDIA_ROOT
    return [os.path.join(d, f) for d, _dirs, files in os.walk(root) for f in files] if os.path.exists(root) else []


@pytest.mark.parametrize(("content", "name", "content_type"), [
    (pdf_bytes(), "质量手册.pdf", "application/pdf"),
    (image_bytes("JPEG"), "场所照片.jpg", "image/jpeg"),
    (image_bytes("PNG"), "平面图.png", "image/png"),
    (image_bytes("PNG"), "平面图.pdf", "image/png"),  # named .pdf, judged a PNG by its content: kept as .png
])
def test_good_files_are_stored_privately_under_a_random_name(bare, applicant, settings, content, name, content_type):
    doc = services.document_upload(application=bare, by=applicant, requirement="premises", file=upload(content, name))
    assert doc.content_type == content_type and doc.size == len(content)
    assert doc.original_name == name.replace("平面图.pdf", "平面图.png")  # the extension of what it is
    assert doc.file.name.startswith(f"uploads/{bare.pk}/") and name not in doc.file.name
    path = doc.file.path
    assert path.startswith(str(settings.MEDIA_ROOT)) and open(path, "rb").read() == content


BAD = {
    "script renamed .pdf": (b"#!/bin/sh\nrm -rf / --no-preserve-root\n", "report.pdf", "不是PDF、JPEG或PNG"),
    "HTML file": (b"<!DOCTYPE html><html><script>alert(1)</script></html>", "form.pdf", "不是PDF、JPEG或PNG"),
    "empty file": (b"", "empty.pdf", "文件为空"),
    "PDF header, no PDF": (b"%PDF-1.7\n<html>not really</html>", "fake.pdf", "PDF文件已损坏"),
    "truncated PNG": (image_bytes("PNG")[:40], "cut.png", "图片文件已损坏"),
    "name with ../": (pdf_bytes(), "../../etc/passwd.pdf", "不能包含路径"),
    "name with control characters": (pdf_bytes(), "report\x00\x1b[31m.pdf", "控制字符"),
    "name with a newline": (pdf_bytes(), "a\nb.pdf", "控制字符"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_uploads_are_refused_with_a_clear_message_and_nothing_stored(bare, applicant, settings, case):
    content, name, message = BAD[case]
    with pytest.raises(ValidationError) as caught:
        services.document_upload(application=bare, by=applicant, requirement="premises", file=upload(content, name), name=name)
    assert message in " ".join(caught.value.message_dict["file"])
    assert not Document.objects.exists()
    assert stored_files(settings) == []


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(bare, applicant, settings):
    settings.DOCUMENT_MAX_UPLOAD_BYTES = 1024
    big = pdf_bytes(pages=30)
    assert len(big) > 1024
    with pytest.raises(ValidationError) as caught:
        services.document_upload(application=bare, by=applicant, requirement="premises", file=upload(big, "big.pdf"))
    assert "文件过大" in caught.value.message_dict["file"][0] and "1.0\xa0KB" in caught.value.message_dict["file"][0]
    assert not Document.objects.exists() and stored_files(settings) == []


def test_default_size_limit_is_twenty_megabytes():
    from project import settings as project_settings

    assert project_settings.DOCUMENT_MAX_UPLOAD_BYTES == 20 * 1024 * 1024


def test_a_requirement_accepting_only_pdf_refuses_an_image(bare, applicant):
    with pytest.raises(ValidationError) as caught:
        services.document_upload(application=bare, by=applicant, requirement="application_form",
                                 file=upload(image_bytes("PNG"), "申请书.png"))
    assert "只接受PDF" in caught.value.message_dict["file"][0]


def test_a_pdf_with_javascript_is_refused(bare, applicant):
    import io

    from pypdf import PdfWriter
    from pypdf.actions import JavaScript

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_open_action(JavaScript("app.alert('x');"))
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(ValidationError) as caught:
        services.document_upload(application=bare, by=applicant, requirement="premises", file=upload(out.getvalue(), "x.pdf"))
    assert "脚本" in caught.value.message_dict["file"][0]


def test_data_shared_documents_and_unknown_requirements_are_not_uploaded(bare, applicant):
    with pytest.raises(ValidationError, match="政务数据共享"):
        services.document_upload(application=bare, by=applicant, requirement="legal_status", file=upload(pdf_bytes(), "a.pdf"))
    with pytest.raises(ValidationError, match="目录中没有"):
        services.document_upload(application=bare, by=applicant, requirement="nonsense", file=upload(pdf_bytes(), "a.pdf"))


def test_the_same_file_twice_is_refused(bare, applicant):
    services.document_upload(application=bare, by=applicant, requirement="premises", file=upload(pdf_bytes(), "a.pdf"))
    with pytest.raises(ValidationError, match="已经上传过"):
        services.document_upload(application=bare, by=applicant, requirement="premises", file=upload(pdf_bytes(), "b.pdf"))


def test_only_the_own_agency_uploads_and_only_on_a_draft_or_open_supplement(bare, applicant, applicant2, acceptor):
    for outsider in (applicant2, acceptor):
        with pytest.raises(PermissionDenied):
            services.document_upload(application=bare, by=outsider, requirement="premises", file=upload(pdf_bytes(), "a.pdf"))
    draft = ApplicationFactory(agency=applicant.agency, created_by=applicant)
    flow.application_submit(application=draft, by=applicant)
    with pytest.raises(TransitionRefused, match="草稿和补正期间"):
        services.document_upload(application=draft, by=applicant, requirement="premises", file=upload(pdf_bytes(), "a.pdf"))


def test_submission_is_refused_listing_every_missing_document(bare, applicant):
    services.document_upload(application=bare, by=applicant, requirement="premises", file=upload(pdf_bytes(), "a.pdf"))
    with pytest.raises(ValidationError) as caught:
        flow.application_submit(application=bare, by=applicant)
    message = caught.value.message_dict["documents"][0]
    for name in ("资质认定申请书", "人员名单及劳动关系证明", "管理体系文件", "内部审核和管理评审报告",
                 "仪器设备清单及检定/校准状态", "典型检验检测报告"):
        assert name in message
    assert "工作场所" not in message  # uploaded
    assert "法人资格证明" not in message  # obtained through data sharing under the 2021 rules
    assert "能力验证" not in message  # optional
    bare.refresh_from_db()
    assert bare.status == "draft"


def test_removed_documents_no_longer_count(draft, applicant):
    doc = draft.documents.get(requirement__code="personnel")
    services.document_remove(document=doc, by=applicant)
    with pytest.raises(ValidationError, match="人员名单"):
        flow.application_submit(application=draft, by=applicant)
    assert Document.objects.filter(pk=doc.pk, removed_at__isnull=False).exists()  # kept for the record
