"""The demo dataset against the running suite: loaded through the API in one go, each
role's first page has work on it, and seeding again changes nothing."""
import re

import pytest

from services.demo import ALLOWANCE_DUE, seed_once
from services.demo_data import ALLOWANCE, PEOPLE
from tests.e2e.test_case_pages import Desk, listed
from tests.support import Api

STATES = ("DRAFT", "SUBMITTED", "APPROVED", "RETURNED", "REJECTED", "DISBURSING", "DISBURSED")
PHASES = ("ENTRY_ASSESSMENT", "REHABILITATION", "EXIT_ASSESSMENT", "AFTERCARE", "CLOSED", "WITHDRAWN")


@pytest.fixture
def base_config(base_config, suite_provider):
    """Payment accounts are checked by the provider the suite pays through."""
    base_config["ENROLLMENT"]["name_check"] = {**base_config["ENROLLMENT"]["name_check"], "url": suite_provider}
    return base_config


def test_the_demo_gives_every_role_work_and_seeding_again_changes_nothing(suite, config):
    logins = seed_once(config, suite.base_url)
    desks = {name: Desk(Api(suite.base_url, token)) for name, (_, token, _) in logins.items()}
    officer, finance = desks["officer-a"].client, desks["finance"].client

    people = officer.get("/participants?limit=500")
    assert len(people) == len(PEOPLE) and len(officer.get("/holds")) == 1
    assert {phase for phase in PHASES if officer.get(f"/participants?phase={phase}")} == set(PHASES)
    assert {state for state in STATES if officer.get(f"/grants?status={state}")} == set(STATES)
    [cycle] = finance.get("/allowances/cycles")
    assert (cycle["programme"], cycle["status"], cycle["declared_count"]) == (ALLOWANCE["code"], "PREPARED", len(
        [p for p in PEOPLE if p.phase in ALLOWANCE_DUE]))
    for account in ("AC-2026", "LG-2026"):
        assert finance.get(f"/programmes/{account}/budget")["available"] != "0.00"

    first_pages = {"officer-a": "/app/participants", "officer-b": "/app/approvals", "supervisor": "/app/approvals",
                   "finance": "/app/payments", "mentor": "/app/offers", "monitoring": "/app/figures",
                   "finance-2": "/app/reconciliation"}
    pages = {name: desks[name].get(path) for name, path in first_pages.items()}
    assert all(page.status_code == 200 for page in pages.values()), {n: p.status_code for n, p in pages.items()}
    assert len(listed(pages["officer-a"].text)) >= len(PEOPLE) and 'href="/app/holds/' in pages["officer-a"].text
    for name in ("officer-b", "supervisor"):
        assert re.search(r'href="/app/grants/G-', pages[name].text), name
    assert f'href="/app/payments/cycles/{cycle["cycle_id"]}"' in pages["finance"].text
    assert "Accept" in pages["mentor"].text
    assert 'href="/app/reconciliation/' in pages["finance-2"].text

    assert seed_once(config, suite.base_url) == logins
    assert len(officer.get("/participants?limit=500")) == len(people)
