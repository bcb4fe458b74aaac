"""Payment cycles at the HTTP edge (a month's allowances, or the grant tranches due): finance
prepares and, as another person, releases; supervisors and monitoring follow the progress.
Both kinds are read and released by the same `/allowances/cycles/{cycle_id}` operations."""
from pydantic import BaseModel, ConfigDict, Field

from services.gateway.routes import api, body
from services.gateway.schemas import Empty
from services.livelihoods.schemas import CODE, PageQuery, PrepareCycle, PrepareGrantCycle

READERS = {"finance", "supervisor", "monitoring"}


class CycleQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    programme: str | None = Field(default=None, pattern=CODE)


class AllowanceRoutes:
    """Mixed into the gateway service; uses its `livelihoods` RPC proxy."""

    @api("POST", "/allowances/cycles", roles={"finance"}, body=PrepareCycle, status=201, creates="cycle_id")
    def prepare_cycle(self, user, data):
        """Prepare a programme's allowance payments for a month (nothing is sent yet)."""
        return self.livelihoods.prepare_cycle(body(data), user.username)

    @api("POST", "/grants/cycles", roles={"finance"}, body=PrepareGrantCycle, status=201, creates="cycle_id")
    def prepare_grant_cycle(self, user, data):
        """Prepare the next tranche due of every approved or disbursing grant of a programme as
        one cycle (nothing is sent yet); released like any cycle, by another finance user."""
        return self.livelihoods.prepare_grant_cycle(body(data), user.username)

    @api("GET", "/allowances/cycles", roles=READERS, query=CycleQuery)
    def list_cycles(self, user, query):
        """Payment cycles of both kinds, newest month first, with their progress."""
        return self.livelihoods.list_cycles(query.programme)

    @api("GET", "/allowances/cycles/<cycle_id>", roles=READERS)
    def get_cycle(self, user, cycle_id):
        """A cycle's declared count and total, progress by status, and whether it is complete."""
        return self.livelihoods.get_cycle(cycle_id)

    @api("GET", "/allowances/cycles/<cycle_id>/payments", roles=READERS, query=PageQuery)
    def cycle_payments(self, user, query, cycle_id):
        """A page of the cycle's payments (of one `status`), after the `next` of the previous page."""
        return self.livelihoods.cycle_payments(cycle_id, query.model_dump(exclude_none=True))

    @api("GET", "/allowances/cycles/<cycle_id>/left-out", roles=READERS, query=PageQuery)
    def cycle_left_out(self, user, query, cycle_id):
        """A page of who the preparation left out (of one `code`), with the reason."""
        return self.livelihoods.cycle_left_out(cycle_id, query.model_dump(exclude_none=True))

    @api("POST", "/allowances/cycles/<cycle_id>/release", roles={"finance"}, body=Empty, status=202)
    def release_cycle(self, user, data, cycle_id):
        """Send the cycle's payments (or those the rail refused) after checking the programme's
        available funds; never by who prepared it. Answers counts, never the payments."""
        return self.livelihoods.release_cycle(cycle_id, user.username)
