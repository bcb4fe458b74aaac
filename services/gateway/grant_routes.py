"""Grant programmes, applications, funding and the approval queue at the HTTP edge."""
from pydantic import BaseModel, ConfigDict, Field

from services.gateway import scope
from services.gateway.routes import DISTRICT, api, body
from services.gateway.schemas import Empty
from services.livelihoods import schemas as livelihoods_schemas
from shared.fields import PastDate, Text
from shared.money import Amount

STAFF = {"officer", "supervisor", "finance", "admin"}
DECIDERS = {"officer", "supervisor"}


class FundingReceipt(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    amount: Amount
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    reference: Text(3, 60)
    received_on: PastDate


class GrantRoutes:
    """Mixed into the gateway service; uses its `livelihoods` and `ledger` RPC proxies."""

    def _application(self, user, application_id) -> dict:
        """The application, if this user's district scope covers it (for the pages)."""
        scope.require(self, user, {"application_id": application_id})
        return self.livelihoods.get_application(application_id)

    @api("POST", "/programmes", roles={"admin"}, body=livelihoods_schemas.CreateProgramme, status=201)
    def create_programme(self, user, data):
        """Create a grant programme: conditions as data, tranches, approval tiers, budget."""
        return self.livelihoods.create_programme(body(data), user.username)

    @api("GET", "/programmes", roles=STAFF | {"monitoring"})
    def list_programmes(self, user):
        """All grant programmes."""
        return self.livelihoods.list_programmes()

    @api("GET", "/programmes/<programme>/budget", roles={"finance", "supervisor", "admin", "monitoring"})
    def programme_budget(self, user, programme):
        """Funded, committed and available money of a programme."""
        return self.livelihoods.budget(programme)

    @api("POST", "/programmes/<programme>/funding", roles={"finance"}, body=FundingReceipt, status=201)
    def record_funding(self, user, data, programme):
        """Record donor funding received (posted to the ledger; the budget follows)."""
        return self.ledger.post_funding({**body(data), "programme": programme})

    @api("GET", "/programmes/<programme>/eligibility/<participant_id>", roles=DECIDERS, scope=DISTRICT)
    def eligibility(self, user, programme, participant_id):
        """Every condition of the programme for this participant, with pass/fail and why."""
        return self.livelihoods.eligibility(programme, participant_id)

    @api("GET", "/grants", roles={"officer", "supervisor", "finance"}, query=livelihoods_schemas.ApplicationQuery,
         scope=DISTRICT)
    def approval_queue(self, user, query):
        """Applications by status, district, programme and tier (an officer: their district)."""
        if user.role == "officer" and user.district:
            query = query.model_copy(update={"district": user.district})
        return self.livelihoods.approval_queue(body(query))

    @api("POST", "/grants", roles={"officer"}, body=livelihoods_schemas.CreateApplication, status=201,
         scope=DISTRICT, creates="application_id")
    def create_application(self, user, data):
        """Draft a grant application with its business plan."""
        return self.livelihoods.create_application(body(data), user.username)

    @api("GET", "/grants/<application_id>", roles={"officer", "supervisor", "finance"}, scope=DISTRICT)
    def get_application(self, user, application_id):
        """An application with its eligibility explanation, approvals, tranches and history."""
        return self.livelihoods.get_application(application_id)

    @api("POST", "/grants/<application_id>/revise", roles={"officer"}, body=livelihoods_schemas.Revision,
         scope=DISTRICT)
    def revise_application(self, user, data, application_id):
        """Change the amount or business plan of a draft or returned application."""
        return self.livelihoods.revise_application(application_id, body(data), user.username)

    @api("POST", "/grants/<application_id>/submit", roles={"officer"}, body=Empty, scope=DISTRICT)
    def submit_application(self, user, data, application_id):
        """Submit for approval (refused, with reasons, when not eligible)."""
        return self.livelihoods.submit_application(application_id, user.username)

    @api("POST", "/grants/<application_id>/approve", roles=DECIDERS, body=Empty, scope=DISTRICT)
    def approve_application(self, user, data, application_id):
        """Approve another officer's application, as one of the roles its tier needs."""
        return self.livelihoods.approve_application(application_id, user.username, user.role)

    @api("POST", "/grants/<application_id>/reject", roles=DECIDERS, body=livelihoods_schemas.Decision,
         scope=DISTRICT)
    def reject_application(self, user, data, application_id):
        """Reject another officer's application with a reason."""
        return self.livelihoods.reject_application(application_id, body(data), user.username, user.role)

    @api("POST", "/grants/<application_id>/return", roles=DECIDERS, body=livelihoods_schemas.Decision,
         scope=DISTRICT)
    def return_application(self, user, data, application_id):
        """Send an application back to its maker for revision, with a reason."""
        return self.livelihoods.return_application(application_id, body(data), user.username, user.role)

    @api("POST", "/grants/<application_id>/cancel", roles=DECIDERS, body=livelihoods_schemas.Decision,
         scope=DISTRICT)
    def cancel_application(self, user, data, application_id):
        """Cancel before any money moves (its maker or a supervisor)."""
        return self.livelihoods.cancel_application(application_id, body(data), user.username, user.role)

    @api("POST", "/grants/<application_id>/follow-up", roles={"officer"}, body=livelihoods_schemas.FollowUp,
         status=201, scope=DISTRICT)
    def record_follow_up(self, user, data, application_id):
        """Record a follow-up visit (a later tranche may need the business operating)."""
        return self.livelihoods.record_follow_up(application_id, body(data), user.username)

    @api("POST", "/grants/<application_id>/release", roles={"finance"}, body=Empty, status=202)
    def release_application(self, user, data, application_id):
        """Release the next tranche; the ledger's answer arrives as an event."""
        return self.livelihoods.release_application(application_id, user.username)
