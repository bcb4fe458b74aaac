"""Referral rules on a real (SQLite) livelihoods database, without a broker or HTTP:
consent, district, transitions with history, the partners' signed status reports."""
import hashlib
import hmac
import json
import re
from datetime import date, timedelta

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import func, select

from services.livelihoods import projections, referrals
from services.livelihoods.partner_client import Outcome
from services.livelihoods.partner_keys import PartnerKeys
from services.livelihoods.referral_models import Partner, Referral, ReferralStatusChange
from services.livelihoods.referral_schemas import CreatePartner, CreateReferral
from shared.contracts import ConsentWithdrawn
from shared.errors import (Conflict, IllegalTransition, NotEligible, NotFound, Unauthenticated, UnknownParticipant,
                           ValidationFailed)
from shared.validation import parse
from tests.referrals.conftest import OTHER, PID, enrolled

CONSENT = {"given_on": "2026-10-01"}
OLD_KEY, NEW_KEY = Fernet.generate_key().decode(), Fernet.generate_key().decode()
KEYS = PartnerKeys(OLD_KEY)


def partner(session, code="KMFI", api_url="http://127.0.0.1:9/referrals", districts=("Kismayo",), **extra):
    with session.begin():
        created, secret = referrals.create_partner(session, parse(CreatePartner, {
            "code": code, "name": f"{code} Microfinance", "products": ["group loan", "savings account"],
            "districts": list(districts), "eligibility_notes": "Applicants bring this letter",
            "api_url": api_url, **extra}), "admin", KEYS)
    return secret


def refer(session, participant_id=PID, partner_code="KMFI", product="group loan", actor="officer-k", **extra):
    with session.begin():
        referral = referrals.create_referral(session, parse(CreateReferral, {
            "participant_id": participant_id, "partner": partner_code, "product": product, "trade": "tailoring",
            "data_sharing_consent": CONSENT, **extra}), actor)
        return referral.id


def count(session, model):
    with session.begin():
        return session.scalar(select(func.count()).select_from(model))


def signed(secret, payload):
    raw = json.dumps(payload)
    return raw, "sha256=" + hmac.new(secret.encode(), raw.encode(), hashlib.sha256).hexdigest()


def report(session, code, raw, signature):
    with session.begin():
        referral, changed = referrals.partner_status_update(session, code, raw, signature, KEYS)
        return referral.status, changed


def statuses(session, referral_id):
    with session.begin():
        return [(h.status, h.changed_by) for h in referrals.history(session, referrals.load(session, referral_id))]


@pytest.fixture
def ready(session):
    enrolled(session)
    return session, partner(session)


def test_partner_secret_is_returned_once_and_never_described(ready):
    session, secret = ready
    partner(session, "TOKENED", api_token="partner-issued-token-123")
    with session.begin():
        described = [referrals.describe_partner(p) for p in referrals.all_partners(session)]
    text = json.dumps(described)
    assert len(secret) >= 40 and secret not in text and "partner-issued-token-123" not in text
    assert {d["code"]: d["has_api_token"] for d in described} == {"KMFI": False, "TOKENED": True}
    with pytest.raises(Conflict):
        partner(session)


def test_secrets_and_tokens_are_stored_sealed_and_a_rotation_reseals_them(ready):
    session, secret = ready
    partner(session, "TOKENED", api_token="partner-issued-token-123")
    with session.begin():
        stored = {p.code: (p.webhook_secret, p.api_token) for p in session.scalars(select(Partner))}
    assert secret not in json.dumps(stored) and "partner-issued-token-123" not in json.dumps(stored)
    assert KEYS.open(stored["TOKENED"][1]) == "partner-issued-token-123" and KEYS.open(stored["KMFI"][0]) == secret
    with session.begin():
        assert PartnerKeys(NEW_KEY, (OLD_KEY,)).rotate(session) == 2
    with session.begin():
        resealed = {p.code: (p.webhook_secret, p.api_token) for p in session.scalars(select(Partner))}
    assert PartnerKeys(NEW_KEY).open(resealed["KMFI"][0]) == secret
    assert PartnerKeys(NEW_KEY).open(resealed["TOKENED"][1]) == "partner-issued-token-123"
    with pytest.raises(RuntimeError):
        KEYS.open(resealed["KMFI"][0])  # the old key alone no longer opens them
    raw, signature = signed(secret, {"referral_id": "R-00000000", "status": "ACKNOWLEDGED"})
    with session.begin(), pytest.raises(NotFound):  # the signature checks out with the new key
        referrals.partner_status_update(session, "KMFI", raw, signature, PartnerKeys(NEW_KEY))


