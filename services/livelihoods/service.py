"""Livelihoods service: nameko entrypoints only; the rules live in the plain modules."""
from datetime import datetime, timezone

from nameko.dependency_providers import Config
from shared.rpc import RpcProxy, rpc

from services.livelihoods import (allowances, attendance, budget, cycle_progress, eligibility, grant_cycles, grants,
                                  ledger_answers, ledger_deadline, participant_record, programmes, projections, stats, tranches)
from services.livelihoods.cycle_metrics import CycleMetrics
from services.livelihoods.models import Base
from services.livelihoods.referral_service import ReferralEntrypoints
from services.livelihoods.schemas import (ApplicationQuery, CreateApplication, CreateProgramme, Decision, FollowUp,
                                          PageQuery, PrepareCycle, PrepareGrantCycle, Revision)
from shared.batch_events import apply_batch, on_event_batch
from shared.errors import NotEligible
from shared.figures import FigureFilters
from shared.handlers import on_event
from shared.request_context import RequestContext
from shared.store import Store
from shared.validation import parse

INBOX = Base.metadata.tables["inbox"]
RACES = {  # what the loser of a race is told, per table whose unique key it hit
    "disbursements": "this tranche was released by someone else at the same moment",
    "allowance_entitlements": "someone else prepared the same participants' allowances for this month "
                              "at the same moment",
    "allowance_payments": "this cycle's payments were sent by someone else at the same moment",
}


