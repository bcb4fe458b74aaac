"""The officer's case file pages over HTTP against the running suite, posted as a browser
posts them (session cookie and CSRF token): the participant list, the case file as an
officer and as a supervisor, every form that moves the case, holds, referrals, mentorship
rounds and grant revision; another district's participant is a 404 page that changes nothing."""
import re
from urllib.parse import quote, unquote

import pytest
import requests

from services.gateway.web.cookies import CSRF_FIELD, NOTICE, SESSION, csrf_token
from tests.e2e.test_grant_path import ENTRY_ASSESSMENT, PERSON, PLAN, PROGRAMME
from tests.support import Api, eventually

TODAY_FORM = "2026-11-20"
OTHER = {**PERSON, "full_name": "Faadumo Cali Nuur", "phone": "+252 61 555 0909", "national_id": "SO-1990-777666",
         "date_of_birth": "1990-07-07"}
PARTNER = {"code": "KMFI", "name": "Kismayo Microfinance", "products": ["group loan", "savings account"],
           "districts": ["Kismayo"], "eligibility_notes": "Adults with a business plan"}
EXIT_FORM = {"form": "assessment", "kind": "EXIT", "assessed_on": TODAY_FORM,
             "needs": "start-up capital, market access", "risk_factors": "peer pressure: 1", "protective_factors": "family support: 3\nsavings group: 2",
             "livelihood_plan": "Open a tailoring stall in the market"}


def listed(html: str) -> list[str]:
    """The participants a list page links to, in order."""
    return re.findall(r'href="/app/participants/(P-[0-9A-Z]+)"', html)


class Desk:
    """An account at the pages: GETs a page, posts a form with its CSRF token and reads
    the notice the next page shows."""

    def __init__(self, client: Api):
        self.client = client

    def get(self, path: str) -> requests.Response:
        return requests.get(self.client.base_url + path, cookies={SESSION: self.client.token}, allow_redirects=False,
                            timeout=30)

    def post(self, path: str, form: dict | None = None) -> requests.Response:
        data = {CSRF_FIELD: csrf_token(self.client.token), **(form or {})}
        return requests.post(self.client.base_url + path, data=data, cookies={SESSION: self.client.token},
                             allow_redirects=False, timeout=30)

    def done(self, path: str, form: dict | None = None) -> tuple[str, str]:
        """Post a form that must succeed: (where it leads, the notice it leaves)."""
        answer = self.post(path, form)
        assert answer.status_code == 303, (path, answer.status_code, answer.text[-3000:])
        notice = unquote(answer.cookies.get(NOTICE, ""))
        assert notice.startswith("done:"), notice
        return answer.headers["Location"], notice.removeprefix("done:")


@pytest.fixture
def office(suite):
    admin = suite
    staff = {"admin": admin, "officer": admin.new_user("officer-k", "officer", "Kismayo"),
             "colleague": admin.new_user("officer-k2", "officer", "Kismayo"),
             "baidoa": admin.new_user("officer-b", "officer", "Baidoa"),
             "supervisor": admin.new_user("super", "supervisor")}
    staff["pid"] = staff["officer"].post("/participants", PERSON, expect=201)["participant_id"]
    return staff


def cohort(office, code: str, track: str, starts_on="2026-09-07", ends_on="2026-10-30") -> str:
    office["admin"].post("/courses", {"code": code, "track": track, "title": f"{code} course"}, expect=201)
    return office["officer"].post("/cohorts", {"course_code": code, "district": "Kismayo", "starts_on": starts_on,
                                               "ends_on": ends_on, "capacity": 10}, expect=201)["cohort_id"]


def csv_people(count: int) -> bytes:
    header = "full_name,phone,national_id,date_of_birth,gender,district,languages,livelihood_interest," \
             "clearance_reference,consent_given_on\n"
    rows = "".join(f"Guled {chr(65 + n)}xx,+252 62 100 {1000 + n},NID-{n:04d},1995-01-{n % 28 + 1:02d},M,Kismayo,so,"
                   f"fishing,NSC-{n},2026-09-01\n" for n in range(count))
    return (header + rows).encode()


