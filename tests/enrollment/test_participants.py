"""Participants: encryption at rest, duplicates held (never merged), consent, phases."""
import sqlite3
from datetime import date, timedelta

import pytest

from services.enrollment import case, consent, holds, participants
from services.enrollment.pii import normalise_name, normalise_phone
from services.enrollment.schemas import RecordAssessment, ResolveHeld, WithdrawConsent
from shared.errors import Conflict, IllegalTransition, NotFound, ValidationFailed
from shared.validation import parse
from tests.enrollment.conftest import PERSON, TODAY

ASSESSMENT = {"kind": "ENTRY", "assessed_on": "2026-09-02", "needs": ["income"], "risk_factors": {"peers": 2},
              "protective_factors": {"family": 3}, "livelihood_plan": "Tailoring, then a market stall"}


def test_personal_data_is_encrypted_in_the_database_file(desk, db_url):
    pid = desk.enroll().participant_id
    path = db_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as raw:
        row = raw.execute("SELECT * FROM participants WHERE id = ?", (pid,)).fetchone()
    stored = " ".join(str(value) for value in row)
    for secret in ("Amina", "Warsame", "555 0101", "5550101", "554433", "1999-04-12", "NSC-2026-0412"):
        assert secret not in stored
    with open(path, "rb") as handle:
        stored_bytes = handle.read()
    assert b"Warsame" not in stored_bytes and b"NSC-2026-0412" not in stored_bytes
    assert "NSC" not in str(participants.describe(desk.do(participants.load, pid)))
    assert desk.do(participants.load, pid).pii.startswith("gAAAA")  # a Fernet token
    personal = participants.describe(desk.do(participants.load, pid), desk.vault)["personal"]
    assert (personal["national_id"], personal["clearance_reference"]) == (PERSON["national_id"], "NSC-2026-0412")
    [event] = desk.emitted("participant.enrolled")
    assert "Amina" not in event.model_dump_json() and event.participant_id == pid
    assert event.birth_cohort == 1995 and "1999" not in event.model_dump_json()  # born 1999-04-12: a band only


def test_normalisation():
    assert normalise_name("  Amína  Hassan-Warsame ") == "amina hassan warsame"
    assert normalise_phone("+252 61 555 0101") == normalise_phone("061-555-0101") == "615550101"


@pytest.mark.parametrize("changes, matched", [
    ({"full_name": "Someone Else", "phone": "+252 61 000 0000"}, ["national_id"]),
    ({"full_name": "Someone Else", "national_id": "X-1"}, ["phone"]),
    ({"full_name": "AMINA  hassan-warsame", "phone": "+252 61 000 0000", "national_id": "X-1"}, ["name_dob"]),
])
def test_possible_duplicates_are_held_not_created(desk, changes, matched):
    first = desk.enroll().participant_id
    outcome = desk.enroll(**changes)
    assert outcome.status == "POSSIBLE_DUPLICATE" and outcome.participant_id is None
    assert [c.as_dict() for c in outcome.candidates] == [{"participant_id": first, "matched_on": matched}]
    assert len(desk.emitted("participant.enrolled")) == 1
    again = desk.enroll(**changes)
    assert (again.status, again.held_id) == ("ALREADY_HELD", outcome.held_id)


def test_exact_resubmission_is_recognised(desk):
    first = desk.enroll().participant_id
    outcome = desk.enroll(full_name="amina hassan warsame", phone="0615550101")
    assert (outcome.status, outcome.participant_id) == ("ALREADY_ENROLLED", first)


def test_resolving_a_hold(desk):
    first = desk.enroll().participant_id
    held = desk.enroll(full_name="Someone Else", phone="+252 61 000 0000").held_id
    with pytest.raises(ValidationFailed):
        desk.do(holds.resolve, desk.vault, held, ResolveHeld(decision="LINK", participant_id="P-ZZZZZZ"),
                "officer-b", desk.emit)
    linked = desk.do(holds.resolve, desk.vault, held, ResolveHeld(decision="LINK", participant_id=first),
                     "officer-b", desk.emit)
    assert (linked["status"], linked["participant_id"]) == ("LINKED", first)
    with pytest.raises(IllegalTransition):
        desk.do(holds.resolve, desk.vault, held, ResolveHeld(decision="DIFFERENT"), "officer-b", desk.emit)

    other = desk.enroll(full_name="Third Person", national_id="X-3").held_id
    different = desk.do(holds.resolve, desk.vault, other, ResolveHeld(decision="DIFFERENT"), "officer-b", desk.emit)
    assert different["status"] == "DIFFERENT" and different["participant_id"] != first
    assert len(desk.emitted("participant.enrolled")) == 2
    view = desk.do(lambda s: holds.describe(holds.load(s, other), desk.vault, s))
    assert view["personal"]["full_name"] == "Third Person"
    assert view["candidates"][0]["personal"]["full_name"] == PERSON["full_name"]
    with pytest.raises(NotFound):
        desk.do(holds.load, "H-NOPE00")


