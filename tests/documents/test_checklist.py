"""The documents checklist: one row per requirement with its state, several files at once on the row
(all or none), the XHR upload's answer, reuse offered on the row, and the inline preview."""

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from documents import selectors
from documents.models import Document
from tests.documents.factories import image_bytes, pdf_bytes
from tests.factories import ApplicationFactory
from tests.pages import client_for, text
from workflows import services as flow

pytestmark = pytest.mark.django_db


def page_url(application):
    return reverse("documents:application", args=[application.pk])


def row_of(page: str, code: str) -> str:
    start = page.index(f'id="req-{code}"')
    end = page.find('<li class="req', start + 1)
    return page[start:end if end > 0 else len(page)]


def stored_files(settings) -> set[str]:
    root = settings.MEDIA_ROOT / "uploads"
    return {str(p) for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def test_each_requirement_is_a_row_with_its_state_and_its_own_upload(applicant):
    app = ApplicationFactory(agency=applicant.agency, created_by=applicant, documents=False)
    page = text(client_for(applicant).get(page_url(app)))
    premises = row_of(page, "premises")
    assert 'data-state="missing"' in premises and "未提交" in premises
    assert 'name="requirement" value="premises"' in premises and 'type="file" name="file" multiple' in premises
    shared = row_of(page, "legal_status")
    assert 'data-state="shared"' in shared and 'type="file"' not in shared  # nothing to upload


def test_several_files_on_one_row_are_uploaded_together(applicant):
    app = ApplicationFactory(agency=applicant.agency, created_by=applicant, documents=False)
    response = client_for(applicant).post(page_url(app), {"requirement": "premises", "file": [
        SimpleUploadedFile("平面图.pdf", pdf_bytes()), SimpleUploadedFile("照片.png", image_bytes())]})
    assert response.status_code == 302 and response.url.endswith("#req-premises")
    names = set(Document.objects.filter(application=app, requirement__code="premises").values_list("original_name", flat=True))
    assert names == {"平面图.pdf", "照片.png"}


def test_one_bad_file_refuses_the_whole_batch_names_it_and_leaves_nothing(applicant, settings):
    app = ApplicationFactory(agency=applicant.agency, created_by=applicant, documents=False)
    before = stored_files(settings)
    response = client_for(applicant).post(page_url(app), {"requirement": "premises", "file": [
        SimpleUploadedFile("平面图.pdf", pdf_bytes()), SimpleUploadedFile("病毒.pdf", b"MZ\x90\x00binary")]})
    assert response.status_code == 400
    page = text(response)
    assert "病毒.pdf：" in row_of(page, "premises") and "data-upload-errors" in page
    assert not Document.objects.filter(application=app).exists()
    assert stored_files(settings) == before  # the good file stored first was deleted again


def test_the_progress_upload_gets_the_next_address_as_json(applicant):
    app = ApplicationFactory(agency=applicant.agency, created_by=applicant, documents=False)
    client = client_for(applicant)
    response = client.post(page_url(app), {"requirement": "premises", "file": SimpleUploadedFile("a.pdf", pdf_bytes())},
                           HTTP_X_REQUESTED_WITH="XMLHttpRequest")
    assert response.status_code == 200 and response.json() == {"next": page_url(app) + "#req-premises"}
    assert "材料已上传：a.pdf" in text(client.get(page_url(app)))  # the message waits for that page


def test_preview_is_inline_only_when_asked_and_only_for_who_may_see_it(draft, applicant, applicant2):
    document = draft.documents.first()
    client = client_for(applicant)
    url = reverse("documents:file", args=[document.pk])
    download = client.get(url)
    assert download["Content-Disposition"].startswith("attachment")
    preview = client.get(url + "?preview=1")
    assert preview["Content-Disposition"].startswith("inline") and preview["Content-Type"] == "application/pdf"
    assert preview["X-Frame-Options"] == "SAMEORIGIN" and preview["X-Content-Type-Options"] == "nosniff"
    assert b"".join(preview.streaming_content).startswith(b"%PDF-")
    assert client_for(applicant2).get(url + "?preview=1").status_code == 404
    page = text(client.get(page_url(draft)))
    assert f'<iframe src="{url}?preview=1"' in page


def test_images_preview_as_images(applicant):
    app = ApplicationFactory(agency=applicant.agency, created_by=applicant, documents=False)
    client = client_for(applicant)
    client.post(page_url(app), {"requirement": "premises", "file": SimpleUploadedFile("照片.png", image_bytes())})
    document = Document.objects.get(application=app)
    page = text(client.get(page_url(app)))
    assert f'<img src="{reverse("documents:file", args=[document.pk])}?preview=1" alt="预览：照片.png"' in page


def test_reuse_is_offered_on_its_row_and_the_row_then_reads_reused(applicant):
    with time_machine.travel("2026-03-02 10:00 +08:00", tick=False):
        first = ApplicationFactory(agency=applicant.agency, created_by=applicant)
        flow.application_submit(application=first, by=applicant)
    with time_machine.travel("2026-05-10 10:00 +08:00", tick=False):
        second = ApplicationFactory(agency=applicant.agency, created_by=applicant, documents=False)
        client = client_for(applicant)
        row = row_of(text(client.get(page_url(second))), "management_system")
        source = first.documents.get(requirement__code="management_system")
        assert f'name="document" value="{source.pk}"' in row and "复用" in row
        client.post(reverse("documents:reuse", args=[second.pk]), {"document": source.pk})
        row = row_of(text(client.get(page_url(second))), "management_system")
        assert "已复用此前提交的材料" in row and f"复用自 {first.reference}" in row
        status = {s.requirement.code: s for s in selectors.checklist(application=second)}["management_system"]
        assert status.is_reused and status.state == "provided"


def test_removing_a_document_asks_first_naming_the_file(draft, applicant):
    page = text(client_for(applicant).get(page_url(draft)))
    name = draft.documents.first().original_name
    assert f"将从本申请中删除“{name}”" in page


def test_officials_see_the_checklist_and_previews_without_upload_forms(draft, applicant, acceptor):
    flow.application_submit(application=draft, by=applicant)
    page = text(client_for(acceptor).get(page_url(draft)))
    assert "data-preview" in page and "data-upload" not in page and 'data-action="remove"' not in page


def test_reuse_all_fills_every_requirement_still_lacking_a_document_in_one_step(applicant):
    with time_machine.travel("2026-03-02 10:00 +08:00", tick=False):
        first = ApplicationFactory(agency=applicant.agency, created_by=applicant)
        flow.application_submit(application=first, by=applicant)
    with time_machine.travel("2026-05-10 10:00 +08:00", tick=False):
        second = ApplicationFactory(agency=applicant.agency, created_by=applicant, documents=False)
        client = client_for(applicant)
        client.post(page_url(second), {"requirement": "premises", "file": SimpleUploadedFile("新平面图.pdf", pdf_bytes())})
        page = text(client.get(page_url(second)))
        assert 'data-action="reuse-all"' in page and "全部复用（5 项）" in page  # premises is already provided
        response = client.post(reverse("documents:reuse-all", args=[second.pk]))
        assert response.status_code == 302
        states = {s.requirement.code: s for s in selectors.checklist(application=second)}
        reused = {code for code, s in states.items() if s.is_reused}
        assert reused == {"personnel", "management_system", "audit_review", "equipment", "typical_reports"}
        assert [d.original_name for d in states["premises"].documents] == ["新平面图.pdf"]  # left alone
        assert states["application_form"].state == "missing"  # never reusable: still to upload
        assert 'data-action="reuse-all"' not in text(client.get(page_url(second)))


def test_reuse_all_is_refused_to_another_agency(applicant, applicant2, draft):
    response = client_for(applicant2).post(reverse("documents:reuse-all", args=[draft.pk]))
    assert response.status_code == 404