def test_participant_list_searches_filters_and_pages(office):
    officer, supervisor, pid = Desk(office["officer"]), Desk(office["supervisor"]), office["pid"]
    office["officer"].call_raw("POST", "/participants/import", csv_people(26), "text/csv", 200)

    first = officer.get("/app/participants")
    assert first.status_code == 200 and "page=2" in first.text and len(listed(first.text)) == 25
    second = officer.get("/app/participants?page=2").text
    assert len(listed(second)) == 2 and "page=1" in second and not set(listed(second)) & set(listed(first.text))
    assert pid in listed(first.text) + listed(second)  # pages follow the pseudonymous ids' order
    assert PERSON["full_name"] in (first.text if pid in listed(first.text) else second)
    for box in (pid, pid[:5], PERSON["phone"], PERSON["national_id"], "hassan war"):
        assert pid in listed(officer.get(f"/app/participants?q={quote(box)}").text), box
    assert listed(officer.get(f"/app/participants?q={quote(PERSON['phone'])}").text) == [pid]
    assert len(listed(officer.get("/app/participants?q=hxx").text)) == 1
    nobody = officer.get("/app/participants?q=nobody+like+this").text
    assert "Nobody matches" in nobody and listed(nobody) == []

    seated = cohort(office, "FL-101", "FINANCIAL_LITERACY")
    office["officer"].post(f"/cohorts/{seated}/members", {"participant_id": pid}, expect=201)
    assert listed(officer.get(f"/app/participants?cohort_id={seated}").text) == [pid]
    officer.done(f"/app/participants/{pid}/consent/withdraw", {"withdrawn_on": TODAY_FORM, "reason": "moved away"})
    assert listed(officer.get("/app/participants?consent=withdrawn").text) == [pid]
    assert listed(officer.get("/app/participants?consent=active&q=" + pid).text) == []
    assert listed(officer.get("/app/participants?phase=AFTERCARE").text) == []

    read = supervisor.get("/app/participants?district=Kismayo")
    assert read.status_code == 200 and len(listed(read.text)) == 25 and PERSON["full_name"] not in read.text
    assert listed(supervisor.get(f"/app/participants?q={quote(PERSON['national_id'])}").text) == [pid]
    assert listed(supervisor.get("/app/participants?district=Kismayo&q=hassan").text) == []
    assert listed(supervisor.get("/app/participants?district=Baidoa").text) == []


def test_the_case_file_shows_personal_data_to_officers_only(office):
    officer, supervisor, pid = Desk(office["officer"]), Desk(office["supervisor"]), office["pid"]
    officer.done(f"/app/participants/{pid}/notes", {"kind": "VISIT", "happened_on": TODAY_FORM,
                                                    "text": "Visited at home; the stall plan is realistic"})
    location, said = officer.done(f"/app/participants/{pid}/notes", {"kind": "NOTE", "happened_on": TODAY_FORM,
                                                                     "text": "Asked for literacy classes"})
    assert (location, said) == (f"/app/participants/{pid}", "Note added.")

    case_file = officer.get(f"/app/participants/{pid}").text
    for shown in (PERSON["full_name"], PERSON["phone"], PERSON["national_id"], "stall plan is realistic",
                  "Asked for literacy classes", PERSON["clearance_reference"]):
        assert shown in case_file, shown
    read = supervisor.get(f"/app/participants/{pid}")
    assert read.status_code == 200 and pid in read.text
    for hidden in ("Amina", "Warsame", PERSON["phone"], "555 0101", PERSON["national_id"], PERSON["date_of_birth"],
                   PERSON["clearance_reference"], "stall plan", "literacy classes", "/notes", "/consent/withdraw", "/personal-data"):
        assert hidden not in read.text, hidden
    assert "1 notes and 1 follow-up visits on record." in read.text


