"""The case file's rules: renewed consent, sealed notes and visits, audited corrections of
personal data, and the participant list's search."""
import sqlite3
from datetime import date

import pytest

from services.enrollment import case, case_notes, consent, corrections, finding, participants
from services.enrollment.schemas import (AddCaseNote, CorrectPersonalData, ParticipantSearch, RenewConsent,
                                         WithdrawConsent)
from shared.errors import Conflict, ValidationFailed
from shared.validation import parse
from tests.enrollment.conftest import PERSON, TODAY

WITHDRAWAL = WithdrawConsent(withdrawn_on=date(2026, 10, 1), reason="moved to Mogadishu")
OTHER = {"full_name": "Hodan Ali Farah", "phone": "+252 61 777 0202", "national_id": "SO-1990-112233",
         "date_of_birth": "1990-02-03"}


def test_renewed_consent_after_a_withdrawal_is_history_and_an_event(desk):
    pid = desk.enroll().participant_id
    renewal = RenewConsent(renewed_on=date(2026, 11, 2))
    with pytest.raises(Conflict, match="only a withdrawn consent is renewed"):
        desk.do(consent.renew, pid, renewal, "officer-a", desk.emit, TODAY)
    desk.do(consent.withdraw, pid, WITHDRAWAL, "officer-a", desk.emit, TODAY)
    for bad in (date(2026, 9, 30), date(2026, 11, 24)):  # before the withdrawal, in the future
        with pytest.raises(ValidationFailed):
            desk.do(consent.renew, pid, RenewConsent(renewed_on=bad), "officer-a", desk.emit, TODAY)
    desk.do(consent.renew, pid, renewal, "officer-b", desk.emit, TODAY)
    assert desk.do(participants.load, pid).consent_active is True
    assert [(r["kind"], r["effective_on"]) for r in desk.do(consent.history, pid)] == [
        ("GIVEN", "2026-09-01"), ("WITHDRAWN", "2026-10-01"), ("RENEWED", "2026-11-02")]
    [event] = desk.emitted("consent.renewed")
    assert (event.participant_id, event.renewed_on, event.recorded_by) == (pid, date(2026, 11, 2), "officer-b")
    assert "Mogadishu" not in event.model_dump_json()
    desk.do(consent.withdraw, pid, WITHDRAWAL.model_copy(update={"withdrawn_on": date(2026, 11, 3)}), "o",
            desk.emit, TODAY)
    assert len(desk.emitted("consent.withdrawn")) == 2


def test_renewed_consent_resumes_a_withdrawn_case_where_it_left(desk):
    pid = desk.enroll().participant_id
    desk.do(consent.withdraw, pid, WITHDRAWAL, "officer-a", desk.emit, TODAY)
    desk.do(case.change_phase, pid, "WITHDRAWN", "officer-a", desk.emit)
    desk.do(consent.renew, pid, RenewConsent(renewed_on=date(2026, 11, 2)), "officer-a", desk.emit, TODAY)
    assert desk.do(participants.load, pid).phase == "ENTRY_ASSESSMENT"
    back = desk.emitted("case.phase_changed")[-1]
    assert (back.from_phase, back.to_phase) == ("WITHDRAWN", "ENTRY_ASSESSMENT")
    assert [(p["from_phase"], p["to_phase"]) for p in desk.do(case.history, pid)["phases"]] == [
        ("ENTRY_ASSESSMENT", "WITHDRAWN"), ("WITHDRAWN", "ENTRY_ASSESSMENT")]


def test_notes_and_visits_are_sealed_in_the_database(desk, db_url):
    pid = desk.enroll().participant_id
    secret = "Saw him at the Kismayo market stall, talked about his brother"
    desk.do(case_notes.add, desk.vault, pid, parse(AddCaseNote, {"kind": "VISIT", "happened_on": "2026-11-20",
                                                                   "text": secret}), "officer-a", TODAY)
    desk.do(case_notes.add, desk.vault, pid, parse(AddCaseNote, {"kind": "NOTE", "happened_on": "2026-11-21",
                                                                   "text": "Asked for evening classes"}),
            "officer-a", TODAY)
    with sqlite3.connect(db_url.removeprefix("sqlite:///")) as raw:
        stored = " ".join(str(v) for row in raw.execute("SELECT * FROM case_notes") for v in row)
    assert "market" not in stored and "evening" not in stored and "gAAAA" in stored
    assert [(n["kind"], n["text"]) for n in desk.do(case_notes.read, desk.vault, pid)] == [
        ("NOTE", "Asked for evening classes"), ("VISIT", secret)]
    assert desk.do(case_notes.counts, pid) == {"NOTE": 1, "VISIT": 1}
    assert desk.events == desk.emitted("participant.enrolled")  # a note is never an event
    with pytest.raises(ValidationFailed, match="between the enrollment"):
        desk.do(case_notes.add, desk.vault, pid, parse(AddCaseNote, {"kind": "NOTE", "happened_on": "2026-08-01",
                                                                       "text": "before enrollment"}), "o", TODAY)


