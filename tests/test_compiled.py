"""A read compiled once (compiled) gives what its queryset gives, and compiles only once."""

import pytest
from django.db import connection
from django.db.models import Count, OuterRef, Subquery
from django.test.utils import CaptureQueriesContext

from approvals.models import Application, ScopeItem
from compiled import CompiledRead
from tests.factories import ApplicationFactory

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


def _rows(*, agency, since, statuses):
    """Fields, a join and expressions given before fields (the SQL selects them last)."""
    first_item = Subquery(ScopeItem.objects.filter(application=OuterRef("pk")).order_by("seq").values("item")[:1])
    return (Application.objects.filter(agency_id=agency, created__date__gte=since, status__in=statuses)
            .order_by("-created", "-id").values_list(first_item, "id", "status", Count("scope_items"), "created",
                                                     "agency__name"))


def test_value_rows_are_the_querysets_rows_for_each_shape_compiled_once(applicant, applicant2):
    from datetime import date

    from compiled import CompiledRows

    for agency_user in (applicant, applicant, applicant2):
        ApplicationFactory(agency=agency_user.agency, created_by=agency_user)
    rows, built = CompiledRows(), []

    def build(**values):
        built.append(values)
        return _rows(**values)

    for agency in (applicant.agency_id, applicant2.agency_id):
        for since in (date(2020, 1, 1), date(2999, 1, 1)):
            for statuses in (("draft",), ("draft", "submitted"), ("submitted",)):
                expected = list(_rows(agency=agency, since=since, statuses=statuses))
                with CaptureQueriesContext(connection) as captured:
                    got = rows.fetch("by agency", build, agency=agency, since=since, statuses=statuses)
                assert list(got) == expected and len(captured) == 1
    assert list(rows.fetch("by agency", build, agency=applicant.agency_id, since=date(2020, 1, 1),
                           statuses=("draft",)))[0][5] == applicant.agency.name
    # One compile per shape: an IN list of one and of two are two queries; the values are not.
    assert len(built) == 2


def test_a_parameter_the_orm_transforms_is_refused_not_answered_wrongly(applicant):
    from compiled import CompiledRows

    with pytest.raises(ValueError, match="as itself"):
        CompiledRows().fetch("search", lambda *, text: Application.objects.filter(test_sites__contains=text)
                             .values_list("id"), text="检测")
    with pytest.raises(ValueError, match="values_list"):
        CompiledRows().fetch("objects", lambda *, pk: Application.objects.filter(pk=pk), pk=1)
    with pytest.raises(TypeError, match="integers, strings, dates"):
        CompiledRows().fetch("float", lambda *, x: Application.objects.filter(pk=x).values_list("id"), x=1.5)


def test_all_gives_the_querysets_objects_with_the_object_read_through(applicant):
    from approvals.models import StatusChange

    application = ApplicationFactory(agency=applicant.agency, created_by=applicant)
    from django.utils import timezone

    for target in ("submitted", "accepted"):
        StatusChange.objects.create(application=application, transition="t", source="draft", target=target,
                                    by=applicant, at=timezone.now())
    read = CompiledRead(lambda *, application: StatusChange.objects.filter(application_id=application)
                        .select_related("by").order_by("at", "pk"), "application")
    expected = list(application.status_changes.select_related("by").order_by("at", "pk"))
    with CaptureQueriesContext(connection) as captured:
        got = read.all(application=application.pk, known={"application": application})
        assert [c.by.username for c in got] == [applicant.username] * 2
        assert all(c.application is application for c in got)  # no read for the application either
    assert len(captured) == 1
    assert [(c.pk, c.target, c.at) for c in got] == [(c.pk, c.target, c.at) for c in expected]
    assert read.all(application=application.pk + 1000) == []


def test_a_choice_is_read_as_the_string_it_is(applicant):
    from approvals.models import ApplicationType

    application = ApplicationFactory(agency=applicant.agency, created_by=applicant)
    read = CompiledRead(lambda *, kind: Application.objects.filter(application_type=kind).order_by("pk"), "kind")
    assert [a.pk for a in read.all(kind=ApplicationType(application.application_type))] == [application.pk]
    assert [a.pk for a in read.all(kind=str(application.application_type))] == [application.pk]
    assert read.all(kind=ApplicationType.CANCELLATION if application.application_type != "cancellation"
                    else ApplicationType.INITIAL) == []
    assert len(read._compiled) == 1  # a choice and its string are one shape
