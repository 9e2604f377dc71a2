"""The application page's reads compiled once per process (the ``compiled`` package) give
what the querysets they were compiled from give: the same rows, values and related objects, no more
queries, and the same applications to the same users."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from approvals import selectors
from approvals.models import Application, Deficiency, User
from documents import answers
from documents import selectors as document_selectors
from documents.models import AnswerFile, RenderedDocument
from tests.documents.helpers import certify
from tests.factories import ApplicationFactory
from workflows import selectors as workflow_selectors
from workflows.views.common import application_context

pytestmark = pytest.mark.django_db


def values(rows, *related):
    """Each row's fields, its application's id and the fields of the related objects read with it."""
    return [
        (type(row), model_to_dict(row), row.application_id,
         [model_to_dict(getattr(row, name)) if getattr(row, name) is not None else None for name in related])
        for row in rows
    ]


@pytest.fixture
def certified(draft, applicant, acceptor, reviewer, approver, issuer, django_capture_on_commit_callbacks):
    certify(draft, applicant, acceptor, reviewer, approver, issuer, django_capture_on_commit_callbacks)
    Deficiency.objects.create(application=draft, kind="supplement", round=1, description="缺少<材料>", clause="4.1",
                              document_code="legal", raised_by=acceptor, response="已补", resolved_at=timezone.now())
    Deficiency.objects.create(application=draft, kind="rectification", round=1, description="整改", raised_by=reviewer)
    draft.scope_items.filter(seq=1).update(approved=False, refusal_reason="不具备条件")
    for n, removed in ((1, None), (2, timezone.now()), (3, None)):
        AnswerFile.objects.create(application=draft, kind="rectification", round=1, role="evidence",
                                  file=f"answers/{n}.pdf", original_name=f"{n}.pdf", content_type="application/pdf",
                                  size=1, sha256="0" * 64, uploaded_by=applicant, uploaded_at=timezone.now(),
                                  removed_at=removed)
    return Application.objects.get(pk=draft.pk)


def test_each_list_is_what_its_queryset_gives(certified, django_assert_num_queries):
    application = certified
    context = application_context(application)
    expected_steps = list(application.steps.select_related("claimed_by", "finished_by").order_by("entered_at", "id"))
    assert len(expected_steps) == 4 and any(step.claimed_by for step in expected_steps)
    assert values(context["steps"], "claimed_by", "finished_by") == values(expected_steps, "claimed_by", "finished_by")
    assert values(context["steps"]) == values(workflow_selectors.timeline(application=application))
    history = list(application.status_changes.select_related("by").order_by("at", "pk"))
    assert len(history) >= 5
    assert values(context["history"], "by") == values(history, "by")
    scope = list(application.scope_items.all())
    assert len(scope) >= 2 and values(context["scope"]) == values(scope)
    deficiencies = list(application.deficiencies.select_related("raised_by").order_by("created", "pk"))
    read = sorted((item for notice in context["notices"] for item in notice.items), key=lambda d: (d.created, d.pk))
    assert len(deficiencies) == 2 and values(read, "raised_by") == values(deficiencies, "raised_by")
    files = answers.answer_files_for(application=application)
    assert [f.original_name for f in files] == ["1.pdf", "3.pdf"]
    assert values(files) == values(AnswerFile.objects.filter(application=application, removed_at__isnull=True)
                                   .order_by("kind", "round", "uploaded_at", "id"))
    issued = document_selectors.rendered_for_card(application=application)
    expected_issued = list(application.rendered_documents.select_related("certificate", "version")
                           .only(*document_selectors.CARD_FIELDS).order_by("created", "id"))
    assert issued and [(d.pk, d.filename, d.state, d.get_deferred_fields()) for d in issued] == \
        [(d.pk, d.filename, d.state, d.get_deferred_fields()) for d in expected_issued]
    # What was read with the rows is not read again; each row's application is the page's.
    with django_assert_num_queries(0):
        for step in context["steps"]:
            assert step.application is application
            str(step.claimed_by), str(step.finished_by)
        for change in context["history"]:
            assert change.application is application
            str(change.by)
        for notice in context["notices"]:
            for item in notice.items:
                assert item.application is application
                str(item.raised_by)
        for item in context["scope"]:
            assert item.application is application
        for doc in issued:
            assert doc.application is application
            assert doc.filename


def test_the_notices_hold_the_same_items_in_the_same_order(certified):
    notices = selectors.deficiency_notices(application=certified)
    expected: dict = {}
    for item in certified.deficiencies.select_related("raised_by").order_by("created", "pk"):
        expected.setdefault((item.kind, item.round), []).append(item.pk)
    assert [(n.kind, n.round, [item.pk for item in n.items]) for n in notices] == \
        sorted(((kind, round_, pks) for (kind, round_), pks in expected.items()),
               key=lambda entry: Deficiency.objects.get(pk=entry[2][0]).created, reverse=True)


def test_the_page_read_sees_what_the_user_may_see(draft, applicant, applicant2, acceptor, monitor, certified):
    other_draft = ApplicationFactory(agency=applicant2.agency, created_by=applicant2)
    nobody = User.objects.create(username="nobody")
    superuser = User.objects.create(username="root", is_superuser=True)
    users = [applicant, applicant2, acceptor, monitor, nobody, superuser, AnonymousUser()]
    for user in users:
        for application in (certified, other_draft):
            expected = selectors.application_with_details(user=user).filter(pk=application.pk).first()
            found = selectors.application_for_page(user=user, pk=application.pk)
            assert (found is None) == (expected is None), (user, application)
            if found is not None:
                assert model_to_dict(found) == model_to_dict(expected)
                for name in selectors.DETAILS:
                    assert getattr(found, f"{name}_id") == getattr(expected, f"{name}_id")
    assert selectors.application_for_page(user=applicant, pk=certified.pk) is not None
    assert selectors.application_for_page(user=applicant2, pk=certified.pk) is None
    assert selectors.application_for_page(user=acceptor, pk=other_draft.pk) is None  # a draft is the agency's own
    assert selectors.application_for_page(user=applicant2, pk=other_draft.pk) is not None
    assert selectors.application_for_page(user=nobody, pk=certified.pk) is None
    assert selectors.application_for_page(user=acceptor, pk=certified.pk + 1000) is None


def test_a_removed_or_reissued_pdf_shows_at_once(certified):
    before = document_selectors.rendered_for_card(application=certified)
    RenderedDocument.objects.filter(pk=before[0].pk).delete()
    assert [d.pk for d in document_selectors.rendered_for_card(application=certified)] == [d.pk for d in before[1:]]


def test_the_checklist_reads_the_catalogue_and_marks_its_queries_give(draft, applicant, acceptor):
    from documents.models import Document, DocumentRequirement
    from tests.documents.factories import supply_documents

    documents = supply_documents(draft, skip=("legal",))
    Document.objects.filter(pk=documents[0].pk).update(rejected_at=timezone.now())
    Document.objects.filter(pk=documents[1].pk).update(removed_at=timezone.now())
    seen = set()
    for application_type, track in (("initial", "ordinary"), ("initial", "commitment"), ("renewal", "ordinary")):
        Application.objects.filter(pk=draft.pk).update(application_type=application_type, track=track)
        application = Application.objects.get(pk=draft.pk)
        states = document_selectors.checklist_states(application=application)
        seen |= {s.state for s in states} | {"sent back" for s in states for d in s.documents if d.rejected_at}
        expected = list(DocumentRequirement.objects.for_catalogue(
            rule_set=document_selectors.rule_set_for(application), application_type=application_type, track=track,
        ).order_by("order", "code"))
        # what the states and their readers read of a requirement, and nothing more
        shown = document_selectors.STATE_FIELDS
        assert [[getattr(s.requirement, name) for name in ("pk", *shown)] for s in states] == [
            [getattr(r, name) for name in ("pk", *shown)] for r in expected]
        assert all(s.requirement.get_deferred_fields() >= {"description", "accepted_formats"} for s in states)
        assert [(s.state, s.state_label, s.is_satisfied, s.requirement.display_name) for s in states] == [
            (s.state, s.state_label, s.is_satisfied, s.requirement.display_name)
            for s in document_selectors.checklist(application=application, with_reusable=False)]
        marks = {}
        for code, rejected_at, reused_from_id in (
                Document.objects.current().filter(application=application).order_by("uploaded_at", "id")
                .values_list("requirement__code", "rejected_at", "reused_from_id")):
            marks.setdefault(code, []).append((rejected_at, reused_from_id))
        assert {s.requirement.code: [(d.rejected_at, d.reused_from_id) for d in s.documents] for s in states
                if s.documents} == {code: found for code, found in marks.items() if code in {r.code for r in expected}}
    assert {"sent back", "missing", "provided"} <= seen


def test_the_first_list_page_is_keyset_pages_first_page(applicant, applicant2):
    from approvals.pagination import keyset_page
    from workflows.progress import progress_for_list

    mine = [ApplicationFactory(agency=applicant.agency, created_by=applicant) for _ in range(23)]
    theirs = ApplicationFactory(agency=applicant2.agency, created_by=applicant2)
    Application.objects.filter(pk=mine[3].pk).update(created=mine[4].created)  # a tie broken by the id
    for user, count in ((applicant, 21), (applicant2, 1)):
        rows = selectors.agency_first_page(user=user)
        expected = keyset_page(selectors.agency_applications(user=user), key="-created")
        assert [a.pk for a in rows[:20]] == [a.pk for a in expected.items] and len(rows) == count
        # the list's fields, as the queryset reads them; the others are left unread
        shown = [Application._meta.get_field(name).attname for name in selectors.LIST_FIELDS]
        assert [[getattr(a, name) for name in shown] for a in rows[:20]] == [
            [getattr(a, name) for name in shown] for a in expected.items]
        assert all(a.get_deferred_fields() >= {"test_sites", "commitment_text", "updated", "decided_at"} for a in rows)
    assert theirs.pk not in {a.pk for a in selectors.agency_first_page(user=applicant)}
    assert selectors.agency_first_page(user=AnonymousUser()) == []
    # The list's progress from the compiled read of up to a page of ids is the queryset's, for any count.
    for count in (1, 7, 20, 23):
        applications = list(Application.objects.filter(pk__in=[a.pk for a in mine[:count]]))
        assert progress_for_list(applications) == expected_progress(applications)


def expected_progress(applications):
    from workflows.models import Step
    from workflows.progress import progress_of

    return {a.pk: progress_of(a, rows=Step.objects.active().filter(application=a).select_related("claimed_by")
                              .order_by("entered_at", "id")) for a in applications}


def test_the_list_progress_of_running_applications(certified, acceptor, applicant, reviewer):
    from tests.workflows.helpers import to_decision
    from workflows.progress import progress_for_list

    running = [ApplicationFactory(agency=applicant.agency, created_by=applicant) for _ in range(2)]
    for application in running:
        to_decision(application, applicant, acceptor, reviewer)
    applications = list(Application.objects.filter(pk__in=[certified.pk] + [a.pk for a in running]))
    bars = progress_for_list(applications)
    assert bars == expected_progress(applications)
    assert any(step.due_date for bar in bars.values() for step in bar.steps)


def test_the_list_pages_link_through_the_whole_list(client, applicant):
    import re

    mine = {ApplicationFactory(agency=applicant.agency, created_by=applicant).pk for _ in range(45)}
    client.force_login(applicant)
    seen, path, pages = [], "/applications/", 0
    while path:
        html = client.get(path).content.decode()
        seen += [int(pk) for pk in re.findall(r'<tr data-application="(\d+)">', html)]
        pages += 1
        found = re.search(r'href="(\?after=[^"]+)"', html)
        path = "/applications/" + found.group(1).replace("&amp;", "&") if found else ""
    assert pages == 3 and len(seen) == 45 and set(seen) == mine
    assert seen == sorted(seen, key=lambda pk: (Application.objects.get(pk=pk).created, pk), reverse=True)
    assert "?before=" not in client.get("/applications/?after=not-a-cursor").content.decode()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_number_code_labels_are_the_tables_names(language):
    from django.utils import translation

    from approvals.models import NumberCode

    NumberCode.objects.update_or_create(kind="field", code="07", defaults={"name": "建材", "name_en": ""})
    NumberCode.objects.update_or_create(kind="industry", code="07", defaults={"name": "住建", "name_en": "Housing"})
    NumberCode.objects.update_or_create(kind="industry", code="08", defaults={"name": "交通", "name_en": "Transport"})
    with translation.override(language):
        english = language == "en"
        for field_code, industry_code in (("07", "07"), ("07", "08"), ("08", "07"), ("Z<", ""), ("07", "99")):
            rows = NumberCode.objects.filter(kind="field", code=field_code) | NumberCode.objects.filter(
                kind="industry", code=industry_code)
            expected = {row.kind: row.label(english=english) for row in rows}
            assert selectors.number_code_labels(field_code=field_code, industry_code=industry_code) == {
                "field": expected.get("field", field_code), "industry": expected.get("industry", industry_code)}
        assert selectors.number_code_labels(field_code="07", industry_code="08") == {
            "field": "建材（07）", "industry": "Transport（08）" if english else "交通（08）"}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_page_read_brings_its_code_names(language, draft, applicant, acceptor):
    """The application page's read names its codes as ``number_code_labels`` reads them (the bare code
    where the table lacks it), and its summary card is what the card's template wrote."""
    from django.utils import translation

    from approvals.models import NumberCode
    from tests.approvals.test_summary_card import both

    NumberCode.objects.update_or_create(kind="field", code="07", defaults={"name": "建材", "name_en": ""})
    NumberCode.objects.update_or_create(kind="industry", code="07", defaults={"name": "住<建>", "name_en": "Housing"})
    NumberCode.objects.update_or_create(kind="industry", code="08", defaults={"name": "交通", "name_en": "Transport"})
    Application.objects.filter(pk=draft.pk).update(submitted_at=timezone.now())
    with translation.override(language):
        for field_code, industry_code in (("07", "07"), ("07", "08"), ("08", "07"), ("Z<", ""), ("07", "99")):
            Application.objects.filter(pk=draft.pk).update(field_code=field_code, industry_code=industry_code)
            for user in (applicant, acceptor):
                application = selectors.application_for_page(user=user, pk=draft.pk)
                assert selectors.code_labels_of(application) == selectors.number_code_labels(
                    field_code=field_code, industry_code=industry_code)
                old, new = both(application)
                assert old == new
        assert selectors.code_labels_of(application)["field"] == "建材（07）"