class LivelihoodsService(ReferralEntrypoints):
    name = "livelihoods"
    db = Store(Base.metadata, races=RACES)
    config = Config()
    request_context = RequestContext()
    ledger = RpcProxy("ledger")  # its totals of a cycle tell whether the cycle is complete
    cycle_metrics = CycleMetrics()

    @rpc
    def create_programme(self, data, actor):
        command = parse(CreateProgramme, data)
        with self.db.transaction() as session:
            programme = programmes.create(session, command, actor, self.db.emit)
        return programmes.describe(programme)

    @rpc
    def list_programmes(self):
        with self.db.session.begin():
            return [programmes.describe(p) for p in programmes.all_programmes(self.db.session)]

    @rpc
    def eligibility(self, programme_code, participant_id):
        with self.db.session.begin():
            programme = programmes.load(self.db.session, programme_code)
            facts = eligibility.gather_facts(self.db.session, programme, participant_id)
            return {"participant_id": participant_id, **eligibility.evaluate(programme, facts)}

    @rpc
    def budget(self, programme_code):
        with self.db.session.begin():
            return budget.position(self.db.session, programmes.load(self.db.session, programme_code))

    @rpc
    def create_application(self, data, actor):
        command = parse(CreateApplication, data)
        with self.db.transaction() as session:
            return tranches.describe(session, grants.create(session, command, actor))

    @rpc
    def get_application(self, application_id):
        with self.db.session.begin():
            application = grants.load(self.db.session, application_id)
            return {**tranches.describe(self.db.session, application),
                    "eligibility": grants.explain(self.db.session, application),
                    "history": grants.history(self.db.session, application)}

    @rpc
    def participant_record(self, participant_id):
        """A participant's applications, payments and referrals, for their case file."""
        with self.db.session.begin():
            return participant_record.record(self.db.session, participant_id)

    @rpc
    def approval_queue(self, query):
        command = parse(ApplicationQuery, query)
        with self.db.session.begin():
            return [tranches.describe(self.db.session, a) for a in grants.queue(self.db.session, command)]

    @rpc
    def revise_application(self, application_id, data, actor):
        command = parse(Revision, data)
        with self.db.transaction() as session:
            return tranches.describe(session, grants.revise(session, application_id, command, actor))

    @rpc
    def submit_application(self, application_id, actor):
        with self.db.transaction() as session:
            return tranches.describe(session, grants.submit(session, application_id, actor))

    @rpc
    def approve_application(self, application_id, actor, role):
        with self.db.transaction() as session:
            return tranches.describe(session, grants.approve(session, application_id, actor, role))

    @rpc
    def reject_application(self, application_id, data, actor, role):
        command = parse(Decision, data)
        with self.db.transaction() as session:
            return tranches.describe(session, grants.reject(session, application_id, actor, role, command.reason))

    @rpc
    def return_application(self, application_id, data, actor, role):
        command = parse(Decision, data)
        with self.db.transaction() as session:
            return tranches.describe(session, grants.return_for_revision(
                session, application_id, actor, role, command.reason))

    @rpc
    def cancel_application(self, application_id, data, actor, role):
        command = parse(Decision, data)
        with self.db.transaction() as session:
            return tranches.describe(session, grants.cancel(session, application_id, actor, role, command.reason))

    @rpc
    def record_follow_up(self, application_id, data, actor):
        command = parse(FollowUp, data)
        with self.db.transaction() as session:
            tranches.record_follow_up(session, application_id, command, actor)
            return tranches.describe(session, grants.load(session, application_id))

    @rpc
    def release_application(self, application_id, actor):
        """Release the next tranche; a participant who no longer complies is paused (kept)
        and the release refused."""
        with self.db.transaction() as session:
            outcome = tranches.release(session, application_id, actor, self.db.emit)
            view = tranches.describe(session, grants.load(session, application_id))
        if outcome.paused_reason:
            raise NotEligible(f"paused, not paid: {outcome.paused_reason}")
        return view

    @rpc
    def prepare_cycle(self, data, actor):
        """Prepare a month's allowance payments: the declared count and total and how many were
        left out, by reason (the payments and the people left out are read a page at a time)."""
        command = parse(PrepareCycle, data)
        with self.db.transaction() as session:
            cycle = allowances.prepare(session, command, actor, datetime.now(timezone.utc).date(),
                                       self.config["LIVELIHOODS"]["allowance_grace_days"])
            return allowances.describe(session, cycle)

    @rpc
    def prepare_grant_cycle(self, data, actor):
        """Prepare the next tranche due of a programme's approved or disbursing grants as one
        cycle: its declared count and total and how many were left out, by reason."""
        command = parse(PrepareGrantCycle, data)
        with self.db.transaction() as session:
            cycle = grant_cycles.prepare(session, command, actor, datetime.now(timezone.utc).date())
            return allowances.describe(session, cycle)

    @rpc
    def get_cycle(self, cycle_id):
        """Progress by status, and whether the cycle is complete (the ledger is asked once no
        payment waits, for at most `ledger_timeout_seconds`: None, unknown, when it does not
        answer in time; a cycle found complete is marked so)."""
        with self.db.transaction() as session:
            cycle = allowances.load(session, cycle_id)
            seconds = self.config["LIVELIHOODS"]["ledger_timeout_seconds"]
            groups, verdict = cycle_progress.review(
                session, cycle, lambda: ledger_deadline.cycle_totals(self.ledger, cycle.id, seconds),
                datetime.now(timezone.utc))
            return allowances.describe(session, cycle, groups, verdict)

    @rpc
    def cycle_payments(self, cycle_id, query):
        page = parse(PageQuery, query)
        with self.db.session.begin():
            return allowances.payments_page(self.db.session, cycle_id, page)

    @rpc
    def cycle_left_out(self, cycle_id, query):
        page = parse(PageQuery, query)
        with self.db.session.begin():
            return allowances.left_out_page(self.db.session, cycle_id, page)

    @rpc
    def list_cycles(self, programme=None):
        with self.db.session.begin():
            return [allowances.describe(self.db.session, c) for c in allowances.all_cycles(self.db.session, programme)]

    @rpc
    def release_cycle(self, cycle_id, actor):
        """Send the cycle's payments in chunks; answers what was sent, never the payments."""
        with self.db.transaction() as session:
            cycle, released = allowances.release(session, cycle_id, actor, self.db.emit)
            return {**allowances.describe(session, cycle), "released": released}

    @on_event("enrollment", "participant.enrolled")
    def on_participant_enrolled(self, body):
        self.db.apply_once(body, "livelihoods.participant_enrolled", projections.participant_enrolled)

    @on_event("enrollment", "case.phase_changed")
    def on_phase_changed(self, body):
        self.db.apply_once(body, "livelihoods.phase_changed", projections.phase_changed)

    @on_event("enrollment", "course.completed")
    def on_course_completed(self, body):
        self.db.apply_once(body, "livelihoods.course_completed", projections.course_completed)

    @on_event("enrollment", "consent.withdrawn")
    def on_consent_withdrawn(self, body):
        return self.db.apply_once(body, "livelihoods.consent_withdrawn", projections.consent_withdrawn)

    @on_event("enrollment", "consent.renewed")
    def on_consent_renewed(self, body):
        return self.db.apply_once(body, "livelihoods.consent_renewed", projections.consent_renewed)

    @on_event("enrollment", "attendance.recorded")
    def on_attendance_recorded(self, body):
        return self.db.apply_once(body, "livelihoods.attendance_recorded", attendance.recorded)

    @on_event("mentorship", "mentorship.match_accepted")
    def on_match_accepted(self, body):
        self.db.apply_once(body, "livelihoods.match_accepted", projections.mentorship_started)

    @on_event("mentorship", "mentorship.match_ended")
    def on_match_ended(self, body):
        self.db.apply_once(body, "livelihoods.match_ended", projections.mentorship_ended)

    @on_event_batch("ledger", "disbursement.completed")
    def on_disbursement_completed(self, bodies):
        """The ledger's answers, one or a chunk to an event, many per commit (shared/batch_events.py)."""
        return apply_batch(self.db, INBOX, bodies, "livelihoods.disbursement_completed", ledger_answers.completed)

    @on_event_batch("ledger", "disbursement.failed")
    def on_disbursement_failed(self, bodies):
        return apply_batch(self.db, INBOX, bodies, "livelihoods.disbursement_failed", ledger_answers.failed)

    @on_event("ledger", "funding.received")
    def on_funding_received(self, body):
        return self.db.apply_once(body, "livelihoods.funding_received", budget.funding_received)

    @rpc
    def programme_figures(self, filters=None):
        """Grant and allowance money paid, summed for monitoring and evaluation (for a period,
        programme and district): no ids, no names."""
        chosen = parse(FigureFilters, filters or {})
        with self.db.session.begin():
            return {"paid": stats.paid(self.db.session, chosen)}
