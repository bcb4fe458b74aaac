"""Microfinance referrals through the gateway over the real RabbitMQ: an admin registers a
partner with an HTTP API (a real server on 127.0.0.1), an officer refers an enrolled
participant, the partner reports back through its signed webhook."""
import hashlib
import hmac
import json

import pytest
import requests

from tests.e2e.test_grant_path import PERSON
from tests.referrals.partner_server import PartnerServer
from tests.support import eventually

PARTNER = {"code": "KMFI", "name": "Kismayo Microfinance", "products": ["group loan", "savings account"],
           "districts": ["Kismayo"], "eligibility_notes": "Adults with a business plan"}
CONSENT = {"given_on": "2026-10-01"}


@pytest.fixture
def staff(suite):
    admin = suite

    return {"admin": admin, "kismayo": admin.new_user("officer-k", "officer", "Kismayo"),
            "baidoa": admin.new_user("officer-b", "officer", "Baidoa"), "supervisor": admin.new_user("super", "supervisor"),
            "finance": admin.new_user("money", "finance")}


@pytest.fixture
def partner_api():
    with PartnerServer(["ok"]) as server:
        yield server


def webhook(api, code, payload, secret=None, signature=None):
    raw = json.dumps(payload).encode()
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-DDRR-Signature"] = "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    if signature is not None:
        headers["X-DDRR-Signature"] = signature
    return requests.post(f"{api.base_url}/partners/{code}/webhook", data=raw, headers=headers, timeout=30)