def test_phase_changes_need_the_assessment_and_the_exit_one_is_recorded(office):
    officer, pid = Desk(office["officer"]), office["pid"]
    refused = officer.post(f"/app/participants/{pid}/phase", {"to_phase": "REHABILITATION"})
    assert refused.status_code == 409 and "record the entry assessment before moving to REHABILITATION" in refused.text
    assert office["officer"].get(f"/participants/{pid}")["phase"] == "ENTRY_ASSESSMENT"

    bad = officer.post(f"/app/participants/{pid}/assessments", {**EXIT_FORM, "kind": "ENTRY",
                                                                "risk_factors": "peer pressure: high"})
    assert bad.status_code == 400 and "factor: score" in bad.text and "Open a tailoring stall" in bad.text
    officer.done(f"/app/participants/{pid}/assessments", {**EXIT_FORM, "kind": "ENTRY"})
    _, said = officer.done(f"/app/participants/{pid}/phase", {"to_phase": "REHABILITATION"})
    assert said == "The case moved to Rehabilitation."
    officer.done(f"/app/participants/{pid}/phase", {"to_phase": "EXIT_ASSESSMENT"})
    page = officer.get(f"/app/participants/{pid}").text
    assert 'name="kind" value="EXIT"' in page and "Record the exit assessment" in page
    assert officer.post(f"/app/participants/{pid}/phase", {"to_phase": "AFTERCARE"}).status_code == 409
    officer.done(f"/app/participants/{pid}/assessments", EXIT_FORM)
    officer.done(f"/app/participants/{pid}/phase", {"to_phase": "AFTERCARE"})
    assert office["officer"].get(f"/participants/{pid}")["phase"] == "AFTERCARE"
    page = officer.get(f"/app/participants/{pid}").text
    assert "savings group: 2" in page and "Exit assessment" in page and "Entry assessment" in page
    assert officer.post(f"/app/participants/{pid}/phase", {"to_phase": "ENTRY_ASSESSMENT"}).status_code == 409


def test_consent_withdrawn_then_renewed_resumes_the_case(office):
    officer, supervisor, pid = Desk(office["officer"]), Desk(office["supervisor"]), office["pid"]
    future = officer.post(f"/app/participants/{pid}/consent/withdraw", {"withdrawn_on": "2030-01-01",
                                                                        "reason": "family moved"})
    assert future.status_code == 400 and office["officer"].get(f"/participants/{pid}")["consent_active"]
    officer.done(f"/app/participants/{pid}/consent/withdraw", {"withdrawn_on": "2026-11-10",
                                                               "reason": "family moved to Baidoa"})
    officer.done(f"/app/participants/{pid}/phase", {"to_phase": "WITHDRAWN"})
    assert office["officer"].post(f"/participants/{pid}/phase", {"to_phase": "REHABILITATION"}, expect=409)
    early = officer.post(f"/app/participants/{pid}/consent/renew", {"renewed_on": "2026-11-01"})
    assert early.status_code == 400 and "between the withdrawal" in early.text

    _, said = officer.done(f"/app/participants/{pid}/consent/renew", {"renewed_on": TODAY_FORM})
    assert said == "Consent given again: welcome back."
    person = office["officer"].get(f"/participants/{pid}")
    assert (person["consent_active"], person["phase"]) == (True, "ENTRY_ASSESSMENT")
    assert [(r["kind"], r["effective_on"]) for r in office["officer"].get(f"/participants/{pid}/consent")] == [
        ("GIVEN", "2026-09-01"), ("WITHDRAWN", "2026-11-10"), ("RENEWED", TODAY_FORM)]
    assert "family moved to Baidoa" in officer.get(f"/app/participants/{pid}").text
    assert "family moved" not in supervisor.get(f"/app/participants/{pid}").text
    assert officer.post(f"/app/participants/{pid}/consent/renew", {"renewed_on": TODAY_FORM}).status_code == 409


