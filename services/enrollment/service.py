"""Enrollment service: nameko entrypoints only; the rules live in the plain modules."""
import base64
from datetime import datetime, timezone

import eventlet
from nameko.dependency_providers import Config
from shared.rpc import rpc
from nameko.timer import timer

from services.enrollment import (case, case_notes, cohort_list, consent, corrections, coursework, csv_import,
                                 finding, holds, name_check, names, participants, payment_accounts, stats)
from services.enrollment.models import Base
from services.enrollment.payment_schemas import ResolvePayees, SetPaymentAccount
from services.enrollment.pii import BlindIndex, PiiVault
from services.enrollment.schemas import (AddCaseNote, ChangePhase, CorrectPersonalData, CreateCohort, CreateCourse,
                                         EnrollParticipant, JoinCohort, LeaveCohort, ParticipantQuery,
                                         ParticipantSearch, RecordAssessment, RecordAttendance, RecordCompletion,
                                         RenewConsent, ResolveHeld, WithdrawConsent)
from shared.errors import Conflict, ValidationFailed
from shared.figures import FigureFilters
from shared.request_context import RequestContext
from shared.store import Store
from shared.validation import parse

RACES = {  # what the loser of a race is told, per table whose unique key it hit
    "courses": "this course was created by someone else at the same moment",
    "attendance": "someone else recorded this session's attendance at the same moment",
}


def _today():
    return datetime.now(timezone.utc).date()


def _now():
    return datetime.now(timezone.utc)


