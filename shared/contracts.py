"""The events that cross service boundaries, one pydantic model per (type, version).

Events that leave enrollment carry pseudonymous participant ids only: no names,
phones, national ids or birth dates.
"""
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.events import contract

PHASES = ("ENTRY_ASSESSMENT", "REHABILITATION", "EXIT_ASSESSMENT", "AFTERCARE", "CLOSED", "WITHDRAWN")
Phase = Literal["ENTRY_ASSESSMENT", "REHABILITATION", "EXIT_ASSESSMENT", "AFTERCARE", "CLOSED", "WITHDRAWN"]
ParticipantId = Field(pattern=r"^P-[0-9A-Z]{6}$")


class Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


@contract("participant.enrolled")
class ParticipantEnrolled(Payload):
    participant_id: str = ParticipantId
    district: str
    gender: Literal["F", "M"]
    languages: list[str]
    livelihood_interest: str | None = None
    phase: Phase
    consent_active: bool
    enrolled_on: date
    # The birth year rounded down to five (1997 -> 1995): enough for mentor matching's age
    # distance, and far less identifying than a date of birth.
    birth_cohort: int | None = Field(default=None, ge=1900, le=2100, multiple_of=5)


@contract("case.phase_changed")
class PhaseChanged(Payload):
    participant_id: str = ParticipantId
    from_phase: Phase
    to_phase: Phase
    changed_by: str
    changed_at: datetime


@contract("course.completed")
class CourseCompleted(Payload):
    participant_id: str = ParticipantId
    cohort_id: str
    track: str
    result: Literal["PASS", "FAIL"]
    score: Decimal | None = None
    sessions_held: int = Field(ge=0)
    sessions_attended: int = Field(ge=0)
    completed_on: date


@contract("programme.created")
class ProgrammeCreated(Payload):
    programme: str
    donor: str
    currency: str


@contract("disbursement.requested")
class DisbursementRequested(Payload):
    disbursement_id: str
    idempotency_key: str
    participant_id: str = ParticipantId
    programme: str
    kind: Literal["GRANT", "ALLOWANCE"]
    amount: Decimal = Field(gt=0, decimal_places=2)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    reference: str
    cycle: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")  # the payment cycle, if any


@contract("disbursement.completed")
class DisbursementCompleted(Payload):
    disbursement_id: str
    idempotency_key: str
    rail_reference: str
    amount: Decimal
    currency: str
    repeat: bool = False  # the ledger answering again what it already answered: news to nobody


@contract("disbursement.failed")
class DisbursementFailed(Payload):
    disbursement_id: str
    idempotency_key: str
    reason: str
    repeat: bool = False  # as for DisbursementCompleted; a reversal of a payment is not a repeat


@contract("consent.withdrawn")
class ConsentWithdrawn(Payload):
    """Participation is voluntary: from now on no payment, tranche or mentor offer.
    The reason stays in enrollment (it may be sensitive)."""
    participant_id: str = ParticipantId
    withdrawn_on: date
    recorded_by: str


@contract("consent.renewed")
class ConsentRenewed(Payload):
    """Consent given again after a withdrawal: the person takes part again (payments,
    tranches and mentor offers are possible again under the usual conditions)."""
    participant_id: str = ParticipantId
    renewed_on: date
    recorded_by: str


@contract("attendance.recorded")
class AttendanceRecorded(Payload):
    """One session of one cohort, recorded (or corrected) in bulk; `recorded_at` orders a
    correction after the record it corrects, whatever order they are delivered in."""
    cohort_id: str
    track: str
    session_date: date
    present: list[str]
    absent: list[str]
    recorded_at: datetime


@contract("funding.received")
class FundingReceived(Payload):
    """Donor money the ledger recorded for a programme: what livelihoods may commit."""
    programme: str
    donor: str
    amount: Decimal = Field(gt=0, decimal_places=2)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    reference: str
    received_on: date


@contract("mentorship.match_accepted")
class MatchAccepted(Payload):
    """A mentor accepted a mentee: the mentorship starts (for livelihoods and M&E reports)."""
    offer_id: str
    participant_id: str = ParticipantId
    mentor_id: str
    district: str
    shared_trade: bool
    accepted_at: datetime


@contract("mentorship.match_ended")
class MatchEnded(Payload):
    """An accepted mentorship ended, and why; `sessions` is how many the mentor logged."""
    offer_id: str
    participant_id: str = ParticipantId
    mentor_id: str
    reason: Literal["CASE_CLOSED", "CASE_WITHDRAWN", "CONSENT_WITHDRAWN", "MENTOR_DEACTIVATED", "DO_NOT_MATCH"]
    sessions: int = Field(ge=0)
    ended_at: datetime


@contract("disbursement.requested", version=2)
class DisbursementsRequested(Payload):
    """Many disbursement commands in one message, as a payment cycle's release sends them:
    one event id for the chunk, while each item keeps its own idempotency key at the ledger.
    Version 2 of `disbursement.requested`, so it travels on the ledger's queue beside the
    single command (version 1), which grant tranches still send."""
    items: list[DisbursementRequested] = Field(min_length=1, max_length=1000)


@contract("disbursement.completed", version=2)
class DisbursementsCompleted(Payload):
    """Many of the ledger's answers in one message, as it posts a batch of the provider's
    results: one event id (one inbox row) for the chunk, each item a disbursement's answer
    with its own key and repeat flag, judged on its own by the consumer. Version 2 of
    `disbursement.completed`, so it travels on the same queue as the single answer."""
    items: list[DisbursementCompleted] = Field(min_length=1, max_length=1000)


@contract("disbursement.failed", version=2)
class DisbursementsFailed(Payload):
    """As `DisbursementsCompleted`, for payments the rail refused or reversed."""
    items: list[DisbursementFailed] = Field(min_length=1, max_length=1000)


def items_of(payload: BaseModel) -> list[BaseModel]:
    """What an event carries one by one: a chunk's items, or the single command or answer."""
    return list(payload.items) if isinstance(payload, (DisbursementsRequested, DisbursementsCompleted,
                                                       DisbursementsFailed)) else [payload]


def answers_in_chunks(answers: list[DisbursementCompleted | DisbursementFailed],
                      size: int = 500) -> list[DisbursementsCompleted | DisbursementsFailed]:
    """Answers as they travel from the ledger: completed and failed apart, up to `size` an
    event, each keeping its order."""
    events: list[DisbursementsCompleted | DisbursementsFailed] = []
    for single, chunk in ((DisbursementCompleted, DisbursementsCompleted), (DisbursementFailed, DisbursementsFailed)):
        mine = [answer for answer in answers if isinstance(answer, single)]
        events += [chunk(items=mine[start:start + size]) for start in range(0, len(mine), size)]
    return events