def test_personal_data_corrections_keep_which_fields_never_the_values(office):
    officer, supervisor, pid = Desk(office["officer"]), Desk(office["supervisor"]), office["pid"]
    other = office["officer"].post("/participants", OTHER, expect=201)["participant_id"]
    location, said = officer.done(f"/app/participants/{pid}/personal-data", {
        "full_name": "Amina Hasan Warsame", "phone": "+252 61 555 0111", "national_id": "", "date_of_birth": "",
        "reason": "spelling on the clearance letter"})
    assert (location, said) == (f"/app/participants/{pid}", "Corrected: full name, phone.")
    personal = office["officer"].get(f"/participants/{pid}")["personal"]
    assert (personal["full_name"], personal["phone"]) == ("Amina Hasan Warsame", "+252 61 555 0111")
    assert listed(officer.get("/app/participants?q=%2B252615550111").text) == [pid]

    history = supervisor.get(f"/app/participants/{pid}").text
    assert "full name, phone" in history
    for value in ("Amina", "Hasan", "0111", "0101", "spelling on the clearance letter"):
        assert value not in history, value
    assert "spelling on the clearance letter" in officer.get(f"/app/participants/{pid}").text

    clash = officer.post(f"/app/participants/{pid}/personal-data", {"national_id": OTHER["national_id"],
                                                                    "reason": "typed from the wrong card"})
    assert clash.status_code == 409 and other in clash.text
    assert office["officer"].get(f"/participants/{pid}")["personal"]["national_id"] == PERSON["national_id"]
    same = officer.post(f"/app/participants/{pid}/personal-data", {"phone": "+252 61 555 0111", "reason": "again"})
    assert same.status_code == 400 and "nothing differs" in same.text


def test_seating_from_the_cohort_list_and_recording_completion(office):
    officer, pid = Desk(office["officer"]), office["pid"]
    running = cohort(office, "TVET-TAILOR", "TVET:tailoring", starts_on="2026-10-05", ends_on="2026-12-18")
    finished = cohort(office, "FL-100", "FINANCIAL_LITERACY", starts_on="2026-03-02", ends_on="2026-05-29")
    page = officer.get(f"/app/participants/{pid}").text
    assert f'<option value="{running}">' in page and f'<option value="{finished}">' not in page
    assert "2026-10-05 – 2026-12-18 · 0/10" in page

    _, said = officer.done(f"/app/participants/{pid}/cohort", {"cohort_id": running})
    assert said == f"Seated in {running}."
    page = officer.get(f"/app/participants/{pid}").text
    assert f'<option value="{running}">' not in page and "Record completion" in page
    office["officer"].post(f"/cohorts/{running}/attendance", {"session_date": "2026-10-06", "present": [pid]},
                           expect=200)
    _, said = officer.done(f"/app/participants/{pid}/completion", {"cohort_id": running, "result": "PASS",
                                                                   "score": "82.5", "completed_on": TODAY_FORM})
    assert said == f"Completion recorded in {running}: Passed."
    [seat] = office["officer"].get(f"/participants/{pid}/attendance")
    assert (seat["cohort_id"], seat["result"], seat["sessions_attended"]) == (running, "PASS", 1)
    assert "Record completion" not in officer.get(f"/app/participants/{pid}").text
    assert officer.post(f"/app/participants/{pid}/completion", {"cohort_id": running, "result": "PASS",
                                                               "completed_on": TODAY_FORM}).status_code == 409