class EnrollmentService:
    name = "enrollment"
    db = Store(Base.metadata, races=RACES)
    config = Config()
    request_context = RequestContext()

    def _vault(self) -> PiiVault:
        return PiiVault(self.config["ENROLLMENT"]["pii_key"])

    def _index(self) -> BlindIndex:
        return BlindIndex(self.config["ENROLLMENT"]["blind_index_key"])

    @rpc
    def enroll_participant(self, data, actor):
        command = parse(EnrollParticipant, data)
        with self.db.transaction():
            outcome = participants.enroll(self.db.session, self._vault(), self._index(), command, actor,
                                          self.db.emit)
            if outcome.status in (participants.ALREADY_ENROLLED, participants.ALREADY_HELD):
                raise Conflict(f"already {outcome.status.split('_')[1].lower()}: "
                               f"{outcome.participant_id or outcome.held_id}")
            if outcome.status == participants.CREATED:
                return {"status": outcome.status, **participants.describe(
                    participants.load(self.db.session, outcome.participant_id))}
            return outcome.as_dict()

    @rpc
    def import_participants(self, csv_base64, actor, district=None):
        try:
            data = base64.b64decode(csv_base64, validate=True)
        except ValueError:
            raise ValidationFailed("the CSV must be sent base64-encoded") from None
        reports = csv_import.import_rows(self.db.transaction, self._vault(), self._index(), data, actor,
                                         self.db.emit, district, pause=lambda: eventlet.sleep(0))
        return csv_import.summary(reports)

    @rpc
    def search_participants(self, query):
        command = parse(ParticipantQuery, query)
        with self.db.transaction():
            return [participants.describe(p) for p in participants.search(self.db.session, command)]

    @rpc
    def get_participant(self, participant_id, with_personal_data=False):
        with self.db.transaction():
            participant = participants.load(self.db.session, participant_id)
            return participants.describe(participant, self._vault() if with_personal_data else None)

    @rpc
    def participant_districts(self, participant_ids):
        """The district of each known participant among `participant_ids` (no personal data)."""
        with self.db.transaction():
            return participants.districts(self.db.session, list(participant_ids))

    @rpc
    def first_names(self, participant_ids):
        """Only the first names, for the mentor's offers: never the rest of the record."""
        with self.db.transaction():
            return names.first_names(self.db.session, self._vault(), list(participant_ids))

    @rpc
    def full_names(self, participant_ids):
        """Full names of a page of participants in one call, for an officer's list; no other field."""
        with self.db.transaction():
            return names.full_names(self.db.session, self._vault(), list(participant_ids))

    @rpc
    def change_phase(self, participant_id, data, actor):
        command = parse(ChangePhase, data)
        with self.db.transaction():
            participant = case.change_phase(self.db.session, participant_id, command.to_phase, actor, self.db.emit)
            return participants.describe(participant)

    @rpc
    def record_assessment(self, participant_id, data, actor):
        command = parse(RecordAssessment, data)
        with self.db.transaction():
            case.record_assessment(self.db.session, participant_id, command, actor, _today())
        return {"participant_id": participant_id, **command.model_dump(mode="json")}

    @rpc
    def withdraw_consent(self, participant_id, data, actor):
        command = parse(WithdrawConsent, data)
        with self.db.transaction():
            consent.withdraw(self.db.session, participant_id, command, actor, self.db.emit, _today())
            return consent.history(self.db.session, participant_id)

    @rpc
    def consent_history(self, participant_id):
        with self.db.transaction():
            return consent.history(self.db.session, participant_id)

    @rpc
    def renew_consent(self, participant_id, data, actor):
        """Consent given again after a withdrawal; a withdrawn case resumes."""
        command = parse(RenewConsent, data)
        with self.db.transaction():
            consent.renew(self.db.session, participant_id, command, actor, self.db.emit, _today())
            return consent.history(self.db.session, participant_id)

    @rpc
    def find_participants(self, query, by_name=False):
        """The participant list's page: filters and the search box (by name only when
        `by_name`, for callers allowed to read names; see finding.py)."""
        command = parse(ParticipantSearch, query)
        with self.db.transaction():
            found = finding.find(self.db.session, self._vault(), self._index(), command, by_name,
                                 pause=lambda: eventlet.sleep(0))
            return [participants.describe(p) for p in found]

    @rpc
    def case_history(self, participant_id):
        """Phase changes, assessments, which personal data fields were corrected and how many
        notes and visits there are: the case file without personal data."""
        with self.db.transaction():
            return {**case.history(self.db.session, participant_id),
                    "corrections": corrections.history(self.db.session, participant_id),
                    "note_counts": case_notes.counts(self.db.session, participant_id)}

    @rpc
    def case_notes(self, participant_id):
        """The notes and visits opened, with correction reasons: for officers only."""
        with self.db.transaction():
            return {"notes": case_notes.read(self.db.session, self._vault(), participant_id),
                    "corrections": corrections.history(self.db.session, participant_id, self._vault())}

    @rpc
    def add_case_note(self, participant_id, data, actor):
        command = parse(AddCaseNote, data)
        with self.db.transaction():
            note = case_notes.add(self.db.session, self._vault(), participant_id, command, actor, _today())
            return {"participant_id": participant_id, "kind": note.kind, "happened_on": note.happened_on.isoformat()}

    @rpc
    def correct_personal_data(self, participant_id, data, actor):
        """Answers the names of the fields that changed, never their values."""
        command = parse(CorrectPersonalData, data)
        with self.db.transaction():
            changed = corrections.correct(self.db.session, self._vault(), self._index(), participant_id, command,
                                          actor)
        return {"participant_id": participant_id, "fields": changed}

    @rpc
    def list_cohorts(self, district=None):
        with self.db.transaction():
            return cohort_list.listing(self.db.session, district, _today())

    @rpc
    def list_courses(self):
        with self.db.transaction():
            return cohort_list.courses(self.db.session)

    @rpc
    def list_holds(self, district=None):
        with self.db.transaction():
            return [holds.describe(h) for h in holds.open_holds(self.db.session, district)]

    @rpc
    def get_hold(self, held_id, with_personal_data=False, viewer_district=None):
        """With personal data: the submitted person's, and each candidate's whom an officer of
        `viewer_district` (None: every district) may see."""
        with self.db.transaction():
            held = holds.load(self.db.session, held_id)
            if with_personal_data:
                return holds.describe(held, self._vault(), self.db.session, viewer_district)
            return holds.describe(held)

    @rpc
    def resolve_hold(self, held_id, data, actor):
        command = parse(ResolveHeld, data)
        with self.db.transaction():
            return holds.resolve(self.db.session, self._vault(), held_id, command, actor, self.db.emit)

    @rpc
    def create_course(self, data):
        command = parse(CreateCourse, data)
        with self.db.transaction():
            coursework.create_course(self.db.session, command)
        return command.model_dump()

    @rpc
    def create_cohort(self, data):
        command = parse(CreateCohort, data)
        with self.db.transaction():
            cohort = coursework.create_cohort(self.db.session, command)
        return {"cohort_id": cohort.id, **command.model_dump(mode="json")}

    @rpc
    def get_cohort(self, cohort_id):
        """A cohort's course, district and dates (the gateway keeps officers to their district)."""
        with self.db.transaction():
            cohort = coursework.load_cohort(self.db.session, cohort_id)
            return {"cohort_id": cohort.id, "course_code": cohort.course_code, "district": cohort.district,
                    "starts_on": cohort.starts_on.isoformat(), "ends_on": cohort.ends_on.isoformat(),
                    "capacity": cohort.capacity}

    @rpc
    def join_cohort(self, cohort_id, data):
        command = parse(JoinCohort, data)
        with self.db.transaction():
            member = coursework.join(self.db.session, cohort_id, command.participant_id)
        return {"cohort_id": cohort_id, "participant_id": member.participant_id, "status": member.status}

    @rpc
    def leave_cohort(self, cohort_id, data):
        command = parse(LeaveCohort, data)
        with self.db.transaction():
            promoted = coursework.leave(self.db.session, cohort_id, command.participant_id)
        return {"cohort_id": cohort_id, "participant_id": command.participant_id, "status": coursework.LEFT,
                "promoted_from_waitlist": promoted}

    @rpc
    def record_attendance(self, cohort_id, data, actor):
        command = parse(RecordAttendance, data)
        with self.db.transaction():
            recorded = coursework.record_attendance(self.db.session, cohort_id, command, actor, self.db.emit)
        return {"cohort_id": cohort_id, "session_date": command.session_date.isoformat(),
                "recorded": recorded}

    @rpc
    def record_completion(self, cohort_id, data):
        command = parse(RecordCompletion, data)
        with self.db.transaction():
            member = coursework.record_completion(self.db.session, cohort_id, command, self.db.emit)
            held, attended = coursework.attendance_counts(self.db.session, cohort_id, member.participant_id)
        return {"cohort_id": cohort_id, "participant_id": member.participant_id,
                "result": member.result, "sessions_held": held, "sessions_attended": attended}

    @rpc
    def seated_attendance(self, cohort_id):
        """The cohort's attendance sheet: everyone seated, with sessions held and attended."""
        with self.db.transaction():
            return coursework.seated_attendance(self.db.session, cohort_id)

    @rpc
    def attendance_summary(self, participant_id):
        with self.db.transaction():
            return coursework.attendance_summary(self.db.session, participant_id)

    @rpc
    def set_payment_account(self, participant_id, data, actor):
        """Set or replace where a participant is paid (sealed); a changed account is unverified again."""
        command = parse(SetPaymentAccount, data)
        with self.db.transaction():
            payment_accounts.set_account(self.db.session, self._vault(), participant_id, command, actor, _now())
            return payment_accounts.describe(self.db.session, self._vault(), participant_id)

    @rpc
    def verify_payment_account(self, participant_id, actor):
        """The provider's name check of the account against the participant's name; no row is
        locked while the provider is asked, and nothing changes when it does not answer."""
        with self.db.transaction():
            check = payment_accounts.name_check_request(self.db.session, self._vault(), participant_id)
        answer = name_check.check(name_check.Settings.from_config(self.config), check.account, check.name)
        with self.db.transaction():
            payment_accounts.record_check(self.db.session, check, answer, actor, _now())
            return payment_accounts.describe(self.db.session, self._vault(), participant_id)

    @rpc
    def get_payment_account(self, participant_id):
        """The account masked, its verification and its history."""
        with self.db.transaction():
            return payment_accounts.describe(self.db.session, self._vault(), participant_id)

    @rpc
    def resolve_payees(self, participant_ids):
        """For the payment adapter only, at the moment of sending (contract: shared/payees.py):
        each id's verified account, or the reason to hold its payment."""
        command = parse(ResolvePayees, {"participant_ids": participant_ids})
        with self.db.transaction():
            return payment_accounts.resolve(self.db.session, self._vault(), command.participant_ids)

    @timer(interval=case.AFTERCARE_CHECK_SECONDS)
    def close_expired_aftercare(self):
        with self.db.transaction():
            return case.close_expired_aftercare(self.db.session, _today(), self.db.emit)

    @rpc
    def programme_figures(self, filters=None):
        """Counts for monitoring and evaluation, for a period and district: no ids, no names."""
        chosen = parse(FigureFilters, filters or {})
        with self.db.transaction():
            return {"enrolled": stats.enrolled(self.db.session, chosen),
                    "completions": stats.completions(self.db.session, chosen)}