def test_the_officials_application_page_reads_no_code_names_apart(certified, acceptor, client):
    """A certified application's page for an official: session, user, the application with its code names,
    its certificate, steps, notices (with the catalogue naming their documents), scope, history, audit
    record with its actors' names, the documents' catalogue and marks, the issued PDFs and the answer
    files. Neither the code names nor the actors' names are read apart (16 statements before)."""
    from prepared import readable

    client.force_login(acceptor)
    client.get(f"/applications/{certified.pk}/")  # the permission set is cached from here on
    with CaptureQueriesContext(connection) as captured:
        page = client.get(f"/applications/{certified.pk}/").content.decode()
    reads = [readable(query["sql"]) for query in captured.captured_queries]
    assert len(reads) == 14 and not any(sql.startswith(('SELECT "approvals_numbercode"', 'SELECT "approvals_user"'))
                                        for sql in reads[2:])
    assert certified.reference in page and "（" in page


def test_the_page_read_knows_which_lists_the_application_lacks(certified, applicant, acceptor,
                                                              django_assert_num_queries):
    """The page's read says whether the application has scope items, status changes and deficiencies; a list
    it lacks is not read (an empty list, as the read gives), any other is read as before."""
    empty = ApplicationFactory(agency=applicant.agency, created_by=applicant, scope=0)  # a fresh draft
    for application, user in ((certified, acceptor), (certified, applicant), (empty, applicant)):
        read = selectors.application_for_page(user=user, pk=application.pk)
        has = {"has_scope": application.scope_items.exists(), "has_history": application.status_changes.exists(),
               "has_deficiencies": application.deficiencies.exists()}
        assert {name: getattr(read, name) for name in has} == has
        assert all(has.values()) == (application is certified) and not any(has.values()) == (application is empty)
        plain = Application.objects.get(pk=application.pk)  # read without them: every list is read
        assert values(selectors.scope_items(application=read)) == values(selectors.scope_items(application=plain))
        assert values(selectors.status_history(application=read), "by") == values(
            selectors.status_history(application=plain), "by")
        assert [[values(notice.items, "raised_by")] for notice in selectors.deficiency_notices(application=read)] == [
            [values(notice.items, "raised_by")] for notice in selectors.deficiency_notices(application=plain)]
    read = selectors.application_for_page(user=applicant, pk=empty.pk)
    with django_assert_num_queries(0):
        assert selectors.scope_items(application=read) == selectors.status_history(application=read) == []
        assert selectors.deficiency_notices(application=read) == []
