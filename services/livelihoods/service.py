"""Livelihoods service: nameko entrypoints only; the rules live in the plain modules."""
from nameko.rpc import rpc

from services.livelihoods import attendance, eligibility, grants, programmes, projections
from services.livelihoods.models import Base
from services.livelihoods.schemas import CreateApplication, CreateProgramme, Decision
from shared.handlers import on_event
from shared.store import Store
from shared.validation import parse


class LivelihoodsService:
    name = "livelihoods"
    db = Store(Base.metadata)

    @rpc
    def create_programme(self, data, actor):
        command = parse(CreateProgramme, data)
        with self.db.session.begin():
            programme = programmes.create(self.db.session, command, actor, self.db.emit)
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
    def create_application(self, data, actor):
        command = parse(CreateApplication, data)
        with self.db.session.begin():
            application = grants.create(self.db.session, command, actor)
            return grants.describe(self.db.session, application)

    @rpc
    def get_application(self, application_id):
        with self.db.session.begin():
            application = grants.load(self.db.session, application_id)
            return {**grants.describe(self.db.session, application),
                    "eligibility": grants.explain(self.db.session, application)}

    @rpc
    def submit_application(self, application_id, actor):
        with self.db.session.begin():
            return grants.describe(self.db.session, grants.submit(self.db.session, application_id, actor))

    @rpc
    def approve_application(self, application_id, actor, role):
        with self.db.session.begin():
            application = grants.approve(self.db.session, application_id, actor, role)
            return grants.describe(self.db.session, application)

    @rpc
    def reject_application(self, application_id, data, actor):
        command = parse(Decision, data)
        with self.db.session.begin():
            application = grants.reject(self.db.session, application_id, actor, command.reason)
            return grants.describe(self.db.session, application)

    @rpc
    def release_application(self, application_id, actor):
        with self.db.session.begin():
            grants.release(self.db.session, application_id, actor, self.db.emit)
            return grants.describe(self.db.session, grants.load(self.db.session, application_id))

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

    @on_event("enrollment", "attendance.recorded")
    def on_attendance_recorded(self, body):
        return self.db.apply_once(body, "livelihoods.attendance_recorded", attendance.recorded)

    @on_event("ledger", "disbursement.completed")
    def on_disbursement_completed(self, body):
        self.db.apply_once(body, "livelihoods.disbursement_completed", grants.settled)

    @on_event("ledger", "disbursement.failed")
    def on_disbursement_failed(self, body):
        self.db.apply_once(body, "livelihoods.disbursement_failed", grants.failed)
