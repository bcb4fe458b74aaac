"""Enrollment service: nameko entrypoints only; the rules live in the plain modules."""
from nameko.dependency_providers import Config
from nameko.rpc import rpc

from services.enrollment import coursework, participants
from services.enrollment.models import Base
from services.enrollment.pii import PiiVault
from services.enrollment.schemas import (ChangePhase, CreateCohort, CreateCourse, EnrollParticipant,
                                         JoinCohort, RecordAttendance, RecordCompletion)
from shared.store import Store
from shared.validation import parse


class EnrollmentService:
    name = "enrollment"
    db = Store(Base.metadata)
    config = Config()

    def _vault(self) -> PiiVault:
        return PiiVault(self.config["ENROLLMENT"]["pii_key"])

    @rpc
    def enroll_participant(self, data, actor):
        command = parse(EnrollParticipant, data)
        with self.db.session.begin():
            participant = participants.enroll(self.db.session, self._vault(), command, actor, self.db.emit)
        return participants.describe(participant)

    @rpc
    def get_participant(self, participant_id, with_personal_data=False):
        with self.db.session.begin():
            participant = participants.load(self.db.session, participant_id)
            return participants.describe(participant, self._vault() if with_personal_data else None)

    @rpc
    def change_phase(self, participant_id, data, actor):
        command = parse(ChangePhase, data)
        with self.db.session.begin():
            participant = participants.change_phase(
                self.db.session, participant_id, command.to_phase, actor, self.db.emit)
        return participants.describe(participant)

    @rpc
    def create_course(self, data):
        command = parse(CreateCourse, data)
        with self.db.session.begin():
            coursework.create_course(self.db.session, command)
        return command.model_dump()

    @rpc
    def create_cohort(self, data):
        command = parse(CreateCohort, data)
        with self.db.session.begin():
            cohort = coursework.create_cohort(self.db.session, command)
        return {"cohort_id": cohort.id, **command.model_dump(mode="json")}

    @rpc
    def join_cohort(self, cohort_id, data):
        command = parse(JoinCohort, data)
        with self.db.session.begin():
            member = coursework.join(self.db.session, cohort_id, command.participant_id)
        return {"cohort_id": cohort_id, "participant_id": member.participant_id, "status": member.status}

    @rpc
    def record_attendance(self, cohort_id, data, actor):
        command = parse(RecordAttendance, data)
        with self.db.session.begin():
            recorded = coursework.record_attendance(self.db.session, cohort_id, command, actor)
        return {"cohort_id": cohort_id, "session_date": command.session_date.isoformat(),
                "recorded": recorded}

    @rpc
    def record_completion(self, cohort_id, data):
        command = parse(RecordCompletion, data)
        with self.db.session.begin():
            member = coursework.record_completion(self.db.session, cohort_id, command, self.db.emit)
            held, attended = coursework.attendance_counts(self.db.session, cohort_id, member.participant_id)
        return {"cohort_id": cohort_id, "participant_id": member.participant_id,
                "result": member.result, "sessions_held": held, "sessions_attended": attended}
