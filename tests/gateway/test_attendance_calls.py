"""The attendance sheet asks enrollment for a cohort's attendance in one call: opening or
recording a session costs the same RPCs for one seated person as for 300 (it asked for each
person's whole attendance, one call each, up to 500 a page)."""
from collections import Counter

import pytest
from nameko.rpc import rpc

from tests.gateway.test_page_pipeline import as_browser
from tests.gateway.test_participant_list_calls import officer_over, person

asked = Counter()
seated = {"count": 0}
COHORT = {"cohort_id": "C-000001", "course_code": "FL-101", "title": "Money", "district": "Kismayo",
          "starts_on": "2026-09-07", "ends_on": "2026-10-30", "capacity": 500, "state": "FINISHED"}


def ids() -> list[str]:
    return [f"P-{n:06d}" for n in range(seated["count"])]


class Enrollment:
    name = "enrollment"

    @rpc
    def get_cohort(self, cohort_id):
        asked["get_cohort"] += 1
        return COHORT

    @rpc
    def list_cohorts(self, district=None):
        asked["list_cohorts"] += 1
        return [COHORT]

    @rpc
    def search_participants(self, query):
        asked["search_participants"] += 1
        return [person(n) for n in range(seated["count"] + 1)]  # one more, waiting for a seat

    @rpc
    def seated_attendance(self, cohort_id):
        asked["seated_attendance"] += 1
        return {pid: {"sessions_held": 4, "sessions_attended": 3} for pid in ids()}

    @rpc
    def attendance_summary(self, participant_id):
        asked["attendance_summary"] += 1
        return []

    @rpc
    def full_names(self, participant_ids):
        asked["full_names"] += 1
        return {pid: f"Name of {pid}" for pid in participant_ids}

    @rpc
    def participant_districts(self, participant_ids):
        asked["participant_districts"] += 1
        return {pid: "Kismayo" for pid in participant_ids}

    @rpc
    def record_attendance(self, cohort_id, data, actor):
        asked["record_attendance"] += 1
        assert len(data["present"]) + len(data["absent"]) == seated["count"]
        return {"cohort_id": cohort_id, "session_date": data["session_date"], "recorded": seated["count"]}


@pytest.fixture
def officer(config, runner_factory):
    return officer_over(config, runner_factory, Enrollment)


@pytest.mark.parametrize("count", [1, 300])
def test_an_attendance_sheet_costs_the_same_calls_whatever_its_size(officer, count):
    seated["count"] = count
    asked.clear()
    page = as_browser(officer, "GET", "/app/attendance?cohort_id=C-000001")
    assert page.status_code == 200, page.text[-500:]
    assert page.text.count('name="present"') == count and "3 of 4 so far" in page.text
    assert f'value="P-{count:06d}"' not in page.text  # waiting, not seated: not on the sheet
    assert asked == {"get_cohort": 1, "list_cohorts": 1, "search_participants": 1, "seated_attendance": 1,
                     "full_names": 1}
    asked.clear()
    recorded = as_browser(officer, "POST", "/app/attendance/C-000001",
                          {"session_date": "2026-09-08", "present": ids()[:1]})
    assert recorded.status_code == 303, recorded.text[-500:]
    assert asked == {"get_cohort": 1, "participant_districts": 1, "search_participants": 1, "seated_attendance": 1,
                     "record_attendance": 1}
