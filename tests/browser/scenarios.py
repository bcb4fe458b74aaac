"""What each role does in the browser, run by `python -m tests.browser.scenarios NAME` with
its arguments as JSON on stdin (see conftest.py); prints what it saw as JSON. The tests
seed data through the API before and check the outcome through the API after."""
import json
import sys

from tests.browser.admin_scenarios import admin_day, monitoring_filters  # noqa: F401  (run by name)
from tests.browser.browser import PASSWORD, PHONE, browse
from tests.browser.case_scenarios import officer_case, supervisor_reads_case  # noqa: F401  (run by name)
from tests.browser.finance_scenarios import finance_pays, finance_reconciles  # noqa: F401  (run by name)

NEW_PASSWORD = "a longer and newer pass phrase"
SECURITY_HEADERS = ("content-security-policy", "x-frame-options", "x-content-type-options", "referrer-policy")


def officer_day(open_person, cohort, eligible, programme, newcomer, personal):
    officer = open_person()
    page = officer.sign_in("officer-k")
    seen = {"landing": page.url, "listed": page.locator("main").inner_text()}
    officer.shot("officer-1-participants")

    officer.press("text=Enroll a participant")
    for field in ("full_name", "phone", "national_id", "date_of_birth"):
        page.fill(f"[name={field}]", newcomer[field])
    page.select_option("[name=gender]", "F")
    page.fill("[name=languages]", "so, sw")
    page.fill("[name=livelihood_interest]", "fishing")
    page.fill("[name=clearance_reference]", "NSC-2026-0999")
    page.check("[name=consent]")
    officer.shot("officer-2-enroll")
    officer.press("main button[type=submit]")
    seen["enrolled"] = officer.notice()
    seen["participant_heading"] = page.locator("h1").inner_text()
    participant_id = seen["enrolled"].removeprefix("Enrolled as ").rstrip(".")

    page.select_option("[name=cohort_id]", cohort)
    officer.press("button:text-is('Seat')")
    seen["seated"] = officer.notice()
    officer.press(f"a:text('{cohort}')")
    page.fill("[name=session_date]", "2026-09-14")
    page.check(f"input[value={participant_id}]")
    officer.shot("officer-3-attendance")
    officer.press("text=Record attendance")
    seen["attendance"] = officer.notice()

    page.goto(f"/app/participants/{eligible}")
    officer.press("text=Apply for a grant")
    card = page.locator(".card", has_text=programme)
    seen["eligibility"] = card.locator("p.pass, p.fail").inner_text()
    seen["conditions"] = card.locator("li").count()
    page.fill("[name=amount]", "350.00")
    page.fill("[name=trade]", "tailoring")
    page.fill("[name=summary]", "A tailoring stall in Kismayo market")
    page.fill("[name=budget_lines]", "sewing machine: 300.00\nfabric: 50.00")
    officer.shot("officer-4-grant-draft")
    officer.press("text=Save draft")
    seen["drafted"] = officer.notice()
    seen["application"] = page.url.rsplit("/", 1)[1]
    officer.press("text=Submit for approval")
    seen["submitted"] = officer.notice()
    seen["grant_heading"] = page.locator("h1").inner_text()
    officer.shot("officer-5-grant-submitted")
    seen["participant_id"] = participant_id
    seen["urls_with_personal_data"] = [url for url in officer.urls if any(value in url for value in personal)]
    return seen


def supervisor_decides(open_person, application, decision):
    supervisor = open_person()
    page = supervisor.sign_in("supervisor")
    seen = {"landing": page.url, "queue": page.locator("main").inner_text()}
    supervisor.shot(f"supervisor-{decision}-1-queue")
    supervisor.press(f"a:text('{application}')")
    seen["eligibility"] = page.locator(".card", has_text="Eligibility").locator("p").first.inner_text()
    if decision == "return":
        reason = page.get_by_label("Reason to return or reject")
        reason.fill("Add the cost of thread and a market stall fee to the budget")
        supervisor.shot("supervisor-return-2-reason")
        supervisor.press("text=Return for revision")
    else:
        supervisor.shot("supervisor-approve-2-application")
        supervisor.press("main button:text('Approve')")
    seen["notice"] = supervisor.notice()
    return seen


def mentor_day(open_person):
    mentor = open_person(PHONE)
    page = mentor.sign_in("mentor-t")
    seen = {"landing": page.url, "offer": page.locator("main section").first.inner_text()}
    mentor.shot("mentor-1-offer-phone")
    seen["fits_phone"] = page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    mentor.press("main button:text('Accept')")
    seen["accepted"] = mentor.notice()
    page.click("summary:text('Log a session')")
    page.fill("[name=topic]", "Costing a dress")
    page.fill("[name=note]", "Market visit")
    mentor.shot("mentor-2-log-session-phone")
    mentor.press("text=Log session")
    seen["logged"] = mentor.notice()
    seen["mentees"] = page.locator("main").inner_text()
    mentor.shot("mentor-3-mentee-phone")
    officer_page = page.goto("/app/participants")
    seen["officer_page_status"] = officer_page.status
    seen["officer_page_text"] = page.locator("body").inner_text()
    return seen