@pytest.mark.parametrize("field, value, words", [
    ("api_url", "ftp://bank.example/x", "http(s) URL"),
    ("api_url", "https://user:pw@bank.example/x", "credentials"),
    ("products", ["loan", "loan"], "once"),
    ("districts", [], "at least 1"),
])
def test_bad_partners_are_refused(field, value, words):
    data = {"code": "BANK", "name": "A Bank", "products": ["loan"], "districts": ["Kismayo"], field: value}
    with pytest.raises(ValidationFailed, match=re.escape(words)):
        parse(CreatePartner, data)


def test_a_referral_needs_the_data_sharing_consent_block(ready):
    session, _ = ready
    with pytest.raises(ValidationFailed, match="data_sharing_consent"):
        refer(session, data_sharing_consent=None)
    with pytest.raises(ValidationFailed, match="future"):
        refer(session, data_sharing_consent={"given_on": (date.today() + timedelta(days=1)).isoformat()})
    with pytest.raises(ValidationFailed, match="recorded_by"):  # the officer making it records it
        refer(session, data_sharing_consent={**CONSENT, "recorded_by": "someone-else"})
    assert count(session, Referral) == 0


def test_referral_records_consent_history_and_a_pending_delivery(ready):
    session, _ = ready
    rid = refer(session)
    with session.begin():
        view = referrals.describe(session, referrals.load(session, rid))
    assert view["status"] == "REFERRED" and view["data_sharing_consent"] == {"given_on": "2026-10-01",
                                                                             "recorded_by": "officer-k"}
    assert (view["district"], view["gender"]) == ("Kismayo", "F")
    assert view["delivery"] == {"status": "PENDING", "attempts": 0, "error": None, "delivered_at": None}
    assert [(h["status"], h["changed_by"]) for h in view["history"]] == [("REFERRED", "officer-k")]
    with session.begin():
        job = referrals.delivery_job(session, referrals.load(session, rid), KEYS)
    assert job.payload == {"referral_id": rid, "participant_id": PID, "district": "Kismayo", "gender": "F",
                           "product": "group loan", "livelihood_trade": "tailoring"}
    with pytest.raises(Conflict, match="already has open referral"):
        refer(session)  # the same product again while this one is open
    refer(session, product="savings account")


def test_unknown_participant_withdrawn_consent_and_other_districts_are_refused(ready):
    session, _ = ready
    with pytest.raises(UnknownParticipant):
        refer(session, participant_id=OTHER)
    enrolled(session, OTHER, district="Baidoa")
    with pytest.raises(NotEligible, match="does not serve Baidoa"):
        refer(session, participant_id=OTHER)
    with pytest.raises(ValidationFailed, match="not mortgage"):
        refer(session, product="mortgage")
    with pytest.raises(NotFound):
        refer(session, partner_code="NOBODY")
    with session.begin():
        projections.consent_withdrawn(session, ConsentWithdrawn(participant_id=PID, withdrawn_on=date(2026, 11, 1),
                                                                recorded_by="officer-k"))
    with pytest.raises(NotEligible, match="withdrawn consent"):
        refer(session)
    assert count(session, Referral) == 0 and count(session, ReferralStatusChange) == 0


