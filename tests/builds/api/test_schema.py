"""The OpenAPI schema at /api/v1/schema/: served without credentials, valid OpenAPI 3, every operation named,
described and secured by the bearer token or the session."""

import re

import pytest
from drf_spectacular.validation import validate_schema

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(client) -> dict:
    response = client.get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def test_the_served_schema_is_valid_openapi_3(schema):
    validate_schema(schema)

    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "ImageHub API"


def test_every_operation_has_a_unique_id_a_summary_a_description_and_the_token_scheme(schema):
    operations = [operation for item in schema["paths"].values() for operation in item.values()]
    ids = [operation["operationId"] for operation in operations]

    assert len(ids) == len(set(ids)) == 20
    assert {"startBuild", "cancelBuild", "getBuildLogLines", "createTemplateVersion", "assignChannel", "getChannelImage"} <= set(ids)
    for operation in operations:
        assert operation["summary"] and operation["description"], operation["operationId"]
        assert {"bearerToken": []} in operation["security"], operation["operationId"]
        assert {"401", "403"} <= set(operation["responses"]), operation["operationId"]
    bearer = schema["components"]["securitySchemes"]["bearerToken"]
    assert bearer["type"] == "http" and bearer["scheme"] == "bearer"


def test_the_schema_is_yaml_by_default_for_tools_that_ask_for_it(client):
    response = client.get("/api/v1/schema/")

    assert response.status_code == 200
    assert response.content.startswith(b"openapi: 3.")


def test_the_schema_generates_without_warnings_or_errors():
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator

    GENERATOR_STATS.reset()
    SchemaGenerator(urlconf="builds.api.root_urls").get_schema(request=None, public=True)

    assert dict(GENERATOR_STATS._warn_cache) == {} and dict(GENERATOR_STATS._error_cache) == {}


def test_free_text_parameters_say_they_hold_no_nul(schema):
    free = [(route, parameter) for route, path in schema["paths"].items() for operation in path.values()
            for parameter in operation.get("parameters", [])
            if parameter["schema"].get("type") == "string" and not {"enum", "format"} & parameter["schema"].keys()]
    assert free
    for route, parameter in free:
        pattern = re.compile(parameter["schema"]["pattern"])
        assert pattern.search("ami-0abc") and not pattern.search("ami\x000abc"), (route, parameter["name"])
