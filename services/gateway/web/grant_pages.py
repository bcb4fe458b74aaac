"""Grant applications on the web: draft with the eligibility explanation, submit, and the
approval queue where another officer or a supervisor approves, rejects or returns."""
from services.gateway.routes import DISTRICT
from services.gateway.web.entrypoint import page
from services.gateway.web.formats import N_
from services.gateway.web.forms import budget_lines, command, today
from services.livelihoods import schemas as livelihoods_schemas

DECIDERS = {"officer", "supervisor"}
READERS = {"officer", "supervisor", "finance"}
GRANT_PAGE = "/app/grants/<application_id>"


class GrantPages:
    """Mixed into the gateway service; uses its `livelihoods` and `enrollment` RPC proxies."""

    @page("GET", "/app/participants/<participant_id>/grant", roles={"officer"}, scope=DISTRICT)
    def page_new_grant(self, view, participant_id):
        participant = self._participant(view.user, participant_id)
        programmes = self.livelihoods.list_programmes()
        reports = {p["code"]: self.livelihoods.eligibility(p["code"], participant_id) for p in programmes}
        return view.show("grant_new.html", participant=participant, programmes=programmes, reports=reports)

    @page("POST", "/app/participants/<participant_id>/grant", roles={"officer"}, scope=DISTRICT)
    def form_new_grant(self, view, participant_id):
        self._participant(view.user, participant_id)
        form = view.request.form
        programme = next((p for p in self.livelihoods.list_programmes() if p["code"] == form.get("programme")), {})
        data = command(livelihoods_schemas.CreateApplication, {
            "programme": form.get("programme", ""), "participant_id": participant_id,
            "amount": form.get("amount", "").strip(), "currency": programme.get("currency", ""),
            "business_plan": {"summary": form.get("summary", ""), "trade": form.get("trade", ""),
                              "budget_lines": budget_lines(form.get("budget_lines", ""), view.gettext)}})
        created = self.livelihoods.create_application(data, view.user.username)
        return view.then(f"/app/grants/{created['application_id']}",
                         view.gettext(N_("Draft saved. Submit it when it is ready.")))

    @page("GET", GRANT_PAGE, roles=READERS, scope=DISTRICT)
    def page_grant(self, view, application_id):
        return view.show("grant.html", grant=self._application(view.user, application_id), today=today())

    @page("POST", "/app/grants/<application_id>/submit", roles={"officer"}, scope=DISTRICT, back=GRANT_PAGE)
    def form_submit_grant(self, view, application_id):
        self._application(view.user, application_id)
        self.livelihoods.submit_application(application_id, view.user.username)
        return view.then(f"/app/grants/{application_id}", view.gettext(N_("Submitted for approval.")))

    @page("POST", "/app/grants/<application_id>/approve", roles=DECIDERS, scope=DISTRICT, back=GRANT_PAGE)
    def form_approve_grant(self, view, application_id):
        self._application(view.user, application_id)
        decided = self.livelihoods.approve_application(application_id, view.user.username, view.user.role)
        return view.then("/app/approvals", view.gettext(N_("%(application)s approved; it is now: %(status)s."),
                                                    application=application_id, status=view.label(decided["status"])))

    @page("POST", "/app/grants/<application_id>/reject", roles=DECIDERS, scope=DISTRICT, back=GRANT_PAGE)
    def form_reject_grant(self, view, application_id):
        self._application(view.user, application_id)
        decision = command(livelihoods_schemas.Decision, {"reason": view.request.form.get("reason", "")})
        self.livelihoods.reject_application(application_id, decision, view.user.username, view.user.role)
        return view.then("/app/approvals", view.gettext(N_("%(application)s rejected."), application=application_id))

    @page("POST", "/app/grants/<application_id>/return", roles=DECIDERS, scope=DISTRICT, back=GRANT_PAGE)
    def form_return_grant(self, view, application_id):
        self._application(view.user, application_id)
        decision = command(livelihoods_schemas.Decision, {"reason": view.request.form.get("reason", "")})
        self.livelihoods.return_application(application_id, decision, view.user.username, view.user.role)
        return view.then("/app/approvals", view.gettext(N_("%(application)s returned to its maker for revision."),
                                                    application=application_id))

    @page("POST", "/app/grants/<application_id>/revise", roles={"officer"}, scope=DISTRICT, back=GRANT_PAGE)
    def form_revise_grant(self, view, application_id):
        """A draft or returned application changed by its maker, then submitted again."""
        self._application(view.user, application_id)
        form = view.request.form
        data = command(livelihoods_schemas.Revision, {
            "amount": form.get("amount", "").strip(),
            "business_plan": {"summary": form.get("summary", ""), "trade": form.get("trade", ""),
                              "budget_lines": budget_lines(form.get("budget_lines", ""), view.gettext)}})
        self.livelihoods.revise_application(application_id, data, view.user.username)
        return view.then(f"/app/grants/{application_id}",
                         view.gettext(N_("Revised. Submit it again when it is ready.")))

    @page("POST", "/app/grants/<application_id>/cancel", roles=DECIDERS, scope=DISTRICT, back=GRANT_PAGE)
    def form_cancel_grant(self, view, application_id):
        self._application(view.user, application_id)
        decision = command(livelihoods_schemas.Decision, {"reason": view.request.form.get("reason", "")})
        self.livelihoods.cancel_application(application_id, decision, view.user.username, view.user.role)
        return view.then(f"/app/grants/{application_id}",
                         view.gettext(N_("%(application)s cancelled."), application=application_id))

    @page("POST", "/app/grants/<application_id>/follow-up", roles={"officer"}, scope=DISTRICT, back=GRANT_PAGE)
    def form_grant_follow_up(self, view, application_id):
        """The visit that confirms (or not) that the business operates, before a later tranche."""
        self._application(view.user, application_id)
        form = view.request.form
        data = command(livelihoods_schemas.FollowUp, {"visited_on": form.get("visited_on", ""),
                                                      "business_operating": form.get("business_operating") == "yes",
                                                      "note": form.get("note", "")})
        self.livelihoods.record_follow_up(application_id, data, view.user.username)
        return view.then(f"/app/grants/{application_id}", view.gettext(N_("Follow-up visit recorded.")))

    @page("GET", "/app/approvals", roles=DECIDERS)
    def page_approvals(self, view):
        district = view.user.district if view.user.role == "officer" else None
        queue = self.livelihoods.approval_queue({"status": "SUBMITTED", "district": district})
        mine = [application for status in ("DRAFT", "RETURNED")
                for application in self.livelihoods.approval_queue({"status": status, "district": district})
                if application["created_by"] == view.user.username]
        return view.show("approvals.html", queue=queue, mine=mine)
