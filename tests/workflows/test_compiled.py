"""A read compiled once (workflows.compiled) gives what its queryset gives, and compiles only once."""

import pytest
from django.db import connection
from django.db.models import Count, OuterRef, Subquery
from django.test.utils import CaptureQueriesContext

from approvals.models import Application, ScopeItem
from tests.factories import ApplicationFactory
from workflows.compiled import CompiledRead

pytestmark = pytest.mark.django_db


def _read(*, pk, agency):
    return (Application.objects.select_related("agency", "created_by", "rule_set")
            .annotate(items=Count("scope_items"),
                      first_item=Subquery(ScopeItem.objects.filter(application=OuterRef("pk")).order_by("seq")
                                          .values("item")[:1]))
            .filter(pk=pk, agency_id=agency))


def test_it_gives_the_objects_the_queryset_gives(applicant):
    application = ApplicationFactory(agency=applicant.agency, created_by=applicant)
    read = CompiledRead(_read, "pk", "agency")
    expected = _read(pk=application.pk, agency=applicant.agency_id).get()

    with CaptureQueriesContext(connection) as captured:
        got = read.get(pk=application.pk, agency=applicant.agency_id)
    assert len(captured) == 1
    assert got == expected and type(got) is Application
    concrete = [f.attname for f in Application._meta.concrete_fields]
    assert [getattr(got, name) for name in concrete] == [getattr(expected, name) for name in concrete]
    assert (got.items, got.first_item) == (expected.items, expected.first_item) and got.items > 0
    with CaptureQueriesContext(connection) as captured:  # related objects came with the row
        assert got.agency.credit_code == applicant.agency.credit_code
        assert got.created_by.username == applicant.username
    assert len(captured) == 0
    assert got.changed_fields() == ["changes", "updated"]  # read whole: ready to save what changes


def test_it_compiles_once_and_answers_none_for_no_row(applicant, monkeypatch):
    application = ApplicationFactory(agency=applicant.agency, created_by=applicant)
    built = []
    read = CompiledRead(lambda **values: built.append(values) or _read(**values), "pk", "agency")
    assert read.get(pk=application.pk, agency=applicant.agency_id).pk == application.pk
    assert read.get(pk=application.pk, agency=applicant.agency_id + 1) is None  # the other value is used
    assert read.get(pk=application.pk + 1000, agency=applicant.agency_id) is None
    assert len(built) == 1


def test_a_parameter_that_does_not_reach_the_sql_is_refused(applicant):
    read = CompiledRead(lambda *, pk, agency: Application.objects.filter(pk=pk), "pk", "agency")
    with pytest.raises(ValueError, match="every parameter"):
        read.get(pk=1, agency=2)
