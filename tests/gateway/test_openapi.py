"""The OpenAPI document covers every endpoint, and schemathesis, run against the running
gateway as each role with every check, random (not derandomized) input and the stateful
phase along the document's links, finds no failure."""
import hypothesis
import pytest
import schemathesis
from schemathesis.config import SchemathesisConfig

from services.gateway.accounts import ROLES
from services.gateway.routes import ROUTES
from tests.gateway.conftest import PASSWORD

EXAMPLES_PER_OPERATION = 6
STATEFUL_RUNS = 10


def test_the_document_lists_exactly_the_route_table(suite):
    document = suite.as_user(None).get("/openapi.json")
    listed = {(method.upper(), path) for path, operations in document["paths"].items() for method in operations}
    assert listed == {(route.method, route.template) for route in ROUTES}
    for route in ROUTES:
        operation = document["paths"][route.template][route.method.lower()]
        assert operation["x-roles"] == sorted(route.roles) and operation["summary"]
        assert operation.get("x-scope") == route.scope


def schema_for(base_url: str):
    """The served document, checked by every check schemathesis has. A body the document
    allows can still break a rule it cannot state (a consent date in the future, an
    amount above the programme's grant): that 400 counts as accepting valid data."""
    config = SchemathesisConfig.from_dict({"checks": {"positive_data_acceptance": {
        "expected-statuses": ["2xx", "3xx", "400", "401", "403", "404", "409", "429"]}}})
    return schemathesis.openapi.from_url(f"{base_url}/openapi.json", config=config)


def headers_for(people, role: str, operation) -> dict:
    if not operation.definition.raw.get("x-roles"):
        return {}
    token = fresh_token(people, role) if operation.path == "/auth/sign-out" else people[role].token
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("role", ROLES)
def test_schemathesis_as_each_role_finds_nothing(people, role):
    """Every operation the role may call (and the public ones), with valid and invalid input,
    then sequences of calls following the document's links."""
    base_url = people["admin"].base_url
    if role == "admin":  # the suite's admin was created without a password; sign-out needs one to sign in again
        people["admin"].post("/auth/password", {"new_password": PASSWORD}, expect=200)
    schema = schema_for(base_url)
    checked = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        roles = operation.definition.raw.get("x-roles", [])
        if roles and role not in roles:
            continue
        strategy = operation.as_strategy(generation_mode=schemathesis.GenerationMode.POSITIVE) | \
            operation.as_strategy(generation_mode=schemathesis.GenerationMode.NEGATIVE)

        @hypothesis.settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
                             suppress_health_check=list(hypothesis.HealthCheck),
                             phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate])
        @hypothesis.given(case=strategy)
        def call(case):
            case.call_and_validate(base_url=base_url, headers=headers_for(people, role, operation))

        call()
        checked += 1
    assert checked >= 3

    machine = schema.as_state_machine()

    class AsRole(machine):
        def get_call_kwargs(self, case):
            return {"base_url": base_url, "headers": headers_for(people, role, case.operation)}

    AsRole.run(settings=hypothesis.settings(max_examples=STATEFUL_RUNS, stateful_step_count=6, deadline=None,
                                            database=None, suppress_health_check=list(hypothesis.HealthCheck)))


def fresh_token(people, role: str) -> str:
    username = people[role].get("/auth/me")["username"]
    return people[role].post("/auth/sign-in", {"username": username, "password": PASSWORD}, expect=200)["token"]
