"""The supplement notice sends documents back all at once; earlier documents are offered for reuse."""

import pytest
import time_machine
from django.core.exceptions import ValidationError

from approvals.models import ApplicationStatus as S
from documents import selectors, services
from documents.models import Document, RenderedDocument
from tests.documents.factories import pdf_bytes, upload
from tests.documents.helpers import pdf_of, reader
from tests.factories import ApplicationFactory
from tests.workflows.helpers import complete, open_step
from workflows import services as flow

pytestmark = pytest.mark.django_db

DEFECTS = [
    {"description": "人员名单缺少技术负责人的劳动合同", "document_code": "personnel"},
    {"description": "质量手册未经批准发布，不是受控版本", "document_code": "management_system"},
    {"description": "请提交近两年能力验证结果", "document_code": "proficiency"},
    {"description": "申请书第3页机构地址与营业执照不一致"},
]


@pytest.fixture
def sent_back(draft, applicant, acceptor, django_capture_on_commit_callbacks):
    flow.application_submit(application=draft, by=applicant)
    with django_capture_on_commit_callbacks(execute=True):
        complete(draft, "accept", acceptor, "supplement", deficiencies=DEFECTS)
    return draft


def test_supplement_marks_each_named_document_with_its_reason(sent_back):
    rejected = {d.requirement.code: d.rejected_reason for d in sent_back.documents.filter(rejected_at__isnull=False)}
    assert rejected == {
        "personnel": "人员名单缺少技术负责人的劳动合同",
        "management_system": "质量手册未经批准发布，不是受控版本",
    }
    states = {s.requirement.code: s.state for s in selectors.checklist(application=sent_back)}
    assert states["personnel"] == states["management_system"] == states["proficiency"] == "rejected"
    assert states["application_form"] == "provided"


def test_the_applicant_sees_every_point_at_once_in_the_notice(sent_back):
    notice = RenderedDocument.objects.get(application=sent_back, kind="supplement_notice", round=1)
    assert notice.state == "ready"
    text = "".join(page.extract_text() for page in reader(pdf_of(notice)).pages)
    assert "共4项" in text
    for defect in DEFECTS:
        assert defect["description"] in text
    assert "人员名单及劳动关系证明" in text and "管理体系文件" in text


def test_resubmission_needs_a_new_document_for_every_point(sent_back, applicant):
    services.document_upload(application=sent_back, by=applicant, requirement="personnel",
                             file=upload(pdf_bytes(2), "劳动合同.pdf"))
    with pytest.raises(ValidationError) as caught:
        complete(sent_back, "supplement", applicant, "resubmit", comment="已补正")
    message = caught.value.message_dict["documents"][0]
    assert "管理体系文件" in message and "近两年能力验证结果" in message and "人员名单" not in message
    sent_back.refresh_from_db()
    assert sent_back.status == S.SUPPLEMENT_REQUESTED and open_step(sent_back, "supplement").state == "open"

    services.document_upload(application=sent_back, by=applicant, requirement="management_system",
                             file=upload(pdf_bytes(3), "质量手册.pdf"))
    services.document_upload(application=sent_back, by=applicant, requirement="proficiency",
                             file=upload(pdf_bytes(4), "能力验证.pdf"))
    complete(sent_back, "supplement", applicant, "resubmit", comment="已补正")
    assert sent_back.status == S.SUBMITTED
    assert set(sent_back.documents.filter(supplement_round=1).values_list("requirement__code", flat=True)) == {
        "personnel", "management_system", "proficiency"}


def test_an_unknown_or_shared_document_code_rolls_the_supplement_back(draft, applicant, acceptor):
    flow.application_submit(application=draft, by=applicant)
    for code, message in (("passport", "不在申请材料目录"), ("legal_status", "政务数据共享")):
        with pytest.raises(ValidationError) as caught:
            complete(draft, "accept", acceptor, "supplement", deficiencies=[{"description": "x", "document_code": code}])
        assert message in caught.value.message_dict["deficiencies"][0]
        draft.refresh_from_db()
        assert draft.status == S.SUBMITTED and not draft.deficiencies.exists()
        assert not draft.documents.filter(rejected_at__isnull=False).exists()


