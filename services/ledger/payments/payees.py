"""Where a payment goes, in the provider's words, from enrollment's resolved payee. The
account lives only in memory for one batch."""
import hashlib

from shared.payees import MOBILE_MONEY


def destination(payee: dict) -> dict:
    if payee["kind"] == MOBILE_MONEY:
        return {"msisdn": payee["msisdn"]}
    return {"bank_account": {"bank_code": payee["bank_code"], "account_number": payee["account_number"]}}


def test_only_synthetic(participant_id: str) -> dict:
    """A made-up mobile number, used for every payee when `LEDGER.rail.test_only_synthetic_payees`
    is on (tests whose people have no account, or that run the ledger without enrollment)."""
    digits = int(hashlib.sha256(participant_id.encode()).hexdigest(), 16) % 10**8
    return {"msisdn": f"2567{digits:08d}"}
