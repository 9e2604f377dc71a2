"""The applications list API writes its rows field by field (approvals.api.serializers.application_rows_data):
they must be exactly what ApplicationSerializer gives, for every kind of value a row can hold."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from rest_framework.test import APIClient

from approvals.api.serializers import ApplicationSerializer, application_rows_data
from approvals.api.views import _OWN_FIRST_PAGE, ApplicationViewSet
from approvals.models import Application, Deficiency
from prepared import readable
from tests.documents.helpers import certify
from tests.factories import ApplicationFactory

pytestmark = pytest.mark.django_db


def listed(user):
    viewset = ApplicationViewSet()
    viewset.request = type("Request", (), {"user": user})()
    return list(viewset.get_queryset())


def test_rows_are_what_the_serializer_gives(draft, applicant, acceptor, reviewer, approver, issuer,
                                            django_capture_on_commit_callbacks):
    certify(draft, applicant, acceptor, reviewer, approver, issuer, django_capture_on_commit_callbacks)
    other = ApplicationFactory(agency=applicant.agency, created_by=applicant)
    Deficiency.objects.create(application=other, kind="supplement", round=1, description="缺少<材料>", clause="4.1",
                              document_code="legal", raised_by=acceptor, response="已补", resolved_at=timezone.now())
    Application.objects.filter(pk=other.pk).update(
        changes=[{"kind": "address", "value": "新地址"}, {"kind": "name", "value": None}],
        commitment_signed_by=applicant, commitment_signed_at=timezone.now(), review_experts="甲、乙")
    other.scope_items.filter(seq=1).update(approved=False, refusal_reason="不具备条件")
    other.scope_items.filter(seq=2).update(approved=True)
    applications = listed(applicant)
    assert len(applications) == 2 and any(getattr(a, "certificate", None) for a in applications)
    for zone in ("Asia/Shanghai", "UTC", "America/St_Johns"):  # the moments in the current zone, UTC as "Z"
        with timezone.override(zone):
            expected = json.dumps(ApplicationSerializer(applications, many=True).data, ensure_ascii=False)
            assert json.dumps(application_rows_data(applications), ensure_ascii=False) == expected
            assert ("Z\"" in expected) == (zone == "UTC") and ("-03:30\"" in expected) == (zone == "America/St_Johns")
    assert "缺少<材料>" in expected and "新地址" in expected and "不具备条件" in expected


def test_the_list_endpoint_writes_the_rows_in_both_languages(draft, applicant):
    client = APIClient()
    client.force_authenticate(applicant)
    for language, label in (("zh-hans", "草稿"), ("en", "Draft")):
        body = client.get("/api/v1/applications/", headers={"Accept-Language": language}).json()
        expected = ApplicationSerializer(listed(applicant), many=True).data
        assert body["count"] == 1 and body["results"] == json.loads(json.dumps(expected))
        assert body["results"][0]["status_display"] == label


def test_every_page_of_the_endpoint_is_what_the_serializer_gives(applicant, applicant2, acceptor):
    """The endpoint reads a page's scope items and deficiencies apart from the applications (compiled):
    each page holds its own applications' rows, in the prefetches' order, and no other agency's."""
    client = APIClient()
    client.force_authenticate(applicant)
    mine = [ApplicationFactory(agency=applicant.agency, created_by=applicant) for _ in range(23)]
    theirs = ApplicationFactory(agency=applicant2.agency, created_by=applicant2)
    for n, application in enumerate(mine[::4]):
        for round_ in (2, 1):
            Deficiency.objects.create(application=application, kind="supplement", round=round_,
                                      description=f"缺少材料{n}-{round_}", raised_by=acceptor)
        application.scope_items.filter(seq=1).update(seq=99)
    Deficiency.objects.create(application=theirs, kind="supplement", round=1, description="别家的", raised_by=acceptor)
    applications = listed(applicant)
    assert len(applications) == 23
    bodies = [client.get("/api/v1/applications/", {"page": page}).json() for page in (1, 2)]
    assert [len(body["results"]) for body in bodies] == [20, 3]
    for body, rows in zip(bodies, (applications[:20], applications[20:]), strict=True):
        assert body["results"] == json.loads(json.dumps(ApplicationSerializer(rows, many=True).data))
    text = json.dumps(bodies, ensure_ascii=False)
    assert "缺少材料0-1" in text and "别家的" not in text
    assert all(row["scope"] for body in bodies for row in body["results"])


