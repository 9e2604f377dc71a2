"""The OpenAPI schema says what the API does (schemathesis checks it live in CI: scripts/api-fuzz)."""

import pytest
from django.test import Client
from drf_spectacular.generators import SchemaGenerator


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield path, method.upper(), operation


def test_every_operation_documents_the_errors_it_can_answer(schema):
    for path, method, operation in operations(schema):
        codes = set(operation["responses"])
        assert {"400", "404", "429"} <= codes, (method, path)
        if operation.get("security") != [{}] and path not in ("/api/v1/auth/token/",):
            public = "/public/" in path or path == "/api/v1/document-requirements/"
            if not public:
                assert {"401", "403"} <= codes, (method, path)
        if method in {"POST", "PATCH", "PUT", "DELETE"}:
            assert "409" in codes, (method, path)


def test_the_token_endpoint_documents_its_body_and_answers(schema):
    operation = schema["paths"]["/api/v1/auth/token/"]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert set(schema["components"]["schemas"][body]["required"]) == {"username", "password"}
    assert {"200", "401", "429"} <= set(operation["responses"])


def test_the_task_list_is_documented_as_the_page_object_it_returns(schema):
    ref = schema["paths"]["/api/v1/tasks/"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    page = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert page["type"] == "object" and set(page["properties"]) == {"next", "previous", "results"}
    assert page["properties"]["next"]["nullable"] is True and page["properties"]["results"]["type"] == "array"


def test_blank_and_null_values_the_api_returns_are_in_the_schema(schema):
    application = schema["components"]["schemas"]["Application"]["properties"]
    choices = [option.get("$ref", "").rsplit("/", 1)[-1] for option in application["review_mode"]["oneOf"]]
    assert "BlankEnum" in choices
    for name in ("submitted_at", "decided_at", "rule_set", "certificate_number"):
        assert application[name].get("nullable") is True, name
    assert schema["components"]["schemas"]["Me"]["properties"]["agency"].get("nullable") is True


@pytest.mark.django_db
def test_an_unknown_api_url_is_a_json_404_and_a_page_url_the_product_page():
    api = Client().get("/api/v1/no-such-thing/")
    assert api.status_code == 404 and api["Content-Type"] == "application/json"
    assert api.json() == {"detail": "未找到。"}
    page = Client().get("/no-such-page/")
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")