def test_a_candidate_of_another_district_is_compared_without_their_personal_data(desk):
    elsewhere = desk.enroll(district="Baidoa").participant_id
    held = desk.enroll(full_name="Someone Else", phone="+252 61 000 0000", district="Kismayo").held_id
    view = desk.do(lambda s: holds.describe(holds.load(s, held), desk.vault, s, "Kismayo"))
    [candidate] = view["candidates"]
    assert (candidate["participant_id"], candidate["district"], candidate["personal"]) == (elsewhere, "Baidoa", None)
    assert view["personal"]["full_name"] == "Someone Else"
    assert PERSON["full_name"] not in str(view)
    in_baidoa = desk.do(lambda s: holds.describe(holds.load(s, held), desk.vault, s, "Baidoa"))
    assert in_baidoa["candidates"][0]["personal"]["full_name"] == PERSON["full_name"]


def test_consent_withdrawal_keeps_history_and_happens_once(desk):
    pid = desk.enroll().participant_id
    withdraw = WithdrawConsent(withdrawn_on=date(2026, 11, 1), reason="moved away")
    for bad in (date(2026, 8, 1), TODAY + timedelta(days=1)):
        with pytest.raises(ValidationFailed):
            desk.do(consent.withdraw, pid, withdraw.model_copy(update={"withdrawn_on": bad}), "officer-a",
                    desk.emit, TODAY)
    desk.do(consent.withdraw, pid, withdraw, "officer-a", desk.emit, TODAY)
    with pytest.raises(Conflict, match="already withdrawn on 2026-11-01"):
        desk.do(consent.withdraw, pid, withdraw, "officer-a", desk.emit, TODAY)
    assert [h["kind"] for h in desk.do(consent.history, pid)] == ["GIVEN", "WITHDRAWN"]
    [event] = desk.emitted("consent.withdrawn")
    assert event.participant_id == pid and "moved" not in event.model_dump_json()
    assert desk.do(participants.load, pid).consent_active is False


def test_phases_need_their_assessments_and_skip_nothing(desk):
    pid = desk.enroll().participant_id
    with pytest.raises(IllegalTransition, match="cannot move from ENTRY_ASSESSMENT to EXIT_ASSESSMENT"):
        desk.do(case.change_phase, pid, "EXIT_ASSESSMENT", "officer-a", desk.emit)
    with pytest.raises(IllegalTransition, match="record the entry assessment"):
        desk.do(case.change_phase, pid, "REHABILITATION", "officer-a", desk.emit)
    with pytest.raises(IllegalTransition, match="exit assessment is recorded in EXIT_ASSESSMENT"):
        desk.do(case.record_assessment, pid, parse(RecordAssessment, {**ASSESSMENT, "kind": "EXIT"}), "o", TODAY)
    with pytest.raises(ValidationFailed):
        desk.do(case.record_assessment, pid, parse(RecordAssessment, {**ASSESSMENT, "assessed_on": "2026-08-01"}),
                "o", TODAY)
    with pytest.raises(ValidationFailed):
        parse(RecordAssessment, {**ASSESSMENT, "risk_factors": {"peers": 7}})
    desk.do(case.record_assessment, pid, parse(RecordAssessment, ASSESSMENT), "officer-a", TODAY)
    desk.do(case.change_phase, pid, "REHABILITATION", "officer-a", desk.emit)
    desk.do(case.change_phase, pid, "WITHDRAWN", "officer-a", desk.emit)
    with pytest.raises(IllegalTransition, match="allowed: none"):
        desk.do(case.change_phase, pid, "REHABILITATION", "officer-a", desk.emit)
    assert [(e.from_phase, e.to_phase, e.changed_by) for e in desk.emitted("case.phase_changed")] == [
        ("ENTRY_ASSESSMENT", "REHABILITATION", "officer-a"), ("REHABILITATION", "WITHDRAWN", "officer-a")]


def test_aftercare_closes_after_six_months(desk):
    pid = desk.enroll().participant_id
    desk.do(case.record_assessment, pid, parse(RecordAssessment, ASSESSMENT), "o", TODAY)
    desk.do(case.change_phase, pid, "REHABILITATION", "o", desk.emit)
    desk.do(case.change_phase, pid, "EXIT_ASSESSMENT", "o", desk.emit)
    desk.do(case.record_assessment, pid, parse(RecordAssessment, {**ASSESSMENT, "kind": "EXIT"}), "o", TODAY)
    desk.do(case.change_phase, pid, "AFTERCARE", "o", desk.emit, date(2026, 8, 31))
    assert desk.do(case.close_expired_aftercare, date(2027, 2, 27), desk.emit) == []
    assert desk.do(case.close_expired_aftercare, date(2027, 2, 28), desk.emit) == [pid]
    participant = desk.do(participants.load, pid)
    assert participant.phase == "CLOSED"
    assert desk.emitted("case.phase_changed")[-1].changed_by == case.AFTERCARE_LIMIT_ACTOR
