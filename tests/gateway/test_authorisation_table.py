"""The authorisation tables, walked whole: every endpoint and every web page × every role
(and nobody).

A role the endpoint or page does not declare gets 403 (a JSON error, or an HTML page) and
nothing happens (its audit row says so); a declared role gets past the check (whatever the
dummy ids and empty bodies or forms then earn it, never 401, 403 or a 5xx). The tables are
also what the gateway really serves, and their district markers are where records are named.
"""
import inspect
import re

import pytest
import requests

from services.gateway.accounts import ROLES
from services.gateway.routes import DISTRICT, PAGES, PATH_PARAM, ROUTES, ApiEntrypoint, CsvUpload
from services.gateway.scope import SCOPED, names_in
from services.gateway.service import GatewayService
from services.gateway.web.cookies import CSRF_FIELD, SESSION, SIGN_IN, csrf_token
from services.gateway.web.entrypoint import PageEntrypoint
from tests.gateway.conftest import PASSWORD

DUMMY = {"int": "1", None: "X-NOPE1"}


def concrete(path: str) -> str:
    return re.sub(r"<(?:(\w+):)?\w+>", lambda m: DUMMY[m.group(1)], path)


def send(base_url: str, route, token: str | None) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if route.body is CsvUpload:
        headers["Content-Type"] = "text/csv"
        return requests.request(route.method, base_url + concrete(route.path), data=b"", headers=headers, timeout=30)
    json = {} if route.body is not None else None
    return requests.request(route.method, base_url + concrete(route.path), json=json, headers=headers, timeout=30)


def fresh_token(client, role: str) -> str:
    """Sign-out ends the token it carries: walk it with a token of its own."""
    username = client.get("/auth/me")["username"]
    if role == "admin":  # the suite's admin was created without a password
        client.post("/auth/password", {"new_password": PASSWORD}, expect=200)
    return client.post("/auth/sign-in", {"username": username, "password": PASSWORD}, expect=200)["token"]


def whole_trail(admin) -> list[dict]:
    events, page = [], {"events": [None]}
    while page["events"]:
        page = admin.get(f"/audit?limit=500&offset={len(events)}")
        events += page["events"]
    assert len(events) == page["total"]
    return events


def test_every_endpoint_for_every_role(people):
    base_url = people["admin"].base_url
    refused, allowed = [], []
    for route in sorted(ROUTES, key=lambda r: r.path == "/auth/sign-out"):
        anonymous = send(base_url, route, None)
        if route.roles:
            assert anonymous.status_code == 401, (route.method, route.path, anonymous.text)
        else:  # public; the partners' webhook answers 401 for its missing signature, never 403
            assert anonymous.status_code != 403 and anonymous.status_code < 500, (route.method, route.path)
        for role in ROLES:
            token = people[role].token
            if route.path == "/auth/sign-out":
                token = fresh_token(people[role], role)
            answer = send(base_url, route, token)
            if route.roles and role not in route.roles:
                assert (answer.status_code, answer.json()["error"]) == (403, "FORBIDDEN"), \
                    (route.method, route.path, role, answer.text)
                refused.append((route, role))
            else:
                assert answer.status_code not in (401, 403) or not route.roles, (route.method, route.path, role)
                assert answer.status_code != 403 and answer.status_code < 500, \
                    (route.method, route.path, role, answer.status_code, answer.text)
                allowed.append((route, role))
    assert len(refused) + len(allowed) == len(ROUTES) * len(ROLES)

    changing = [(route, role) for route, role in refused if route.method != "GET"]
    refusals = {(event["action"], event["role"]) for event in whole_trail(people["admin"])
                if event["outcome"] == "403 FORBIDDEN"}
    assert {(f"{route.method} {route.template}", role) for route, role in changing} <= refusals


def visit(base_url: str, page, token: str | None) -> requests.Response:
    """A page as a browser with this session would ask for it (a form with its CSRF token)."""
    form_token = csrf_token(token) if token else "no-session"
    cookies = {SIGN_IN: form_token, **({SESSION: token} if token else {})}
    data = {CSRF_FIELD: form_token} if page.method == "POST" else None
    return requests.request(page.method, base_url + concrete(page.path), data=data, cookies=cookies,
                            allow_redirects=False, timeout=30)


