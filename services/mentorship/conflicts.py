"""The do-not-match list: known conflicts between a participant and a mentor. The pair is
never matched again, and any offer between them is withdrawn (or the mentorship ended).
Why the two conflict stays with the officer: it is free text that can name people."""
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.mentorship import mentees, mentors, offers
from services.mentorship.models import DoNotMatch, Offer
from services.mentorship.schemas import DoNotMatchPair
from services.mentorship.timestamps import iso
from shared.errors import Conflict


def record(session: Session, command: DoNotMatchPair, actor: str, moment: datetime, emit) -> DoNotMatch:
    mentees.load(session, command.participant_id)
    mentors.load(session, command.mentor_id)
    if session.scalar(select(DoNotMatch.id).where(DoNotMatch.participant_id == command.participant_id,
                                                  DoNotMatch.mentor_id == command.mentor_id)) is not None:
        raise Conflict(f"{command.participant_id} and {command.mentor_id} are already on the do-not-match list")
    entry = DoNotMatch(participant_id=command.participant_id, mentor_id=command.mentor_id,
                       recorded_by=actor, recorded_at=moment)
    session.add(entry)
    offers.close(session, (Offer.participant_id == command.participant_id) & (Offer.mentor_id == command.mentor_id),
                 "on the do-not-match list", "DO_NOT_MATCH", moment, emit)
    return entry


def describe(entry: DoNotMatch) -> dict:
    return {"participant_id": entry.participant_id, "mentor_id": entry.mentor_id,
            "recorded_by": entry.recorded_by, "recorded_at": iso(entry.recorded_at)}