def test_holds_are_compared_and_resolved_by_link_or_as_a_different_person(office):
    officer, pid = Desk(office["officer"]), office["pid"]
    api = office["officer"]
    twin = api.post("/participants", {**OTHER, "phone": PERSON["phone"]}, expect=202)["held_id"]
    again = api.post("/participants", {**OTHER, "full_name": "Faadumo Other", "phone": "+252 61 555 0808",
                                       "national_id": PERSON["national_id"]}, expect=202)["held_id"]
    listed = officer.get("/app/participants").text
    assert f'href="/app/holds/{twin}"' in listed and f'href="/app/holds/{again}"' in listed

    side_by_side = officer.get(f"/app/holds/{twin}").text
    for shown in (OTHER["full_name"], PERSON["full_name"], PERSON["phone"], f'value="LINK:{pid}"'):
        assert shown in side_by_side, shown
    location, said = officer.done(f"/app/holds/{twin}/resolve", {"decision": "DIFFERENT"})
    newcomer = location.rsplit("/", 1)[1]
    assert said == f"A different person: enrolled as {newcomer}." and newcomer != pid
    assert api.get(f"/participants/{newcomer}")["personal"]["full_name"] == OTHER["full_name"]

    stranger = api.post("/participants", {**OTHER, "full_name": "Someone Else", "national_id": "SO-X-1",
                                          "phone": "+252 61 999 9999", "date_of_birth": "1980-01-01"},
                        expect=201)["participant_id"]
    assert officer.post(f"/app/holds/{again}/resolve", {"decision": f"LINK:{stranger}"}).status_code == 400
    location, said = officer.done(f"/app/holds/{again}/resolve", {"decision": f"LINK:{pid}"})
    assert (location, said) == (f"/app/participants/{pid}", f"Linked to {pid}: no one new enrolled.")
    assert api.get(f"/holds/{again}")["status"] == "LINKED"
    assert len(api.get("/participants")) == 3
    assert officer.post(f"/app/holds/{again}/resolve", {"decision": "DIFFERENT"}).status_code == 409
    assert officer.get("/app/holds/H-NOSUCH").status_code == 404


def test_referral_with_consent_to_share_and_the_printable_letter(office):
    officer, supervisor, pid = Desk(office["officer"]), Desk(office["supervisor"]), office["pid"]
    office["admin"].post("/partners", PARTNER, expect=201)
    page = officer.get(f"/app/participants/{pid}").text
    assert 'value="KMFI|group loan"' in page
    form = {"offer": "KMFI|group loan", "trade": "tailoring", "given_on": TODAY_FORM}
    unshared = officer.post(f"/app/participants/{pid}/referral", form)
    assert unshared.status_code == 400 and "consent to share their data" in unshared.text
    assert "No referral yet." in officer.get(f"/app/participants/{pid}").text

    location, said = officer.done(f"/app/participants/{pid}/referral", {**form, "share": "yes"})
    referral = location.rsplit("/", 1)[1]
    assert said == "Referred to KMFI."
    shown = officer.get(location).text
    assert referral in shown and "group loan" in shown and TODAY_FORM in shown
    letter = officer.get(f"{location}/letter")
    assert letter.status_code == 200 and pid in letter.text and "Kismayo Microfinance" in letter.text
    for secret in ("Amina", "Warsame", PERSON["phone"], "555 0101", PERSON["national_id"]):  # not bare digits: ids hold them
        assert secret not in letter.text
    assert supervisor.get(location).status_code == 200
    assert supervisor.get(f"{location}/letter").status_code == 403
    assert referral in officer.get(f"/app/participants/{pid}").text


def mentor(office, gender="F", district="Kismayo") -> str:
    return office["admin"].post("/mentors", {"district": district, "gender": gender, "languages": ["so"],
                                             "trade": "tailoring", "capacity": 3, "vetted": True},
                                expect=201)["mentor_id"]


def test_mentorship_round_run_sent_and_discarded(office):
    officer, pid = Desk(office["officer"]), office["pid"]
    other = office["officer"].post("/participants", OTHER, expect=201)["participant_id"]
    mentor_id = mentor(office)
    registry = officer.get("/app/mentorship").text
    assert mentor_id in registry and "Run a matching round" in registry
    location, said = officer.done("/app/mentorship/rounds")
    assert said == "Round run: review the proposed matches, then send them."
    drafts = {m["participant_id"]: m for m in office["officer"].get(location.removeprefix("/app"))["matches"]}
    assert set(drafts) == {pid, other}
    page = officer.get(location).text
    assert "Send every draft" in page and mentor_id in page

    officer.done(f"/app/mentorship/offers/{drafts[pid]['offer_id']}/send")
    refused = officer.post(f"/app/mentorship/offers/{drafts[other]['offer_id']}/discard", {"reason": ""})
    assert refused.status_code == 400
    _, said = officer.done(f"/app/mentorship/offers/{drafts[other]['offer_id']}/discard",
                           {"reason": "known conflict between the families"})
    assert said == "Draft discarded."
    statuses = {m["participant_id"]: m["status"] for m in office["officer"].get(location.removeprefix("/app"))["matches"]}
    assert statuses == {pid: "PROPOSED", other: "DISCARDED"}
    assert "Send every draft" not in officer.get(location).text
    assert "PROPOSED" in officer.get(f"/app/participants/{pid}").text or "Proposed" in officer.get(
        f"/app/participants/{pid}").text


