"""Gateway: the HTTP JSON API. Each endpoint declares its roles and body; the work is an
RPC to the service that owns it."""
import base64
from importlib.metadata import version

from nameko.dependency_providers import Config
from shared.rpc import RpcProxy

from services.enrollment import schemas as enrollment_schemas
from services.gateway.models import Base
from services.gateway.openapi import document
from services.gateway import accounts, scope
from services.gateway.allowance_routes import AllowanceRoutes
from services.gateway.auth_routes import AuthRoutes
from services.gateway.grant_routes import GrantRoutes
from services.gateway.ledger_routes import LedgerRoutes
from services.gateway.mentorship_routes import MentorshipRoutes
from services.gateway.payee_routes import PayeeRoutes
from services.gateway.referral_routes import ReferralRoutes
from services.gateway.routes import DISTRICT, ROUTES, CsvUpload, Reply, api, body
from services.gateway.schemas import Health
from services.gateway.web.pages import WebPages
from shared.request_context import RequestContext
from shared.store import Store

STAFF = {"officer", "supervisor", "finance", "admin"}


class GatewayService(AllowanceRoutes, AuthRoutes, GrantRoutes, LedgerRoutes, MentorshipRoutes, PayeeRoutes,
                     ReferralRoutes, WebPages):
    name = "gateway"
    config = Config()
    request_context = RequestContext()
    db = Store(Base.metadata, races=accounts.RACES)
    enrollment = RpcProxy("enrollment")
    livelihoods = RpcProxy("livelihoods")
    ledger = RpcProxy("ledger")
    mentorship = RpcProxy("mentorship")

    @api("GET", "/health", response=Health)
    def health(self):
        """Liveness: the gateway answers."""
        return {"status": "ok"}

    @api("GET", "/openapi.json")
    def openapi(self):
        """This document."""
        return document(ROUTES, version("ddrr-livelihoods"))

    def _participant(self, user, participant_id, with_personal_data=False) -> dict:
        """The participant, if this user's district scope covers them (for the pages)."""
        scope.require(self, user, {"participant_id": participant_id})
        return self.enrollment.get_participant(participant_id, with_personal_data)

    @api("GET", "/participants", roles={"officer", "supervisor"}, query=enrollment_schemas.ParticipantQuery,
         scope=DISTRICT)
    def search_participants(self, user, query):
        """Participants by district, phase or cohort (an officer sees their district only)."""
        if user.role == "officer" and user.district:
            query = query.model_copy(update={"district": user.district})
        return self.enrollment.search_participants(body(query))

    @api("POST", "/participants", roles={"officer"}, body=enrollment_schemas.EnrollParticipant, status=201,
         also=(202,), scope=DISTRICT, creates="participant_id")
    def enroll_participant(self, user, data):
        """Enroll a participant with their consent: 201 with the pseudonymous id, or 202
        when the person may already be enrolled (held for an officer to resolve)."""
        outcome = self.enrollment.enroll_participant(body(data), user.username)
        return Reply(201 if outcome["status"] == "CREATED" else 202, outcome)

    @api("POST", "/participants/import", roles={"officer"}, body=CsvUpload, scope=DISTRICT)
    def import_participants(self, user, data):
        """Enroll many participants from a UTF-8 CSV file; answers a report per row."""
        return self.enrollment.import_participants(base64.b64encode(data).decode(), user.username,
                                                   user.district if user.role == "officer" else None)

    @api("GET", "/participants/<participant_id>", roles={"officer", "supervisor"}, scope=DISTRICT)
    def get_participant(self, user, participant_id):
        """A participant; personal data only for officers."""
        return self.enrollment.get_participant(participant_id, user.role == "officer")

    @api("POST", "/participants/<participant_id>/phase", roles={"officer"}, body=enrollment_schemas.ChangePhase,
         scope=DISTRICT)
    def change_phase(self, user, data, participant_id):
        """Move a case to its next phase (or WITHDRAWN)."""
        return self.enrollment.change_phase(participant_id, body(data), user.username)

    @api("POST", "/participants/<participant_id>/assessments", roles={"officer"},
         body=enrollment_schemas.RecordAssessment, status=201, scope=DISTRICT)
    def record_assessment(self, user, data, participant_id):
        """Record the entry or exit assessment: needs, scored risk and protective factors, plan."""
        return self.enrollment.record_assessment(participant_id, body(data), user.username)

    @api("POST", "/participants/<participant_id>/consent/withdraw", roles={"officer"},
         body=enrollment_schemas.WithdrawConsent, scope=DISTRICT)
    def withdraw_consent(self, user, data, participant_id):
        """Record that the participant withdrew consent; payments and offers stop."""
        return self.enrollment.withdraw_consent(participant_id, body(data), user.username)

    @api("GET", "/participants/<participant_id>/consent", roles={"officer", "supervisor"}, scope=DISTRICT)
    def consent_history(self, user, participant_id):
        """Every consent given and withdrawn."""
        return self.enrollment.consent_history(participant_id)

    @api("GET", "/participants/<participant_id>/attendance", roles={"officer", "supervisor"}, scope=DISTRICT)
    def attendance_summary(self, user, participant_id):
        """Attendance ratio per cohort and course."""
        return self.enrollment.attendance_summary(participant_id)

    @api("GET", "/holds", roles={"officer", "supervisor"}, scope=DISTRICT)
    def list_holds(self, user):
        """Enrollments held as possible duplicates (an officer sees their district's)."""
        return self.enrollment.list_holds(user.district if user.role == "officer" else None)

    @api("GET", "/holds/<held_id>", roles={"officer"}, scope=DISTRICT)
    def get_hold(self, user, held_id):
        """A held enrollment beside its candidates, with the personal data to compare."""
        return self.enrollment.get_hold(held_id, True, user.district)

    @api("POST", "/holds/<held_id>/resolve", roles={"officer"}, body=enrollment_schemas.ResolveHeld, scope=DISTRICT)
    def resolve_hold(self, user, data, held_id):
        """LINK to the existing participant, or confirm a DIFFERENT person (then enrolled)."""
        return self.enrollment.resolve_hold(held_id, body(data), user.username)

    @api("POST", "/courses", roles={"admin"}, body=enrollment_schemas.CreateCourse, status=201)
    def create_course(self, user, data):
        """Add a course to the catalogue."""
        return self.enrollment.create_course(body(data))

    @api("POST", "/cohorts", roles={"admin", "officer"}, body=enrollment_schemas.CreateCohort, status=201,
         scope=DISTRICT, creates="cohort_id")
    def create_cohort(self, user, data):
        """Open a cohort (one offering of a course)."""
        return self.enrollment.create_cohort(body(data))

    @api("POST", "/cohorts/<cohort_id>/members", roles={"officer"}, body=enrollment_schemas.JoinCohort, status=201,
         scope=DISTRICT)
    def join_cohort(self, user, data, cohort_id):
        """Seat a participant in a cohort, or waitlist them when it is full."""
        return self.enrollment.join_cohort(cohort_id, body(data))

    @api("POST", "/cohorts/<cohort_id>/leave", roles={"officer"}, body=enrollment_schemas.LeaveCohort,
         scope=DISTRICT)
    def leave_cohort(self, user, data, cohort_id):
        """Take a participant out of a cohort; the first on the waitlist takes the seat."""
        return self.enrollment.leave_cohort(cohort_id, body(data))

    @api("POST", "/cohorts/<cohort_id>/attendance", roles={"officer"}, body=enrollment_schemas.RecordAttendance,
         scope=DISTRICT)
    def record_attendance(self, user, data, cohort_id):
        """Record one session's attendance for the whole cohort."""
        return self.enrollment.record_attendance(cohort_id, body(data), user.username)

    @api("POST", "/cohorts/<cohort_id>/completions", roles={"officer"}, body=enrollment_schemas.RecordCompletion,
         scope=DISTRICT)
    def record_completion(self, user, data, cohort_id):
        """Record a participant's result in a cohort."""
        return self.enrollment.record_completion(cohort_id, body(data))