def mentor_in_somali(open_person):
    """A mentor on a phone picks Somali, accepts an offer in it, and finds Somali again at the
    next sign-in (the language is kept with the account)."""
    mentor = open_person(PHONE)
    page = mentor.sign_in("mentor-t")
    mentor.press("form[action='/app/language'] button[value=so]")
    seen = {"lang": page.get_attribute("html", "lang"), "heading": page.locator("h1").inner_text(),
            "accept": page.locator("main form[action$='/accept'] button").inner_text()}
    mentor.shot("mentor-somali-1-offer-phone")
    mentor.press("main form[action$='/accept'] button")
    seen["accepted"] = mentor.notice()
    mentor.shot("mentor-somali-2-accepted-phone")
    mentor.press("form[action='/app/sign-out'] button")
    mentor.sign_in("mentor-t")
    seen["lang_next_time"] = page.get_attribute("html", "lang")
    seen["heading_next_time"] = page.locator("h1").inner_text()
    return seen


def monitoring_figures(open_person):
    viewer = open_person()
    page = viewer.sign_in("monitoring")
    seen = {"landing": page.url, "figures": page.locator(".figure").all_inner_texts(),
            "charts": page.locator("svg.chart").count(), "html": page.content()}
    viewer.shot("monitoring-1-figures")
    response = page.goto("/app/participants")
    seen["officer_page_status"] = response.status
    return seen


def change_password(person, current: str) -> None:
    for name, value in (("current_password", current), ("new_password", NEW_PASSWORD),
                        ("repeat_password", NEW_PASSWORD)):
        person.page.fill(f"[name={name}]", value)
    person.press("main button[type=submit]")


def refusals(open_person, other_participant, other_grant):
    """An officer of another district, forms without their CSRF token, a wrong password (at
    sign-in, and as the current one when changing it: the change made right ends the other session)."""
    here, elsewhere = open_person(), open_person()
    mine = here.sign_in("monitor-1")
    elsewhere.sign_in("monitor-1")
    baidoa = open_person()
    page = baidoa.sign_in("officer-b")
    seen = {"headers": {name: page.goto("/app/participants").headers.get(name) for name in SECURITY_HEADERS}}
    response = page.goto(f"/app/participants/{other_participant}")
    seen["participant"] = {"status": response.status, "text": page.locator("body").inner_text()}
    seen["grant_status"] = page.goto(f"/app/grants/{other_grant}").status
    seen["grant_form_status"] = page.goto(f"/app/participants/{other_participant}/grant").status
    form = {"full_name": "Forged Person", "phone": "+252 61 000 0000", "national_id": "X-1",
            "date_of_birth": "1990-01-01", "gender": "M", "district": "Baidoa", "languages": "so",
            "clearance_reference": "NSC-X", "consent_given_on": "2026-09-01", "consent": "yes"}
    seen["no_csrf"] = page.request.post("/app/enroll", form=form, max_redirects=0).status
    seen["wrong_csrf"] = page.request.post("/app/enroll", form={**form, "csrf_token": "0" * 64},
                                           max_redirects=0).status
    seen["sign_out_no_csrf"] = page.request.post("/app/sign-out", form={}, max_redirects=0).status
    stranger = open_person()
    seen["no_session"] = stranger.page.request.post("/app/enroll", form=form, max_redirects=0).status
    seen["no_session_page"] = stranger.page.goto("/app/participants").url
    stranger.sign_in("officer-b", "not the password")
    seen["wrong_password"] = {"url": stranger.page.url, "notice": stranger.notice()}
    stranger.shot("refused-sign-in")
    here.press("header a:text('Password')")
    change_password(here, "not the password")
    seen["wrong_current"] = mine.locator("#problem-current_password").inner_text()
    here.shot("refused-password")
    change_password(here, PASSWORD)
    seen["changed"] = here.notice()
    seen["elsewhere"], seen["here"] = elsewhere.page.goto("/app/figures").url, mine.goto("/app/figures").url
    return seen


if __name__ == "__main__":
    arguments = json.load(sys.stdin)
    base_url = arguments.pop("base_url")
    scenario = globals()[sys.argv[1]]
    json.dump(browse(base_url, lambda open_person: scenario(open_person, **arguments)), sys.stdout)
