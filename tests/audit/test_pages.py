"""Officials see an application's audit record on its page and can export it; applicants cannot."""

import csv
import io

import pytest

from audit.models import AuditEntry
from tests.factories import ApplicantFactory
from tests.workflows.helpers import to_review

pytestmark = pytest.mark.django_db


@pytest.fixture
def accepted(draft, applicant, acceptor):
    return to_review(draft, applicant, acceptor)


def test_an_official_sees_the_record_with_its_hashes(client, accepted, reviewer):
    client.force_login(reviewer)
    page = client.get(f"/applications/{accepted.pk}/").content.decode()
    assert 'data-section="audit-record"' in page
    for entry in AuditEntry.objects.for_application(accepted.pk):
        assert f'data-audit-seq="{entry.seq}"' in page and entry.hash in page


def test_the_applicant_sees_no_record_and_may_not_export_it(client, accepted, applicant):
    client.force_login(applicant)
    assert 'data-section="audit-record"' not in client.get(f"/applications/{accepted.pk}/").content.decode()
    assert client.get(f"/applications/{accepted.pk}/record.json").status_code == 403


def test_another_agency_learns_nothing(client, accepted):
    client.force_login(ApplicantFactory(username="other"))
    assert client.get(f"/applications/{accepted.pk}/record.csv").status_code == 404


def test_the_json_export_holds_every_event_of_the_application_in_chain_order(client, accepted, monitor):
    client.force_login(monitor)
    response = client.get(f"/applications/{accepted.pk}/record.json")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    body = response.json()
    assert body["application"] == accepted.reference
    assert [e["action"] for e in body["entries"]] == ["application.submit", "application.accept"]
    stored = AuditEntry.objects.for_application(accepted.pk)
    assert [e["hash"] for e in body["entries"]] == [e.hash for e in stored]


def test_the_csv_export_opens_as_rows_with_their_hashes(client, accepted, acceptor):
    client.force_login(acceptor)
    response = client.get(f"/applications/{accepted.pk}/record.csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [row["action"] for row in rows] == ["application.submit", "application.accept"]
    assert rows[1]["actor_name"] == "acceptor" and len(rows[1]["hash"]) == 64
    assert client.get(f"/applications/{accepted.pk}/record.xml").status_code == 404