def test_a_correction_changes_data_and_keys_and_keeps_only_which_fields(desk, db_url):
    pid = desk.enroll().participant_id
    fix = parse(CorrectPersonalData, {"phone": "+252 61 555 9999", "full_name": PERSON["full_name"],
                                      "reason": "typo in the phone at enrollment"})
    assert desk.do(corrections.correct, desk.vault, desk.index, pid, fix, "officer-a") == ["phone"]
    personal = participants.describe(desk.do(participants.load, pid), desk.vault)["personal"]
    assert personal["phone"] == "+252 61 555 9999" and personal["full_name"] == PERSON["full_name"]
    [entry] = desk.do(corrections.history, pid)
    assert entry["fields"] == ["phone"] and entry["corrected_by"] == "officer-a" and "reason" not in entry
    assert desk.do(corrections.history, pid, desk.vault)[0]["reason"] == "typo in the phone at enrollment"
    with sqlite3.connect(db_url.removeprefix("sqlite:///")) as raw:
        stored = " ".join(str(v) for row in raw.execute("SELECT * FROM personal_data_corrections") for v in row)
    assert "9999" not in stored and "typo" not in stored
    again = desk.enroll(full_name="Someone Else", national_id="X-9", phone="+252 61 555 9999")
    assert again.status == "POSSIBLE_DUPLICATE"  # the new phone's blind key is the one on record
    with pytest.raises(ValidationFailed, match="nothing differs"):
        desk.do(corrections.correct, desk.vault, desk.index, pid, fix, "officer-a")


def test_a_correction_into_someone_elses_identity_is_refused(desk):
    first = desk.enroll().participant_id
    second = desk.enroll(**OTHER).participant_id
    clash = parse(CorrectPersonalData, {"national_id": PERSON["national_id"], "reason": "copied from card"})
    with pytest.raises(Conflict, match=first):
        desk.do(corrections.correct, desk.vault, desk.index, second, clash, "officer-a")
    assert desk.do(corrections.history, second) == []


def test_search_by_id_blind_key_and_name_with_filters_and_paging(desk):
    amina = desk.enroll().participant_id
    hodan = desk.enroll(**OTHER).participant_id
    elsewhere = desk.enroll(full_name="Amina Yusuf", phone="+252 61 888 0303", national_id="SO-3",
                            date_of_birth="1995-01-01", district="Baidoa").participant_id
    desk.do(consent.withdraw, hodan, WITHDRAWAL, "officer-a", desk.emit, TODAY)

    def find(by_name=False, **query):
        return [p.id for p in desk.do(finding.find, desk.vault, desk.index, parse(ParticipantSearch, query), by_name)]

    assert amina in find(text=amina[:5]) and elsewhere not in find(text=amina[:5], district="Kismayo")
    assert find(text=amina.lower()) == [amina]
    assert find(text="061 777 0202") == [hodan]  # the phone's blind key, nothing decrypted
    assert find(text="so-1987-554433") == [amina]
    assert find(text="amina") == []  # no names without by_name
    assert find(by_name=True, text="AMÍNA", district="Kismayo") == [amina]
    assert find(by_name=True, text="amina", district="Baidoa") == [elsewhere]
    with pytest.raises(ValidationFailed, match="needs a district"):
        find(by_name=True, text="amina")
    assert find(district="Kismayo", consent_active=False) == [hodan]
    assert find(district="Kismayo", phase="ENTRY_ASSESSMENT") == sorted([amina, hodan])
    everyone = find(district="Kismayo", limit=1) + find(district="Kismayo", limit=1, offset=1)
    assert everyone == sorted([amina, hodan])
    named = find(by_name=True, text="a", district="Kismayo", limit=1) + \
        find(by_name=True, text="a", district="Kismayo", limit=1, offset=1)
    assert named == sorted([amina, hodan])