def test_transitions_are_enforced_and_kept_with_who(ready):
    session, _ = ready
    rid = refer(session)

    def move(status):
        with session.begin():
            return referrals.transition(session, referrals.load(session, rid), status, "partner:KMFI")

    with pytest.raises(IllegalTransition, match="allowed: ACKNOWLEDGED"):
        move("LOAN_APPROVED")
    assert move("ACKNOWLEDGED") is True
    assert move("ACKNOWLEDGED") is False  # a replay
    assert move("LOAN_APPROVED") is True
    with pytest.raises(IllegalTransition, match="final"):
        move("DECLINED")
    assert move("ACKNOWLEDGED") is False  # a late replay of an earlier report changes nothing
    assert statuses(session, rid) == [("REFERRED", "officer-k"), ("ACKNOWLEDGED", "partner:KMFI"),
                                      ("LOAN_APPROVED", "partner:KMFI")]


def test_signed_status_reports(ready):
    session, secret = ready
    other_secret = partner(session, "OTHER")
    rid = refer(session)
    raw, signature = signed(secret, {"referral_id": rid, "status": "ACKNOWLEDGED", "note": "seen at branch"})
    for bad in (None, "", "sha256=" + "0" * 64, signature.upper(), signed(other_secret, json.loads(raw))[1],
                "sha256=ünïcode"):
        with pytest.raises(Unauthenticated):
            report(session, "KMFI", raw, bad)
    with pytest.raises(Unauthenticated):  # a body changed after signing
        report(session, "KMFI", raw.replace("ACKNOWLEDGED", "DECLINED"), signature)
    with pytest.raises(Unauthenticated):
        report(session, "NOBODY", raw, signature)
    assert statuses(session, rid) == [("REFERRED", "officer-k")]

    assert report(session, "KMFI", raw, signature) == ("ACKNOWLEDGED", True)
    assert report(session, "KMFI", raw, signature) == ("ACKNOWLEDGED", False)  # the same report again
    assert statuses(session, rid) == [("REFERRED", "officer-k"), ("ACKNOWLEDGED", "partner:KMFI")]
    with session.begin():
        assert referrals.history(session, referrals.load(session, rid))[1].note == "seen at branch"

    # another partner, correctly signed, cannot touch this referral
    with pytest.raises(NotFound):
        report(session, "OTHER", *signed(other_secret, {"referral_id": rid, "status": "DECLINED"}))
    with pytest.raises(NotFound):
        report(session, "KMFI", *signed(secret, {"referral_id": "R-00000000", "status": "DECLINED"}))
    with pytest.raises(ValidationFailed):
        report(session, "KMFI", *signed(secret, {"referral_id": rid, "status": "REFERRED"}))
    with pytest.raises(ValidationFailed):
        report(session, "KMFI", *signed(secret, {"referral_id": rid, "status": "DECLINED", "extra": 1}))
    raw_bad = "{not json"
    with pytest.raises(ValidationFailed):
        report(session, "KMFI", raw_bad, "sha256=" + hmac.new(secret.encode(), raw_bad.encode(),
                                                               hashlib.sha256).hexdigest())
    assert report(session, "KMFI", *signed(secret, {"referral_id": rid, "status": "LOAN_APPROVED"})) == (
        "LOAN_APPROVED", True)
    with pytest.raises(IllegalTransition):
        report(session, "KMFI", *signed(secret, {"referral_id": rid, "status": "DECLINED"}))
    assert [s for s, _ in statuses(session, rid)] == ["REFERRED", "ACKNOWLEDGED", "LOAN_APPROVED"]


