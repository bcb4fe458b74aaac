"""The case file: the participant list (search, filters, paging) and one person's whole
case, gathered from each service's RPC; officers read personal data, notes and visits,
supervisors read the same case without them. The forms that move the case live in
case_forms.py."""

from services.enrollment.phases import NEXT, OPEN_PHASES
from services.gateway.routes import DISTRICT
from services.gateway.web.entrypoint import page
from services.gateway.web.forms import today
from shared.contracts import PHASES

READERS = {"officer", "supervisor"}
PER_PAGE = 25
ASSESSMENT_IN = {"ENTRY_ASSESSMENT": "ENTRY", "EXIT_ASSESSMENT": "EXIT"}


def _filters(args, user) -> dict:
    """The list's query from the page's address; an officer's district is their own."""
    consent = {"active": True, "withdrawn": False}.get(args.get("consent", ""))
    query = {"text": args.get("q", "").strip() or None, "phase": args.get("phase") or None,
             "cohort_id": args.get("cohort_id") or None, "consent_active": consent,
             "district": user.district if user.role == "officer" else (args.get("district", "").strip() or None)}
    return {name: value for name, value in query.items() if value is not None}


def day_inside(cohort: dict) -> str:
    """The default date of a cohort's record: today while it runs, its last day once it is over."""
    return min(today(), cohort["ends_on"]) if cohort["starts_on"] <= today() else cohort["starts_on"]


class CasePages:
    """Mixed into the gateway service; uses its enrollment, livelihoods and mentorship proxies."""

    def _names(self, participants: list[dict]) -> dict:
        """Full names for an officer's own page body (never in a URL), all in one call."""
        return self.enrollment.full_names([p["participant_id"] for p in participants]) if participants else {}

    @page("GET", "/app/participants", roles=READERS, scope=DISTRICT)
    def page_participants(self, view):
        officer = view.user.role == "officer"
        number = max(view.request.args.get("page", 1, type=int), 1)
        query = _filters(view.request.args, view.user)
        people = self.enrollment.find_participants(
            {**query, "limit": PER_PAGE + 1, "offset": (number - 1) * PER_PAGE}, officer and bool(query.get("district")))
        shown = people[:PER_PAGE]
        cohorts = self.enrollment.list_cohorts(view.user.district if officer else query.get("district"))
        asked = {name: value for name, value in view.request.args.items() if name != "page" and value}
        return view.show("participants.html", people=shown, names=self._names(shown) if officer else {},
                         number=number, more=len(people) > PER_PAGE, phases=PHASES, cohorts=cohorts, asked=asked,
                         holds=self.enrollment.list_holds(view.user.district) if officer else [])

    @page("GET", "/app/participants/<participant_id>", roles=READERS, scope=DISTRICT)
    def page_participant(self, view, participant_id):
        """The case file. Personal data, notes, visits and the payment account for officers only."""
        officer = view.user.role == "officer"
        participant = self._participant(view.user, participant_id, with_personal_data=officer)
        courses = self.enrollment.attendance_summary(participant_id)
        cohorts = self.enrollment.list_cohorts(participant["district"]) if officer else []
        seated = {course["cohort_id"] for course in courses if course["status"] != "LEFT"}
        dates = {cohort["cohort_id"]: cohort for cohort in cohorts}
        return view.show(
            "case_file.html", participant=participant, officer=officer, courses=courses,
            case=self.enrollment.case_history(participant_id),
            consent=self.enrollment.consent_history(participant_id),
            private=self.enrollment.case_notes(participant_id) if officer else None,
            payment=self.enrollment.get_payment_account(participant_id) if officer else None,
            record=self.livelihoods.participant_record(participant_id),
            offers=self.mentorship.mentee_offers(participant_id),
            open_cohorts=[c for c in cohorts if c["state"] != "FINISHED" and c["cohort_id"] not in seated],
            completion_days={cid: day_inside(dates[cid]) for cid in seated if cid in dates},
            next_phases=[p for p in (NEXT.get(participant["phase"]),
                                     "WITHDRAWN" if participant["phase"] in OPEN_PHASES else None) if p],
            assessment_kind=ASSESSMENT_IN.get(participant["phase"]),
            partners=[p for p in self.livelihoods.list_partners() if participant["district"] in p.get("districts", [])]
            if officer else [],
            today=today())
