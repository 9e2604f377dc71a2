"""Supplement and rectification answers carry files (the rectification report, evidence), checked like
every upload; a refused answer loses nothing the applicant typed and leaves no file behind."""

from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from approvals.exceptions import TransitionRefused
from approvals.models import ApplicationStatus as S
from audit.models import AuditEntry
from documents.answers import answer_file_upload
from documents.models import AnswerFile
from tests.documents.factories import image_bytes, pdf_bytes, upload
from tests.factories import ApplicantFactory
from tests.pages import client_for, text
from tests.workflows.helpers import complete, open_step, to_review

pytestmark = pytest.mark.django_db


def pdf(name: str, pages: int = 1) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes(pages), "application/pdf")


@pytest.fixture
def rectifying(draft, applicant, acceptor, reviewer):
    to_review(draft, applicant, acceptor)
    complete(draft, "review", reviewer, "rectify", review_mode="onsite",
             findings=[{"description": "设备未检定", "clause": "4.4.2", "grade": "general"}])
    return draft


def answer_url(application) -> str:
    return reverse("workflows:application_answer", args=[application.pk])


def stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT) / "answers"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_a_rectification_answer_carries_its_report_and_evidence(rectifying, applicant, reviewer, settings):
    response = client_for(applicant).post(answer_url(rectifying), {
        "response": "已完成检定，附检定证书",
        "report": pdf("整改报告.pdf", 2),
        "evidence": [pdf("检定证书.pdf", 3), SimpleUploadedFile("现场照片.png", image_bytes(), "image/png")],
    })
    assert response.status_code == 302
    rectifying.refresh_from_db()
    assert rectifying.status == S.ACCEPTED
    files = list(AnswerFile.objects.filter(application=rectifying).order_by("id"))
    assert [(f.kind, f.round, f.role, f.original_name, f.content_type) for f in files] == [
        ("rectification", 1, "report", "整改报告.pdf", "application/pdf"),
        ("rectification", 1, "evidence", "检定证书.pdf", "application/pdf"),
        ("rectification", 1, "evidence", "现场照片.png", "image/png"),
    ]
    assert len(stored_files(settings)) == 3
    assert AuditEntry.objects.filter(action="answer_file.upload", application_id=rectifying.pk).count() == 3
    # the reviewer sees them on the application page and downloads the report
    page = text(client_for(reviewer).get(reverse("workflows:application_detail", args=[rectifying.pk])))
    assert 'data-section="answer-files"' in page and "整改报告.pdf" in page and "现场照片.png" in page
    download = client_for(reviewer).get(reverse("documents:answer-file", args=[files[0].pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == pdf_bytes(2)
    # another agency cannot, and cannot tell it exists
    stranger = client_for(ApplicantFactory(username="stranger"))
    assert stranger.get(reverse("documents:answer-file", args=[files[0].pk])).status_code == 404


def test_a_rectification_answer_without_a_report_is_refused_and_keeps_the_text(rectifying, applicant, settings):
    response = client_for(applicant).post(answer_url(rectifying), {
        "response": "已完成检定", "evidence": [pdf("检定证书.pdf", 3)]})
    page = text(response)
    assert response.status_code == 400 and "请上传整改报告" in page and "已完成检定" in page
    rectifying.refresh_from_db()
    assert rectifying.status == S.RECTIFICATION and open_step(rectifying, "rectification")
    assert not AnswerFile.objects.exists() and stored_files(settings) == []  # rolled back, file removed


def test_a_file_that_is_not_what_it_claims_is_refused_like_any_upload(rectifying, applicant, settings):
    fake = SimpleUploadedFile("整改报告.pdf", b"just some text, not a PDF", "application/pdf")
    response = client_for(applicant).post(answer_url(rectifying), {"response": "已整改", "report": fake})
    page = text(response)
    assert response.status_code == 400 and "系统按文件内容而非扩展名判断" in page and "已整改" in page
    rectifying.refresh_from_db()
    assert rectifying.status == S.RECTIFICATION and not AnswerFile.objects.exists() and stored_files(settings) == []


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(rectifying, applicant, settings):
    settings.DOCUMENT_MAX_UPLOAD_BYTES = 2000
    response = client_for(applicant).post(answer_url(rectifying), {"response": "已整改", "report": pdf("大.pdf", 40)})
    assert response.status_code == 400 and "文件过大" in text(response)
    assert not AnswerFile.objects.exists()


def test_a_supplement_answer_may_carry_evidence_but_no_report(draft, applicant, acceptor):
    from workflows import services

    services.application_submit(application=draft, by=applicant)
    complete(draft, "accept", acceptor, "supplement", deficiencies=[{"description": "请说明检测场所产权情况"}])
    draft.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        answer_file_upload(application=draft, by=applicant, role="report", file=upload(pdf_bytes(), "报告.pdf"))
    assert "role" in refused.value.message_dict
    response = client_for(applicant).post(answer_url(draft), {"response": "场所为自有产权，附产权证",
                                                              "evidence": [pdf("产权证.pdf")]})
    assert response.status_code == 302
    assert list(AnswerFile.objects.values_list("kind", "round", "role")) == [("supplement", 1, "evidence")]


def test_files_are_attached_only_by_the_agency_and_only_while_a_notice_is_open(rectifying, applicant, draft):
    with pytest.raises(PermissionDenied):
        answer_file_upload(application=rectifying, by=ApplicantFactory(username="other"), role="evidence",
                           file=upload(pdf_bytes(), "x.pdf"))
    complete(rectifying, "rectification", applicant, "resubmit", comment="已整改")
    rectifying.refresh_from_db()
    with pytest.raises(TransitionRefused):
        answer_file_upload(application=rectifying, by=applicant, role="evidence", file=upload(pdf_bytes(4), "y.pdf"))