@pytest.mark.parametrize("base_config", ["sqlite", "postgres"], indirect=True)
def test_partner_referral_and_signed_status_reports(staff, partner_api):
    admin, kismayo, baidoa, supervisor = staff["admin"], staff["kismayo"], staff["baidoa"], staff["supervisor"]

    assert kismayo.post("/partners", {**PARTNER, "api_url": partner_api.url}, expect=403)["error"] == "FORBIDDEN"
    created = admin.post("/partners", {**PARTNER, "api_url": partner_api.url, "api_token": "token-from-kmfi"},
                         expect=201)
    secret = created["webhook_secret"]
    other_secret = admin.post("/partners", {**PARTNER, "code": "OTHER-BANK"}, expect=201)["webhook_secret"]
    for reader in (admin, kismayo, supervisor):
        listed = reader.call("GET", "/partners", expect=200).text
        assert secret not in listed and other_secret not in listed and "token-from-kmfi" not in listed
        assert all(not {"webhook_secret", "api_token"} & set(p) for p in json.loads(listed))
    staff["finance"].get("/partners", expect=403)

    pid = kismayo.post("/participants", PERSON, expect=201)["participant_id"]
    request = {"participant_id": pid, "partner": "KMFI", "product": "group loan", "trade": "tailoring",
               "data_sharing_consent": CONSENT}
    assert kismayo.post("/referrals", {k: v for k, v in request.items() if k != "data_sharing_consent"},
                        expect=400)["error"] == "VALIDATION_ERROR"
    referral = eventually(lambda: (r := kismayo.call("POST", "/referrals", request)).status_code != 404 and r)
    assert referral.status_code == 201, referral.text
    referral = referral.json()
    rid = referral["referral_id"]
    assert referral["status"] == "REFERRED" and referral["delivery"]["status"] == "DELIVERED"
    assert referral["data_sharing_consent"] == {"given_on": "2026-10-01", "recorded_by": "officer-k"}
    [sent] = partner_api.received
    assert sent["body"] == {"referral_id": rid, "participant_id": pid, "district": "Kismayo", "gender": "F",
                            "product": "group loan", "livelihood_trade": "tailoring"}
    assert sent["headers"]["Idempotency-Key"] == rid and "Amina" not in sent["raw"].decode()

    # district scope: another district's records are as unknown as missing ones
    assert baidoa.post("/referrals", {**request, "product": "savings account"},
                       expect=404)["error"] == "UNKNOWN_PARTICIPANT"
    assert baidoa.get(f"/referrals/{rid}", expect=404)["error"] == "NOT_FOUND"
    assert supervisor.get(f"/referrals/{rid}")["status"] == "REFERRED"
    assert kismayo.post("/referrals", request, expect=409)["error"] == "CONFLICT"  # already open

    def history():
        return [(h["status"], h["changed_by"]) for h in kismayo.get(f"/referrals/{rid}")["history"]]

    acknowledged = {"referral_id": rid, "status": "ACKNOWLEDGED", "note": "branch visit booked"}
    assert webhook(admin, "KMFI", acknowledged).status_code == 401  # no signature
    bad = webhook(admin, "KMFI", acknowledged, signature="sha256=" + "0" * 64)
    assert bad.status_code == 401 and bad.json()["error"] == "UNAUTHENTICATED"
    assert webhook(admin, "KMFI", acknowledged, secret=other_secret).status_code == 401
    assert webhook(admin, "NOBODY", acknowledged, secret=secret).status_code == 401
    assert history() == [("REFERRED", "officer-k")]

    answer = webhook(admin, "KMFI", acknowledged, secret=secret)
    assert answer.status_code == 200 and answer.json() == {"referral_id": rid, "status": "ACKNOWLEDGED",
                                                           "changed": True}
    approved = {"referral_id": rid, "status": "LOAN_APPROVED"}
    assert webhook(admin, "KMFI", approved, secret=secret).json()["changed"] is True
    for replay in (approved, acknowledged):
        again = webhook(admin, "KMFI", replay, secret=secret)
        assert again.status_code == 200 and again.json() == {"referral_id": rid, "status": "LOAN_APPROVED",
                                                             "changed": False}
    assert webhook(admin, "KMFI", {"referral_id": rid, "status": "DECLINED"}, secret=secret).status_code == 409
    assert webhook(admin, "OTHER-BANK", {"referral_id": rid, "status": "DECLINED"},
                   secret=other_secret).status_code == 404
    assert webhook(admin, "KMFI", {"referral_id": "R-00000000", "status": "DECLINED"},
                   secret=secret).status_code == 404
    assert webhook(admin, "KMFI", {"referral_id": rid, "status": "DONE"}, secret=secret).status_code == 400
    assert history() == [("REFERRED", "officer-k"), ("ACKNOWLEDGED", "partner:KMFI"),
                         ("LOAN_APPROVED", "partner:KMFI")]

    # a partner without an API: a printed letter
    printed = kismayo.post("/referrals", {**request, "partner": "OTHER-BANK"}, expect=201)
    assert printed["delivery"]["status"] == "PRINT"
    letter = kismayo.get(f"/referrals/{printed['referral_id']}/letter")["text"]
    assert printed["referral_id"] in letter and pid in letter and "Amina" not in letter
    assert baidoa.get(f"/referrals/{printed['referral_id']}/letter", expect=404)["error"] == "NOT_FOUND"
    assert kismayo.post(f"/referrals/{printed['referral_id']}/retry", {}, expect=409)["error"] == "ILLEGAL_TRANSITION"

    document = admin.as_user(None).get("/openapi.json")
    hook = document["paths"]["/partners/{partner_code}/webhook"]["post"]
    assert hook["security"] == [] and hook["x-roles"] == []
    assert document["paths"]["/referrals"]["post"]["x-roles"] == ["officer"]


def test_a_failed_delivery_is_retried_over_http(staff):
    admin, kismayo = staff["admin"], staff["kismayo"]
    with PartnerServer(["500"]) as server:
        admin.post("/partners", {**PARTNER, "api_url": server.url}, expect=201)
        pid = kismayo.post("/participants", PERSON, expect=201)["participant_id"]
        request = {"participant_id": pid, "partner": "KMFI", "product": "group loan", "trade": "tailoring",
                   "data_sharing_consent": CONSENT}
        referral = eventually(lambda: (r := kismayo.call("POST", "/referrals", request)).status_code != 404 and r)
        referral = referral.json()
        assert referral["delivery"]["status"] == "FAILED" and referral["status"] == "REFERRED"
        assert staff["baidoa"].post(f"/referrals/{referral['referral_id']}/retry", {}, expect=404)
        server.answer("ok")
        retried = kismayo.post(f"/referrals/{referral['referral_id']}/retry", {}, expect=200)
    assert retried["delivery"]["status"] == "DELIVERED" and retried["delivery"]["attempts"] == 5