@pytest.mark.parametrize("count", [0, 3, 20, 23])
def test_the_first_page_read_compiled_is_the_paginators(count, applicant, applicant2, acceptor, monitor):
    """A request naming no page reads its rows with a compiled query, any other with the paginator's
    slice of the queryset: both answer the same, for an agency and for officials, whatever the count."""
    mine = [ApplicationFactory(agency=applicant.agency, created_by=applicant) for _ in range(count)]
    theirs = ApplicationFactory(agency=applicant2.agency, created_by=applicant2)
    Application.objects.filter(pk__in=[a.pk for a in mine[::2]] + [theirs.pk]).update(submitted_at=timezone.now())
    if count == 20:  # two of the agency's drafts with a deficiency (the officials' page shows neither)
        for application in (mine[5], mine[-1]):
            Deficiency.objects.create(application=application, kind="supplement", round=1, description="缺少材料",
                                      raised_by=acceptor)
    for user in (applicant, acceptor, monitor, applicant2):
        client = APIClient()
        client.force_authenticate(user)
        paginated = client.get("/api/v1/applications/", {"page": 1})
        with CaptureQueriesContext(connection) as captured:
            compiled = client.get("/api/v1/applications/")
        assert compiled.status_code == paginated.status_code == 200
        body = compiled.json()
        assert body == paginated.json()
        expected = listed(user)
        # the page, the count, and a page's scope items, and its deficiencies if a row has any (the permissions
        # are cached by now)
        noted = any(row["deficiencies"] for row in body["results"])
        assert noted == (count == 20 and user == applicant)
        assert len([q for q in captured.captured_queries if readable(q["sql"]).startswith("SELECT")]) == (
            (3 + noted) if expected else 2)
        assert body["count"] == len(expected) and [row["id"] for row in body["results"]] == [a.id for a in expected[:20]]
        assert (body["next"] is not None) == (len(expected) > 20) and body["previous"] is None
    assert APIClient().get("/api/v1/applications/").status_code == 401


def test_the_first_page_reads_only_what_its_rows_show(draft, applicant, acceptor, reviewer, approver, issuer, monitor,
                                                      django_capture_on_commit_callbacks):
    """The compiled first page reads of a row's agency, rule set, certificates and signer only what the row
    shows (as values of the row): its rows are still the serializer's (of the whole objects), for
    the agency and for officials, with a certificate, a subject certificate, a signer, changes and a rule set."""
    certificate = certify(draft, applicant, acceptor, reviewer, approver, issuer, django_capture_on_commit_callbacks)
    other = ApplicationFactory(agency=applicant.agency, created_by=applicant)
    Application.objects.filter(pk=other.pk).update(
        subject_certificate=certificate, rule_set=draft.rule_set, submitted_at=timezone.now(),
        changes=[{"kind": "address", "value": "新地址"}], commitment_signed_by=applicant,
        commitment_signed_at=timezone.now())
    for user in (applicant, acceptor, monitor):
        client = APIClient()
        client.force_authenticate(user)
        for language in ("zh-hans", "en"):
            body = client.get("/api/v1/applications/", headers={"Accept-Language": language}).json()
            with translation.override(language):
                expected = json.loads(json.dumps(ApplicationSerializer(listed(user), many=True).data))
            assert body["results"] == expected
        rows = {row["id"]: row for row in body["results"]}
        assert rows[draft.pk]["certificate_number"] == certificate.number and rows[draft.pk]["rule_set"]
        assert rows[other.pk]["subject_certificate"] == certificate.number
        assert rows[other.pk]["commitment_signed_by"] == applicant.username
    # the compiled read holds the code, the numbers and the username as values of its rows, no object
    rows = _OWN_FIRST_PAGE.all(agency=applicant.agency_id)
    assert {(row.pk, row.rule_set_code, row.certificate_number, row.subject_certificate_number, row.signer_username)
            for row in rows} == {(draft.pk, draft.rule_set.code, certificate.number, None, None),
                                 (other.pk, draft.rule_set.code, None, certificate.number, applicant.username)}
    assert not any(Application.rule_set.is_cached(row) or Application.commitment_signed_by.is_cached(row)
                   or Application.agency.is_cached(row) for row in rows)
    assert {row.agency_name for row in rows} == {applicant.agency.name}