def test_send_every_draft_of_a_round(office):
    officer = Desk(office["officer"])
    office["officer"].post("/participants", OTHER, expect=201)
    mentor(office)
    location, _ = officer.done("/app/mentorship/rounds")
    round_id = location.rsplit("/", 1)[1]
    _, said = officer.done(f"/app/mentorship/rounds/{round_id}/send")
    assert said == "Every draft was sent to its mentor."
    assert {m["status"] for m in office["officer"].get(f"/mentorship/rounds/{round_id}")["matches"]} == {"PROPOSED"}


def test_renewed_consent_makes_offers_possible_again(office):
    officer, pid = Desk(office["officer"]), office["pid"]
    mentor(office)
    officer.done(f"/app/participants/{pid}/consent/withdraw", {"withdrawn_on": TODAY_FORM, "reason": "left"})
    eventually(lambda: office["officer"].call("POST", "/mentorship/rounds", {}).status_code == 409)
    assert "nobody" in office["officer"].post("/mentorship/rounds", {}, expect=409)["message"]

    officer.done(f"/app/participants/{pid}/consent/renew", {"renewed_on": TODAY_FORM})
    matched = eventually(lambda: office["officer"].call("POST", "/mentorship/rounds", {}).json().get("matches"))
    assert [m["participant_id"] for m in matched] == [pid]


def eligible_grant(office) -> str:
    """A drafted application of PROGRAMME for the fixture's participant (made eligible)."""
    api, admin, pid = office["officer"], office["admin"], office["pid"]
    admin.post("/programmes", PROGRAMME, expect=201)
    for code, track in (("FL-201", "FINANCIAL_LITERACY"), ("BD-201", "BUSINESS_DEVELOPMENT")):
        cohort_id = cohort(office, code, track)
        api.post(f"/cohorts/{cohort_id}/members", {"participant_id": pid}, expect=201)
        api.post(f"/cohorts/{cohort_id}/attendance", {"session_date": "2026-09-10", "present": [pid]}, expect=200)
        api.post(f"/cohorts/{cohort_id}/completions", {"participant_id": pid, "result": "PASS",
                                                      "completed_on": "2026-10-30"}, expect=200)
    api.post(f"/participants/{pid}/assessments", ENTRY_ASSESSMENT, expect=201)
    for phase in ("REHABILITATION", "EXIT_ASSESSMENT"):
        api.post(f"/participants/{pid}/phase", {"to_phase": phase}, expect=200)
    eventually(lambda: api.get(f"/programmes/{PROGRAMME['code']}/eligibility/{pid}")["eligible"])
    return api.post("/grants", {"programme": PROGRAMME["code"], "participant_id": pid, "amount": "350.00",
                                "currency": "USD", "business_plan": PLAN}, expect=201)["application_id"]