def test_earlier_valid_documents_are_offered_and_reuse_is_recorded(applicant):
    with time_machine.travel("2026-03-02 10:00 +08:00", tick=False):
        draft = ApplicationFactory(agency=applicant.agency, created_by=applicant)
        flow.application_submit(application=draft, by=applicant)
    with time_machine.travel("2026-09-10 10:00 +08:00", tick=False):
        second = ApplicationFactory(agency=applicant.agency, created_by=applicant, application_type="initial", documents=False)
        offers = {s.requirement.code: s.reusable for s in selectors.checklist(application=second)}
        # management_system may be reused for 12 months, personnel and equipment for 6 (more than 6 months ago)
        assert [d.application_id for d in offers["management_system"]] == [draft.pk]
        assert offers["personnel"] == [] and offers["equipment"] == []
        assert offers["application_form"] == []  # never reusable
        source = offers["management_system"][0]
        reused = services.document_reuse(application=second, by=applicant, document=source.pk)
        assert reused.reused_from_id == source.pk and reused.file.name == source.file.name
        assert reused.requirement.rule_set_id == reused.requirement.rule_set_id
        after = {s.requirement.code: s for s in selectors.checklist(application=second)}
        assert after["management_system"].state == "provided" and after["management_system"].reusable == []
        with pytest.raises(ValidationError, match="不可复用"):
            stale = draft.documents.get(requirement__code="personnel")
            services.document_reuse(application=second, by=applicant, document=stale.pk)


def test_other_agencies_documents_and_sent_back_ones_are_never_offered(sent_back, applicant, applicant2):
    other = ApplicationFactory(agency=applicant2.agency, created_by=applicant2, documents=False)
    assert all(s.reusable == [] for s in selectors.checklist(application=other))
    with pytest.raises(ValidationError):
        services.document_reuse(application=other, by=applicant2, document=sent_back.documents.first().pk)
    mine = ApplicationFactory(agency=applicant.agency, created_by=applicant, documents=False)
    offers = {s.requirement.code: s.reusable for s in selectors.checklist(application=mine)}
    assert offers["management_system"] == []  # sent back by the supplement notice
    assert len(offers["typical_reports"]) == 1


def test_checklist_runs_a_fixed_number_of_queries(draft, applicant, django_assert_num_queries):
    flow.application_submit(application=draft, by=applicant)
    second = ApplicationFactory(agency=applicant.agency, created_by=applicant, documents=False)
    for code in ("premises", "equipment"):
        services.document_upload(application=second, by=applicant, requirement=code, file=upload(pdf_bytes(5), f"{code}.pdf"))
    second = type(second).objects.select_related("rule_set").get(pk=second.pk)
    with django_assert_num_queries(5):  # rule set in force, requirements, documents, open points, reusable
        statuses = selectors.checklist(application=second)
        [(s.state, [d.reused_from for d in s.documents], [d.application.reference for d in s.reusable]) for s in statuses]
    assert Document.objects.count() == 10


def test_counts_measure_the_reduction_between_rule_sets(sent_back, applicant):
    from approvals.models import RuleSet

    before = selectors.catalogue_counts(rule_set=RuleSet.objects.get(code="national-2015"),
                                        application_type="initial", track="ordinary")
    after = selectors.catalogue_counts(rule_set=RuleSet.objects.get(code="national-2021"),
                                       application_type="initial", track="ordinary")
    assert (before.required, before.requested, before.shared) == (8, 8, 0)
    assert (after.required, after.requested, after.shared) == (8, 7, 1)
    services.document_upload(application=sent_back, by=applicant, requirement="personnel",
                             file=upload(pdf_bytes(2), "劳动合同.pdf"))
    counts = selectors.application_counts(application=sent_back)
    assert (counts.requested, counts.uploaded, counts.reused, counts.supplement_rounds) == (7, 9, 0, 1)


def test_a_draft_submitted_under_older_rules_is_judged_by_their_catalogue(applicant):
    # Documents are matched by code: those uploaded under the 2021 catalogue still count under
    # the 2015 one, which also asks for the business licence (2021 obtains it by data sharing).
    draft = ApplicationFactory(agency=applicant.agency, created_by=applicant, documents=False)
    for code in ("application_form", "personnel", "management_system", "audit_review", "equipment", "premises",
                 "typical_reports"):
        services.document_upload(application=draft, by=applicant, requirement=code, file=upload(pdf_bytes(), f"{code}.pdf"))
    with time_machine.travel("2020-03-02 10:00 +08:00", tick=False):
        with pytest.raises(ValidationError) as caught:
            flow.application_submit(application=draft, by=applicant)
    message = caught.value.message_dict["documents"][0]
    assert "法人资格证明" in message and "申请书" not in message
