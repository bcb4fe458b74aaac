"""The officer's daily work: participants of their district, enrollment, a cohort's attendance."""
from services.enrollment import schemas as enrollment_schemas
from services.gateway import scope
from services.gateway.accounts import in_district
from services.gateway.web.entrypoint import page
from services.gateway.web.forms import command, optional, today, words
from shared.errors import Forbidden, ValidationFailed

OFFICER = {"officer"}
PER_PAGE = 50


class OfficerPages:
    """Mixed into the gateway service; uses its `enrollment` and `livelihoods` RPC proxies."""

    def _names(self, participants: list[dict]) -> dict:
        """Full names for the officer's own page body (never in a URL)."""
        return {p["participant_id"]: self.enrollment.get_participant(p["participant_id"], True)["personal"]["full_name"]
                for p in participants}

    @page("GET", "/app/participants", roles=OFFICER)
    def page_participants(self, view):
        number = max(view.request.args.get("page", 1, type=int), 1)
        people = self.enrollment.search_participants({"district": view.user.district, "limit": PER_PAGE + 1,
                                                      "offset": (number - 1) * PER_PAGE})
        shown = people[:PER_PAGE]
        return view.show("participants.html", people=shown, names=self._names(shown), number=number,
                         more=len(people) > PER_PAGE)

    @page("GET", "/app/participants/<participant_id>", roles=OFFICER)
    def page_participant(self, view, participant_id):
        participant = self._participant(view.user, participant_id, with_personal_data=True)
        return view.show("participant.html", participant=participant,
                         courses=self.enrollment.attendance_summary(participant_id),
                         payment=self.enrollment.get_payment_account(participant_id))

    @page("POST", "/app/participants/<participant_id>/cohort", roles=OFFICER, back="/app/participants/<participant_id>")
    def form_join_cohort(self, view, participant_id):
        cohort_id = view.request.form.get("cohort_id", "").strip().upper()
        scope.require(self, view.user, {"participant_id": participant_id, "cohort_id": cohort_id})
        data = command(enrollment_schemas.JoinCohort, {"participant_id": participant_id})
        seat = self.enrollment.join_cohort(cohort_id, data)
        return view.then(f"/app/participants/{participant_id}", f"{participant_id}: {seat['status']} in {cohort_id}")

    @page("GET", "/app/enroll", roles=OFFICER)
    def page_enroll(self, view):
        return view.show("enroll.html", today=today())

    @page("POST", "/app/enroll", roles=OFFICER)
    def form_enroll(self, view):
        form = view.request.form
        if form.get("consent") != "yes":
            raise ValidationFailed("enrollment needs the participant's consent: tick the consent box")
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
                             f"Enrolled as {outcome['participant_id']}.")
        return view.then("/app/participants", f"Held as a possible duplicate ({outcome['held_id']}): compare and "
                                              f"resolve it before this person is enrolled.", problem=True)

    def _seated(self, user, cohort_id: str) -> list[dict]:
        """The cohort's seated participants from this officer's district, each with their
        attendance so far in it."""
        scope.require(self, user, {"cohort_id": cohort_id})
        members = self.enrollment.search_participants({"cohort_id": cohort_id, "district": user.district,
                                                       "limit": 500})
        seated = []
        for member in members:
            seat = next(c for c in self.enrollment.attendance_summary(member["participant_id"])
                        if c["cohort_id"] == cohort_id)
            if seat["status"] == "ENROLLED":
                seated.append({**member, "seat": seat})
        return seated

    @page("GET", "/app/attendance", roles=OFFICER)
    def page_attendance(self, view):
        cohort_id = view.request.args.get("cohort", "").strip().upper()
        members = self._seated(view.user, cohort_id) if cohort_id else []
        return view.show("attendance.html", cohort_id=cohort_id, members=members, names=self._names(members),
                         today=today())

    @page("POST", "/app/attendance/<cohort_id>", roles=OFFICER, back="/app/attendance?cohort=<cohort_id>")
    def form_attendance(self, view, cohort_id):
        """Everyone seated in the cohort from the officer's district is marked: ticked present, else absent."""
        seated = {member["participant_id"] for member in self._seated(view.user, cohort_id)}
        present = set(view.request.form.getlist("present"))
        if present - seated:
            raise Forbidden(f"not seated in {cohort_id} from your district: {', '.join(sorted(present - seated))}")
        data = command(enrollment_schemas.RecordAttendance, {
            "session_date": view.request.form.get("session_date", ""),
            "present": sorted(present), "absent": sorted(seated - present)})
        recorded = self.enrollment.record_attendance(cohort_id, data, view.user.username)
        return view.then(f"/app/attendance?cohort={cohort_id}",
                         f"Attendance of {recorded['session_date']} recorded for {recorded['recorded']} people.")
