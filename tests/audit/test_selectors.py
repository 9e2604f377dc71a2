"""An application's record as the page reads it (compiled once per process): the rows the queryset
gives, in chain order, each actor named as the pages name people, in the same query."""

import pytest
from django.forms.models import model_to_dict

from audit import selectors
from audit.models import AuditEntry
from audit.services import audit_record
from tests.factories import UserFactory
from tests.workflows.helpers import to_review

pytestmark = pytest.mark.django_db


def test_the_record_is_the_querysets_rows_with_each_actor_named(draft, applicant, acceptor):
    to_review(draft, applicant, acceptor)
    acceptor.first_name, acceptor.last_name = "受", "理"
    acceptor.save()
    audit_record(action="admin.change", application_id=draft.pk, summary="by the system")
    entries = selectors.application_record(application_id=draft.pk)
    expected = list(AuditEntry.objects.for_application(draft.pk))
    assert len(expected) >= 3 and [model_to_dict(e) for e in entries] == [model_to_dict(e) for e in expected]
    names = {entry.action: entry.actor_display for entry in entries}
    assert names["application.submit"] == "applicant"  # no full name: the username
    assert names["application.accept"] == acceptor.get_full_name() != ""
    assert names["admin.change"] == ""  # the system: no actor, no stored name
    assert selectors.application_record(application_id=draft.pk + 1000) == []


def test_a_person_no_longer_there_keeps_the_name_recorded(draft):
    gone = UserFactory(username="gone")
    audit_record(action="admin.change", application_id=draft.pk, by=gone)
    gone.delete()
    entry = selectors.application_record(application_id=draft.pk)[-1]
    assert entry.actor_id is not None and entry.actor_display == "gone"


def test_the_names_come_with_the_entries_in_one_query(draft, django_assert_num_queries):
    audit_record(action="admin.change", application_id=draft.pk)
    with django_assert_num_queries(1):  # the entries only: there is no one to name
        assert [e.actor_display for e in selectors.application_record(application_id=draft.pk)] == [""]
    people = []
    for count in (3, 10):  # a few people, and more
        while len(people) < count:
            people.append(UserFactory(username=f"official{len(people)}"))
            audit_record(action="admin.change", application_id=draft.pk, by=people[-1])
        people[0].first_name, people[0].last_name = "", "Li"
        people[0].save()
        with django_assert_num_queries(1):
            entries = selectors.application_record(application_id=draft.pk)
        names = [person.get_full_name() or person.get_username() for person in people]
        assert [e.actor_display for e in entries] == ["", *names] and names[0] == "Li"
