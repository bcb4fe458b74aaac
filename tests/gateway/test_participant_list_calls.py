"""The participant list asks enrollment for a whole page of names in one call: the number of
RPCs a page makes does not grow with its rows (one call per row made a page of 50 cost 50
round trips through the broker, each holding a worker)."""
from collections import Counter

import pytest
from nameko.rpc import rpc

from services.gateway.service import GatewayService
from services.gateway.web import case_pages
from tests.gateway.test_page_pipeline import as_browser
from tests.support import Api, bootstrap_admin

asked = Counter()


def person(n: int) -> dict:
    return {"participant_id": f"P-{n:06d}", "gender": "F", "district": "Kismayo", "languages": ["so"],
            "livelihood_interest": None, "clearance_reference": "NSC-1", "phase": "ENTRY_ASSESSMENT",
            "consent_active": True, "enrolled_on": "2026-09-01"}


class Enrollment:
    name = "enrollment"

    @rpc
    def find_participants(self, query, by_name=False):
        asked["find_participants"] += 1
        return [person(n) for n in range(query["offset"], query["offset"] + query["limit"])]

    @rpc
    def full_names(self, participant_ids):
        asked["full_names"] += 1
        return {pid: f"Name of {pid}" for pid in participant_ids}

    @rpc
    def get_participant(self, participant_id, with_personal_data=False):
        asked["get_participant"] += 1
        return {**person(0), "participant_id": participant_id, "personal": {"full_name": "Name"}}

    @rpc
    def list_cohorts(self, district=None):
        asked["list_cohorts"] += 1
        return []

    @rpc
    def list_holds(self, district=None):
        asked["list_holds"] += 1
        return []


def officer_over(config, runner_factory, enrollment) -> Api:
    """The gateway in front of a stubbed enrollment, and an officer of Kismayo signed in."""
    runner_factory(config, GatewayService, enrollment).start()
    admin = Api(f"http://{config['WEB_SERVER_ADDRESS']}").as_user(bootstrap_admin(config))
    return admin.new_user("officer-k", "officer", "Kismayo")


@pytest.fixture
def officer(config, runner_factory):
    return officer_over(config, runner_factory, Enrollment)


@pytest.mark.parametrize("rows", [1, 50])
def test_a_page_of_participants_costs_the_same_calls_whatever_its_rows(officer, monkeypatch, rows):
    monkeypatch.setattr(case_pages, "PER_PAGE", rows)
    asked.clear()
    page = as_browser(officer, "GET", "/app/participants?page=2")
    assert page.status_code == 200, page.text[-500:]
    assert page.text.count("Name of P-") == rows and f"Name of P-{rows:06d}" in page.text
    assert asked == {"find_participants": 1, "full_names": 1, "list_cohorts": 1, "list_holds": 1}
