"""The officer's daily work: enrollment and a cohort's attendance; the participant list, the
case file, holds, referrals and mentorship come from their own page modules, mixed in here."""
from services.enrollment import schemas as enrollment_schemas
from services.gateway.accounts import in_district
from services.gateway.routes import DISTRICT
from services.gateway.web.case_forms import CaseForms
from services.gateway.web.case_pages import CasePages, day_inside
from services.gateway.web.entrypoint import page
from services.gateway.web.formats import N_
from services.gateway.web.forms import command, optional, today, words
from services.gateway.web.hold_pages import HoldPages
from services.gateway.web.mentorship_pages import MentorshipPages
from services.gateway.web.referral_pages import ReferralPages
from shared.errors import Forbidden, ValidationFailed

OFFICER = {"officer"}


class OfficerPages(CasePages, CaseForms, HoldPages, ReferralPages, MentorshipPages):
    """Mixed into the gateway service; uses its `enrollment` and `livelihoods` RPC proxies."""

    @page("GET", "/app/enroll", roles=OFFICER)
    def page_enroll(self, view):
        return view.show("enroll.html", today=today())

    @page("POST", "/app/enroll", roles=OFFICER)
    def form_enroll(self, view):
        form = view.request.form
        if form.get("consent") != "yes":
            raise ValidationFailed(view.gettext(N_("enrollment needs the participant's consent: tick the consent box")))
        data = command(enrollment_schemas.EnrollParticipant, {
            "full_name": form.get("full_name", ""), "phone": form.get("phone", ""),
            "national_id": form.get("national_id", ""), "date_of_birth": form.get("date_of_birth", ""),
            "gender": form.get("gender", ""), "district": view.user.district or form.get("district", ""),
            "languages": words(form.get("languages", "")),
            "livelihood_interest": optional(form, "livelihood_interest"),
            "clearance_reference": form.get("clearance_reference", ""),
            "consent": {"given_on": form.get("consent_given_on", "")}})
        in_district(view.user, data["district"])
        outcome = self.enrollment.enroll_participant(data, view.user.username)
        if outcome["status"] == "CREATED":
            return view.then(f"/app/participants/{outcome['participant_id']}",
                             view.gettext(N_("Enrolled as %(participant)s."), participant=outcome["participant_id"]))
        return view.then(f"/app/holds/{outcome['held_id']}",
                         view.gettext(N_("Held as a possible duplicate (%(held)s): compare the two and resolve "
                                         "it before this person is enrolled."), held=outcome["held_id"]),
                         problem=True)

    def _seated(self, user, cohort_id: str) -> list[dict]:
        """The cohort's seated participants from this officer's district, each with their
        attendance so far in it: two calls whatever the cohort's size."""
        members = self.enrollment.search_participants({"cohort_id": cohort_id, "district": user.district,
                                                       "limit": 500})
        sheet = self.enrollment.seated_attendance(cohort_id)
        return [{**member, "seat": sheet[member["participant_id"]]} for member in members
                if member["participant_id"] in sheet]

    @page("GET", "/app/attendance", roles=OFFICER, scope=DISTRICT)
    def page_attendance(self, view):
        """Pick a cohort from the district's list; the session date defaults to a day inside it."""
        cohorts = self.enrollment.list_cohorts(view.user.district)
        cohort_id = view.request.args.get("cohort_id", "").strip().upper()
        cohort = next((c for c in cohorts if c["cohort_id"] == cohort_id), None)
        members = self._seated(view.user, cohort_id) if cohort else []
        return view.show("attendance.html", cohorts=cohorts, cohort=cohort, cohort_id=cohort_id, members=members,
                         names=self._names(members), session_day=day_inside(cohort) if cohort else today())

    @page("POST", "/app/attendance/<cohort_id>", roles=OFFICER, scope=DISTRICT,
          back="/app/attendance?cohort_id=<cohort_id>")
    def form_attendance(self, view, cohort_id):
        """Everyone seated in the cohort from the officer's district is marked: ticked present, else absent."""
        seated = {member["participant_id"] for member in self._seated(view.user, cohort_id)}
        present = set(view.request.form.getlist("present"))
        if present - seated:
            raise Forbidden(view.gettext(N_("not seated in %(cohort)s from your district: %(participants)s"),
                                         cohort=cohort_id, participants=", ".join(sorted(present - seated))))
        data = command(enrollment_schemas.RecordAttendance, {
            "session_date": view.request.form.get("session_date", ""),
            "present": sorted(present), "absent": sorted(seated - present)})
        recorded = self.enrollment.record_attendance(cohort_id, data, view.user.username)
        return view.then(f"/app/attendance?cohort_id={cohort_id}", view.gettext(
            N_("Attendance of %(day)s recorded for %(count)s people."), day=recorded["session_date"],
            count=recorded["recorded"]))
