"""A case taken through the officer's pages in the browser, and the case file as a
supervisor reads it; run by name from tests/browser/scenarios.py like every scenario."""
import time


def _enroll(officer, person: dict) -> str:
    page = officer.page
    page.goto("/app/enroll")
    for field in ("full_name", "phone", "national_id", "date_of_birth", "clearance_reference"):
        page.fill(f"[name={field}]", person[field])
    page.select_option("[name=gender]", person["gender"])
    page.fill("[name=languages]", "so")
    page.fill("[name=livelihood_interest]", "tailoring")
    page.check("[name=consent]")
    officer.press("main button[type=submit]")
    return officer.notice()


def _until_eligible(officer, programme: str) -> str:
    """Eligibility follows enrollment's events: reload the grant form until it says so."""
    card = officer.page.locator(".card", has_text=programme)
    for _ in range(50):
        verdict = card.locator("p.pass, p.fail").inner_text()
        if verdict == "Eligible":
            return verdict
        time.sleep(0.3)
        officer.page.reload()
    return verdict


def officer_case(open_person, newcomer, lookalike, cohorts, programme, disbursing):
    """Enroll, resolve the look-alike, seat, attend, complete, assess and move the case, draft,
    revise and submit a grant, record a follow-up visit, refer, run a matching round."""
    officer = open_person()
    page = officer.sign_in("officer-k")
    seen = {"enrolled": _enroll(officer, newcomer)}
    pid = page.url.rsplit("/", 1)[1]
    case = f"/app/participants/{pid}"
    seen["held"] = _enroll(officer, lookalike)
    seen["hold_page"] = page.locator("main").inner_text()
    officer.shot("case-01-hold-side-by-side")
    page.check(f"input[value='LINK:{pid}']")
    officer.press("main button:text-is('Resolve')")
    seen["resolved"] = officer.notice()

    seen["seated"] = []
    for cohort in cohorts:
        page.select_option("select[name=cohort_id]", cohort)
        officer.press("button:text-is('Seat')")
        seen["seated"].append(officer.notice())
    officer.shot("case-02-seated")
    seen["attendance"] = []
    for cohort in cohorts:
        page.goto(f"/app/attendance?cohort_id={cohort}")
        page.check(f"input[value={pid}]")
        officer.press("text=Record attendance")
        seen["attendance"].append(officer.notice())
    page.goto(case)
    seen["completed"] = []
    for cohort in cohorts:
        officer.press(f"tr:has-text('{cohort}') >> button:text('Record completion')")
        seen["completed"].append(officer.notice())

    page.fill("[name=needs]", "income, literacy")
    page.fill("[name=risk_factors]", "peer pressure: 2")
    page.fill("[name=protective_factors]", "family support: 3")
    page.fill("[name=livelihood_plan]", "Tailoring: train, then open a stall")
    officer.shot("case-03-entry-assessment")
    officer.press("text=Record the assessment")
    seen["assessed"] = officer.notice()
    seen["moved"] = []
    for phase in ("REHABILITATION", "EXIT_ASSESSMENT"):
        page.select_option("[name=to_phase]", phase)
        officer.press("button:text-is('Move')")
        seen["moved"].append(officer.notice())
    officer.shot("case-04-case-file")

    officer.press("text=Check eligibility and apply for a grant")
    seen["eligibility"] = _until_eligible(officer, programme)
    page.fill("[name=amount]", "350.00")
    page.fill("[name=trade]", "tailoring")
    page.fill("[name=summary]", "A tailoring stall in Kismayo market")
    page.fill("[name=budget_lines]", "sewing machine: 300.00\nfabric: 50.00")
    officer.press("text=Save draft")
    seen["application"] = page.url.rsplit("/", 1)[1]
    page.fill("[name=amount]", "380.00")
    page.fill("[name=budget_lines]", "sewing machine: 300.00\nfabric: 50.00\nstall fee: 30.00")
    officer.shot("case-05-grant-revision")
    officer.press("text=Save the revision")
    seen["revised"] = officer.notice()
    officer.press("text=Submit for approval")
    seen["submitted"] = officer.notice()

    page.goto(f"/app/grants/{disbursing}")
    page.fill("[name=note]", "The stall is open; two customers seen")
    officer.shot("case-06-follow-up")
    officer.press("text=Record the visit")
    seen["followed_up"] = officer.notice()

    page.goto(case)
    page.check("[name=share]")
    officer.press("main button:text-is('Refer')")
    seen["referred"] = officer.notice()
    seen["referral"] = page.url.rsplit("/", 1)[1]
    officer.press("text=Printable letter")
    seen["letter"] = page.locator("pre.letter").inner_text()
    officer.shot("case-07-referral-letter")

    page.goto("/app/mentorship")
    officer.press("text=Run a matching round for everyone waiting")
    seen["round"] = page.url.rsplit("/", 1)[1]
    officer.shot("case-08-matching-round")
    officer.press("text=Send every draft")
    seen["sent"] = officer.notice()
    seen["participant_id"] = pid
    return seen


def supervisor_reads_case(open_person, participant_id):
    supervisor = open_person()
    supervisor.sign_in("supervisor")
    response = supervisor.page.goto(f"/app/participants/{participant_id}")
    supervisor.shot("case-09-supervisor-reads")
    return {"status": response.status, "html": supervisor.page.content()}
