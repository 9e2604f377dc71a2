"""Bad input gets 400 or 404, never 500: NUL bytes, overlong integers and malformed ids in every path,
query and form field, for pages and the API, anonymous and signed in.

On PostgreSQL (CI) these are the inputs that used to fail inside the database; on SQLite the same
requests must give the same answers.
"""

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

from tests.factories import UserFactory

HUGE = "1832630588340363549800254933041152"
BIGINT_PLUS_ONE = "9223372036854775808"
BAD_VALUES = ["%00", "a%00b", HUGE, BIGINT_PLUS_ONE, "abc", "-1", "1.5", "%E4%B8%AD", "%F0%9F%98%80", "%ff"]
QUERY_NAMES = [
    "after", "before", "cursor", "page", "page_size", "rule_set", "application_type", "track", "outcome", "authority",
    "from", "to", "status", "scope", "due", "unread", "number", "q", "format", "kind",
]
NOT_SWEPT = ("admin/",)  # Django's admin: staff only, Django's own code


@pytest.fixture
def users(applicant, acceptor):
    superuser = UserFactory(username="root", is_staff=True, is_superuser=True)
    return {"anonymous": None, "applicant": applicant, "acceptor": acceptor, "superuser": superuser}


def client_for(user) -> Client:
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


def routes(resolver=None, prefix: str = ""):
    """Every URL pattern of the project as a template string with ``{name}`` placeholders."""
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry.pattern, RoutePattern):
            piece = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", str(entry.pattern))
        else:
            piece = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", str(entry.pattern)).lstrip("^").rstrip("$")
            piece = piece.replace("\\.", ".").replace("/?", "/")
            if "(" in piece or "[" in piece:
                continue  # an unnamed group (e.g. a format suffix): covered by the named form of the route
        if isinstance(entry, URLResolver):
            if (prefix + piece).startswith(NOT_SWEPT):
                continue
            yield from routes(entry, prefix + piece)
        elif isinstance(entry, URLPattern):
            yield prefix + piece


def fill(route: str, **values: str) -> str:
    return "/" + re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), values.get("*", "1")), route)




# ---- the inputs named in the report ----------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("url", [
    "/verify/%00/",
    "/api/v1/public/certificates/%00/",
    "/api/v1/certificates/%00/",
    "/certificates/%00/pdf/",
    "/metrics/?rule_set=%00",
    "/api/v1/document-requirements/?rule_set=%00",
    "/api/v1/metrics/five-reductions/?authority=%00",
    "/verify/?number=%00",
])
def test_a_nul_byte_in_path_or_query_is_a_400(url):
    response = client_for(None).get(url)
    assert response.status_code == 400
    assert "NUL" in response.content.decode()


@pytest.mark.django_db
def test_an_overlong_task_id_is_a_404(api, acceptor):
    response = api(acceptor).post(f"/api/v1/tasks/{HUGE}/complete/", {"outcome": "accept"}, format="json")
    assert response.status_code == 404
    assert client_for(acceptor).post(f"/tasks/{HUGE}/complete/", {"outcome": "accept"}).status_code == 404
    assert api(acceptor).get(f"/api/v1/applications/{HUGE}/").status_code == 404
    assert api(acceptor).get(f"/api/v1/applications/{BIGINT_PLUS_ONE}/").status_code == 404


@pytest.mark.django_db
def test_the_reuse_page_answers_a_malformed_document_id_with_its_own_message(applicant, draft):
    client = client_for(applicant)
    for value in ("abc", HUGE, "-1", "１２"):
        response = client.post(f"/applications/{draft.pk}/documents/reuse/", {"document": value}, follow=True)
        assert response.status_code == 200, value
        assert "该材料不可复用" in response.content.decode(), value
    assert client.get(f"/applications/{draft.pk}/documents/reuse/").status_code == 405


@pytest.mark.django_db
def test_a_nul_byte_in_a_form_or_json_body_is_a_400(applicant, draft, api):
    client = client_for(applicant)
    url = f"/applications/{draft.pk}/documents/reuse/"
    response = client.post(url, "document=1%00", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    # a multipart form is read by the view (after it sets its upload limits): its own message, no 500
    response = client.post(url, {"document": "1\x00"}, follow=True)
    assert response.status_code == 200
    assert "该材料不可复用" in response.content.decode()
    response = api(applicant).patch(f"/api/v1/applications/{draft.pk}/", {"test_sites": "x\x00y"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"detail": "请求中含有不允许的空字符（NUL）。"}
    draft.refresh_from_db()
    assert "\x00" not in draft.test_sites


@pytest.mark.django_db
def test_a_value_the_database_refuses_is_a_400_after_rolling_back(applicant, draft, api):
    """The safety net: a NUL in a multipart text field (read by the view, not the middleware)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from documents.models import Document

    before = Document.objects.filter(application=draft).count()
    upload = SimpleUploadedFile("a.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    response = api(applicant).post(f"/api/v1/applications/{draft.pk}/documents/",
                                   {"requirement": "licence\x00", "file": upload}, format="multipart")
    assert response.status_code == 400
    assert Document.objects.filter(application=draft).count() == before


# ---- the sweep: every URL pattern, every placeholder, every role -----------------------------------------

@pytest.mark.django_db
def test_every_route_answers_malformed_path_values_without_a_500(users, draft):
    failures = []
    route_list = sorted(set(routes()))
    assert len(route_list) > 40  # the sweep really walks the project's URLs
    clients = {role: client_for(user) for role, user in users.items()}
    for route in route_list:
        names = re.findall(r"\{(\w+)\}", route)
        for name in names:
            for bad in BAD_VALUES:
                url = fill(route, **{name: bad, "*": str(draft.pk)})
                for role, client in clients.items():
                    for method in ("get", "post"):
                        status = getattr(client, method)(url).status_code
                        if status >= 500:
                            failures.append((role, method, url, status))
    assert failures == []


@pytest.mark.django_db
def test_every_route_answers_malformed_query_and_form_values_without_a_500(users, draft):
    failures = []
    clients = {role: client_for(user) for role, user in users.items()}
    bad_sets = [
        {name: "\x00" for name in QUERY_NAMES},
        {name: HUGE for name in QUERY_NAMES},
        {name: "-1x" for name in QUERY_NAMES},
    ]
    for route in sorted(set(routes())):
        url = fill(route, **{"*": str(draft.pk)})
        if "{" in url:
            continue
        for role, client in clients.items():
            for params in bad_sets:
                for response in (client.get(url, params), client.post(url, params)):
                    if response.status_code >= 500:
                        failures.append((role, response.request["REQUEST_METHOD"], url, params[QUERY_NAMES[0]],
                                         response.status_code))
    assert failures == []


@pytest.mark.django_db
def test_every_route_answers_each_overlong_query_value_alone_without_a_500(users, draft):
    """One parameter at a time, so no other parameter's validation error hides it."""
    failures = []
    clients = {role: client_for(users[role]) for role in ("applicant", "superuser")}
    for route in sorted(set(routes())):
        url = fill(route, **{"*": str(draft.pk)})
        for name in QUERY_NAMES:
            for role, client in clients.items():
                status = client.get(url, {name: HUGE}).status_code
                if status >= 500:
                    failures.append((role, url, name, status))
    assert failures == []