def test_every_page_for_every_role(people):
    base_url = people["admin"].base_url
    refused, allowed = [], []
    for page in sorted(PAGES, key=lambda p: p.path == "/app/sign-out"):
        anonymous = visit(base_url, page, None)
        if not page.roles:
            assert anonymous.status_code not in (401, 403) and anonymous.status_code < 500, (page.method, page.path)
        elif page.method == "GET":
            assert (anonymous.status_code, anonymous.headers["Location"]) == (303, "/app/sign-in"), page.path
        else:
            assert anonymous.status_code == 401 and anonymous.headers["Content-Type"].startswith("text/html")
        for role in ROLES:
            token = fresh_token(people[role], role) if page.path == "/app/sign-out" else people[role].token
            answer = visit(base_url, page, token)
            if page.roles and role not in page.roles:
                assert answer.status_code == 403 and answer.headers["Content-Type"].startswith("text/html"), \
                    (page.method, page.path, role, answer.status_code)
                assert "This is not open to you" in answer.text and "<h1>" in answer.text
                refused.append((page, role))
            else:
                assert answer.status_code not in (401, 403) and answer.status_code < 500, \
                    (page.method, page.path, role, answer.status_code, answer.text[-500:])
                allowed.append((page, role))
    assert len(refused) + len(allowed) == len(PAGES) * len(ROLES) and refused and allowed

    changing = [(page, role) for page, role in refused if page.method != "GET"]
    refusals = {(event["action"], event["role"]) for event in whole_trail(people["admin"])
                if event["outcome"] == "403 FORBIDDEN"}
    assert changing and {(f"{page.method} {page.template}", role) for page, role in changing} <= refusals


def test_the_page_table_is_what_the_gateway_serves():
    served = [(entrypoint.method, entrypoint.url)
              for _name, member in inspect.getmembers(GatewayService)
              for entrypoint in getattr(member, "nameko_entrypoints", ())
              if isinstance(entrypoint, PageEntrypoint)]
    assert sorted(served) == sorted((page.method, page.path) for page in PAGES)
    assert len(set(served)) == len(served) and all(path.startswith("/app") for _method, path in served)


def test_the_table_is_what_the_gateway_serves():
    served = {(entrypoint.method, entrypoint.url)
              for _name, member in inspect.getmembers(GatewayService)
              for entrypoint in getattr(member, "nameko_entrypoints", ())
              if isinstance(entrypoint, ApiEntrypoint) and not entrypoint.url.startswith("/app")}
    assert served == {(route.method, route.path) for route in ROUTES}
    assert len(served) == len(ROUTES)  # one declaration per endpoint


def test_every_role_declared_is_a_real_role():
    for route in ROUTES + PAGES:
        assert route.roles <= set(ROLES), (route.path, route.roles - set(ROLES))


def scoped_names(route) -> set[str]:
    """The names of records (and districts) a route takes anywhere in its request."""
    in_path = {name for _converter, name in PATH_PARAM.findall(route.path) if name in SCOPED}
    return in_path | names_in(route.body) | names_in(route.query)


def test_district_markers_are_where_records_or_districts_are_named():
    """The gateway checks every named record itself (services.gateway.scope); the marker
    documents it, and a handler with none of them filters by the officer's district."""
    for route in ROUTES:
        names = scoped_names(route)
        if "officer" in route.roles and names:
            assert route.scope == DISTRICT, (route.method, route.path, names)
        if route.scope == DISTRICT:
            assert names or "user.district" in inspect.getsource(route.function), (route.method, route.path)
    assert sum(route.scope == DISTRICT for route in ROUTES) >= 25


def test_pages_naming_records_in_their_path_are_district_scoped():
    """A page names records in its path (its forms' fields are checked alike, by name)."""
    for page in PAGES:
        if "officer" in page.roles and {name for _c, name in PATH_PARAM.findall(page.path)} & set(SCOPED):
            assert page.scope == DISTRICT, (page.method, page.path)


@pytest.mark.parametrize("path", ["/audit", "/users"])
def test_monitoring_reads_the_audit_trail_but_not_the_accounts(people, path):
    answer = people["monitoring"].call("GET", path)
    assert answer.status_code == (200 if path == "/audit" else 403)


INCOMPATIBLE = [  # duties one person must never hold together; an account's role never changes
    (("POST", "/grants/<application_id>/approve"), ("POST", "/grants/<application_id>/release")),
    (("POST", "/grants"), ("POST", "/grants/<application_id>/release")),
    (("POST", "/grants/<application_id>/approve"), ("POST", "/ledger/statements/<statement_id>/sign-off")),
    (("POST", "/grants/<application_id>/approve"), ("POST", "/programmes/<programme>/funding")),
    (("POST", "/grants/<application_id>/approve"), ("POST", "/allowances/cycles/<cycle_id>/release")),
]


@pytest.mark.parametrize("one, other", INCOMPATIBLE)
def test_incompatible_duties_share_no_role(one, other):
    """Maker and checker of the same application share the officer role: livelihoods refuses
    that per application (SEGREGATION_OF_DUTIES); these pairs are kept apart by role."""
    table = {(route.method, route.path): route.roles for route in ROUTES}
    assert table[one] and table[other] and not table[one] & table[other]