def test_grant_revised_after_return_then_followed_up_between_tranches(office):
    maker, checker, supervisor = Desk(office["officer"]), Desk(office["colleague"]), Desk(office["supervisor"])
    application = eligible_grant(office)
    grant = f"/app/grants/{application}"
    maker.done(f"{grant}/submit")
    assert "Still to act" in supervisor.get(grant).text
    checker.done(f"{grant}/return", {"reason": "Add the market stall fee"})
    revise = {"amount": "380.00", "trade": "tailoring", "summary": "A tailoring stall with its market fee",
              "budget_lines": "sewing machine: 300.00\nfabric: 50.00\nstall fee: 30.00"}
    assert checker.post(f"{grant}/revise", revise).status_code == 403
    _, said = maker.done(f"{grant}/revise", revise)
    assert said == "Revised. Submit it again when it is ready."
    revised = office["officer"].get(f"/grants/{application}")
    assert (revised["status"], revised["amount"]) == ("RETURNED", "380.00")
    assert [line["item"] for line in revised["business_plan"]["budget_lines"]] == ["sewing machine", "fabric",
                                                                                  "stall fee"]
    maker.done(f"{grant}/submit")

    funding = {"amount": "1000.00", "currency": "USD", "reference": "MDTF-PAGES-1", "received_on": "2026-11-02"}
    finance = office["admin"].new_user("money", "finance")
    eventually(lambda: finance.call("POST", f"/programmes/{PROGRAMME['code']}/funding", funding).status_code == 201)
    eventually(lambda: finance.get(f"/programmes/{PROGRAMME['code']}/budget")["available"] == "1000.00")
    checker.done(f"{grant}/approve")
    assert "Follow-up visit" not in maker.get(grant).text
    finance.post(f"/grants/{application}/release", expect=202)
    eventually(lambda: finance.get(f"/grants/{application}")["disbursements"][0]["status"] == "PAID")
    assert "Cancel the application" not in maker.get(grant).text
    assert maker.post(f"{grant}/follow-up", {"visited_on": "2030-01-01", "business_operating": "yes",
                                             "note": "in the future"}).status_code == 400
    _, said = maker.done(f"{grant}/follow-up", {"visited_on": TODAY_FORM, "business_operating": "yes",
                                                "note": "stall open, customers seen"})
    assert said == "Follow-up visit recorded."
    assert [h["action"] for h in office["officer"].get(f"/grants/{application}")["history"]][-1] == "FOLLOW_UP"
    assert finance.post(f"/grants/{application}/release", expect=202)["paused_reason"] is None


def test_a_submitted_grant_is_cancelled_from_its_page(office):
    maker, checker = Desk(office["officer"]), Desk(office["colleague"])
    application = eligible_grant(office)
    grant = f"/app/grants/{application}"
    maker.done(f"{grant}/submit")
    assert "Cancel the application" not in checker.get(grant).text
    assert checker.post(f"{grant}/cancel", {"reason": "not mine to cancel"}).status_code == 403
    assert maker.post(f"{grant}/cancel", {"reason": ""}).status_code == 400
    location, said = maker.done(f"{grant}/cancel", {"reason": "the participant chose a loan instead"})
    assert (location, said) == (grant, f"{application} cancelled.")
    assert office["officer"].get(f"/grants/{application}")["status"] == "CANCELLED"
    page = maker.get(grant).text
    assert "Cancel the application" not in page and "the participant chose a loan instead" in page


def test_another_districts_participant_is_a_404_page_and_nothing_changes(office):
    baidoa, pid = Desk(office["baidoa"]), office["pid"]
    before = office["officer"].get(f"/participants/{pid}")
    page = baidoa.get(f"/app/participants/{pid}")
    assert page.status_code == 404 and page.headers["Content-Type"].startswith("text/html")
    assert "Amina" not in page.text
    forms = {"/phase": {"to_phase": "WITHDRAWN"}, "/consent/withdraw": {"withdrawn_on": TODAY_FORM, "reason": "x y z"},
             "/personal-data": {"full_name": "Someone Else", "reason": "forged"},
             "/notes": {"kind": "NOTE", "happened_on": TODAY_FORM, "text": "forged note"},
             "/assessments": {**EXIT_FORM, "kind": "ENTRY"}}
    for path, form in forms.items():
        assert baidoa.post(f"/app/participants/{pid}{path}", form).status_code == 404, path
    assert office["officer"].get(f"/participants/{pid}") == before
    assert "forged note" not in Desk(office["officer"]).get(f"/app/participants/{pid}").text
    assert office["supervisor"].get(f"/participants/{pid}")["phase"] == "ENTRY_ASSESSMENT"