def test_delivery_claims_retries_and_outcomes(ready):
    session, _ = ready
    rid = refer(session)
    with session.begin():
        job = referrals.delivery_job(session, referrals.load(session, rid), KEYS)
    with pytest.raises(IllegalTransition, match="only a FAILED"):
        with session.begin():
            referrals.claim_retry(session, rid, timedelta(minutes=5), KEYS)  # still being delivered
    with session.begin():
        assert referrals.record_delivery(session, job, Outcome(False, 4, "timed out after 4 attempts"))
    with session.begin():
        assert not referrals.record_delivery(session, job, Outcome(True, 1))  # the claim is spent
    with session.begin():
        retry = referrals.claim_retry(session, rid, timedelta(minutes=5), KEYS)
    assert retry.claim != job.claim and retry.payload == job.payload
    with session.begin():
        assert not referrals.record_delivery(session, job, Outcome(True, 1))  # an older claim never records
        assert referrals.record_delivery(session, retry, Outcome(True, 1))
    with session.begin():
        view = referrals.describe(session, referrals.load(session, rid))
    assert view["delivery"]["status"] == "DELIVERED" and view["delivery"]["attempts"] == 5
    with pytest.raises(IllegalTransition):
        with session.begin():
            referrals.claim_retry(session, rid, timedelta(minutes=5), KEYS)


def test_an_abandoned_pending_delivery_may_be_retried(ready):
    session, _ = ready
    rid = refer(session)
    with session.begin():
        retry = referrals.claim_retry(session, rid, timedelta(seconds=-1), KEYS)  # started "long" ago
    assert retry is not None and retry.referral_id == rid


def test_partner_report_confirms_a_failed_delivery(ready):
    session, secret = ready
    rid = refer(session)
    with session.begin():
        job = referrals.delivery_job(session, referrals.load(session, rid), KEYS)
        referrals.record_delivery(session, job, Outcome(False, 4, "timed out after 4 attempts"))
    report(session, "KMFI", *signed(secret, {"referral_id": rid, "status": "ACKNOWLEDGED"}))
    with session.begin():
        assert referrals.load(session, rid).delivery_status == "DELIVERED"
    with pytest.raises(IllegalTransition, match="already has it"):
        with session.begin():
            referrals.claim_retry(session, rid, timedelta(minutes=5), KEYS)


def test_withdrawn_consent_stops_retries_and_letters(ready):
    session, _ = ready
    rid = refer(session)
    with session.begin():
        job = referrals.delivery_job(session, referrals.load(session, rid), KEYS)
        referrals.record_delivery(session, job, Outcome(False, 4, "timed out after 4 attempts"))
        projections.consent_withdrawn(session, ConsentWithdrawn(participant_id=PID, withdrawn_on=date(2026, 11, 1),
                                                                recorded_by="officer-k"))
    with pytest.raises(NotEligible):
        with session.begin():
            referrals.claim_retry(session, rid, timedelta(minutes=5), KEYS)
    with pytest.raises(NotEligible):
        with session.begin():
            referrals.letter(session, rid)


def test_print_partners_get_an_escaped_pseudonymous_letter(session):
    enrolled(session)
    with session.begin():
        referrals.create_partner(session, parse(CreatePartner, {
            "code": "PRINT-MFI", "name": "Hodan <b>Savings</b> & Loans", "products": ["loan"],
            "districts": ["Kismayo"], "eligibility_notes": "Bring <ID>"}), "admin", KEYS)
    rid = refer(session, partner_code="PRINT-MFI", product="loan")
    with session.begin():
        referral = referrals.load(session, rid)
        assert (referral.delivery_status, referrals.delivery_job(session, referral, KEYS)) == ("PRINT", None)
        text = referrals.letter(session, rid, today=date(2026, 11, 20))
    assert rid in text and PID in text and "Kismayo" in text and "tailoring" in text
    assert "Hodan &lt;b&gt;Savings&lt;/b&gt; &amp; Loans" in text and "Bring &lt;ID&gt;" in text
    assert "<" not in text and ">" not in text
    with pytest.raises(IllegalTransition, match="print"):
        with session.begin():
            referrals.claim_retry(session, rid, timedelta(minutes=5), KEYS)
