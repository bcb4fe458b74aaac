"""The OpenAPI document covers every endpoint, and schemathesis, run against the running
gateway, finds no server error and no answer that breaks the document."""
import hypothesis
import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from services.gateway.routes import ROUTES
from tests.gateway.conftest import PASSWORD

EXAMPLES_PER_OPERATION = 5


def test_the_document_lists_exactly_the_route_table(suite):
    document = suite.as_user(None).get("/openapi.json")
    listed = {(method.upper(), path) for path, operations in document["paths"].items() for method in operations}
    assert listed == {(route.method, route.template) for route in ROUTES}
    for route in ROUTES:
        operation = document["paths"][route.template][route.method.lower()]
        assert operation["x-roles"] == sorted(route.roles) and operation["summary"]
        assert operation.get("x-scope") == route.scope


@pytest.mark.parametrize("mode", [schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE])
def test_schemathesis_finds_no_server_error_and_no_schema_break(people, mode):
    """Each operation is called as one of the roles it allows (so the input reaches the
    handler), with a bounded, reproducible set of examples."""
    base_url = people["admin"].base_url
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    checked, unsatisfiable = 0, []
    for result in schema.get_all_operations():
        operation = result.ok()
        roles = operation.definition.raw.get("x-roles", [])
        role = next((r for r in roles if r != "admin"), "admin")  # the suite's admin has no password
        token = people[role].token if roles else None

        @hypothesis.settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True, database=None,
                             suppress_health_check=list(hypothesis.HealthCheck), phases=[hypothesis.Phase.generate])
        @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
        def call(case):
            headers = {}
            if token is not None:
                own = fresh_token(people, role) if operation.path == "/auth/sign-out" else token
                headers["Authorization"] = f"Bearer {own}"
            case.call_and_validate(base_url=base_url, headers=headers,
                                   checks=[not_a_server_error, response_schema_conformance])

        try:
            call()
        except hypothesis.errors.Unsatisfiable:  # nothing to get wrong: no parameter, no body
            assert mode is schemathesis.GenerationMode.NEGATIVE and not operation.body and not operation.path_parameters
            unsatisfiable.append(operation.path)
            continue
        checked += 1
    assert checked + len(unsatisfiable) == len(ROUTES) - 1  # the document itself is left out
    assert len(unsatisfiable) < 10, unsatisfiable


def fresh_token(people, role: str) -> str:
    username = people[role].get("/auth/me")["username"]
    return people[role].post("/auth/sign-in", {"username": username, "password": PASSWORD}, expect=200)["token"]
