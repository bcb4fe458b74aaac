"""The forms of an officer's case file: phase changes and assessments, consent withdrawn and
given again, personal data corrected, notes and follow-up visits, seats and completions, and
referrals to a microfinance partner. Each is the API's command and schema; the district
scope is checked on every record the form names before it runs."""
from services.enrollment import schemas as enrollment_schemas
from services.gateway.routes import DISTRICT
from services.gateway.web.entrypoint import page
from services.gateway.web.formats import N_, filters
from services.gateway.web.forms import command, optional, words
from services.livelihoods import referral_schemas
from shared.errors import ValidationFailed

OFFICER = {"officer"}
CASE = "/app/participants/<participant_id>"


def scores(text: str, gettext) -> dict:
    """One `factor: score` per line (0 none … 3 strong), e.g. `family support: 3`; `gettext` words a
    mistake in the page's language."""
    found = {}
    for line in filter(None, (raw.strip() for raw in text.splitlines())):
        name, separator, score = line.rpartition(":")
        if not separator or not name.strip() or not score.strip().isdigit():
            raise ValidationFailed(gettext(N_("'%(line)s': write each factor as 'factor: score' with a score from 0 "
                                              "to 3"), line=line[:60]))
        found[name.strip()] = int(score)
    return found


def case_form(path: str):
    """A form of the case file: officers only, back to the case file when refused."""
    return page("POST", CASE + path, roles=OFFICER, scope=DISTRICT, back=CASE)


class CaseForms:
    """Mixed into the gateway service; uses its enrollment and livelihoods proxies."""

    def _back_to_case(self, view, participant_id: str, message: str, **values):
        return view.then(f"/app/participants/{participant_id}", view.gettext(message, **values))

    def _label(self, view, code: str) -> str:
        """A code (a phase, a result) in the words the pages show it with."""
        return filters(view.language, view.gettext)["label"](code)

    @case_form("/phase")
    def form_change_phase(self, view, participant_id):
        data = command(enrollment_schemas.ChangePhase, {"to_phase": view.request.form.get("to_phase", "")})
        moved = self.enrollment.change_phase(participant_id, data, view.user.username)
        return self._back_to_case(view, participant_id, N_("The case moved to %(phase)s."),
                                  phase=self._label(view, moved["phase"]))

    @case_form("/assessments")
    def form_assessment(self, view, participant_id):
        form = view.request.form
        data = command(enrollment_schemas.RecordAssessment, {
            "kind": form.get("kind", ""), "assessed_on": form.get("assessed_on", ""),
            "needs": words(form.get("needs", "")), "risk_factors": scores(form.get("risk_factors", ""), view.gettext),
            "protective_factors": scores(form.get("protective_factors", ""), view.gettext),
            "livelihood_plan": form.get("livelihood_plan", "")})
        self.enrollment.record_assessment(participant_id, data, view.user.username)
        return self._back_to_case(view, participant_id, N_("Assessment recorded."))

    @case_form("/consent/withdraw")
    def form_withdraw_consent(self, view, participant_id):
        form = view.request.form
        data = command(enrollment_schemas.WithdrawConsent, {"withdrawn_on": form.get("withdrawn_on", ""),
                                                            "reason": form.get("reason", "")})
        self.enrollment.withdraw_consent(participant_id, data, view.user.username)
        return self._back_to_case(view, participant_id, N_("Consent withdrawn: no further payments or offers."))

    @case_form("/consent/renew")
    def form_renew_consent(self, view, participant_id):
        data = command(enrollment_schemas.RenewConsent, {"renewed_on": view.request.form.get("renewed_on", "")})
        self.enrollment.renew_consent(participant_id, data, view.user.username)
        return self._back_to_case(view, participant_id, N_("Consent given again: welcome back."))

    @case_form("/personal-data")
    def form_correct_personal_data(self, view, participant_id):
        """Only the fields typed are corrected; the gateway's audit row records the request."""
        form = view.request.form
        data = command(enrollment_schemas.CorrectPersonalData, {
            **{name: optional(form, name) for name in enrollment_schemas.PERSONAL_FIELDS},
            "reason": form.get("reason", "")})
        changed = self.enrollment.correct_personal_data(participant_id, data, view.user.username)["fields"]
        return self._back_to_case(view, participant_id, N_("Corrected: %(fields)s."),
                                  fields=", ".join(name.replace("_", " ") for name in changed))

    @case_form("/notes")
    def form_case_note(self, view, participant_id):
        form = view.request.form
        data = command(enrollment_schemas.AddCaseNote, {"kind": form.get("kind", ""),
                                                        "happened_on": form.get("happened_on", ""),
                                                        "text": form.get("text", "")})
        self.enrollment.add_case_note(participant_id, data, view.user.username)
        return self._back_to_case(view, participant_id, N_("Visit recorded.") if data["kind"] == "VISIT"
                                  else N_("Note added."))

    @case_form("/cohort")
    def form_join_cohort(self, view, participant_id):
        cohort_id = view.request.form.get("cohort_id", "")
        data = command(enrollment_schemas.JoinCohort, {"participant_id": participant_id})
        seat = self.enrollment.join_cohort(cohort_id, data)
        message = N_("Seated in %(cohort)s.") if seat["status"] == "ENROLLED" else \
            N_("The cohort %(cohort)s is full: on its waiting list.")
        return self._back_to_case(view, participant_id, message, cohort=cohort_id)

    @case_form("/completion")
    def form_completion(self, view, participant_id):
        form = view.request.form
        data = command(enrollment_schemas.RecordCompletion, {
            "participant_id": participant_id, "result": form.get("result", ""),
            "score": optional(form, "score"), "completed_on": form.get("completed_on", "")})
        done = self.enrollment.record_completion(form.get("cohort_id", ""), data)
        return self._back_to_case(view, participant_id, N_("Completion recorded in %(cohort)s: %(result)s."),
                                  cohort=done["cohort_id"], result=self._label(view, done["result"]))

    @case_form("/referral")
    def form_referral(self, view, participant_id):
        """Only with the participant's consent to share their data with that partner."""
        form = view.request.form
        if form.get("share") != "yes":
            raise ValidationFailed(view.gettext(N_("a referral needs the participant's consent to share their data "
                                                   "with the partner: tick the consent box")))
        partner, _, product = form.get("offer", "").partition("|")
        data = command(referral_schemas.CreateReferral, {
            "participant_id": participant_id, "partner": partner, "product": product,
            "trade": form.get("trade", ""), "data_sharing_consent": {"given_on": form.get("given_on", "")}})
        referral = self.livelihoods.create_referral(data, view.user.username)
        return view.then(f"/app/referrals/{referral['referral_id']}",
                         view.gettext(N_("Referred to %(partner)s."), partner=partner))
