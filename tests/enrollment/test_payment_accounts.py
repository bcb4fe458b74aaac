"""The payee registry: accounts sealed at rest and shown masked, their history, the
provider's name check against a real provider process, and `resolve_payees` for the payment
adapter (batches, bounds, held reasons). No event and no log line carries a number."""
import logging
from datetime import datetime, timezone

import pytest
import requests
from nameko.rpc import RpcProxy, rpc
from nameko.standalone.rpc import ClusterRpcProxy
from sqlalchemy import MetaData, select, text

from services.enrollment import name_check, payment_accounts
from services.enrollment.payment_schemas import SetPaymentAccount
from services.enrollment.service import EnrollmentService
from services.provider import parsing, process, simulation
from shared import payees
from shared.config import load
from shared.db import make_engine
from shared.errors import ConcurrentUpdate, NoPaymentAccount, ProviderUnavailable, ValidationFailed
from shared.validation import parse
from tests.enrollment.conftest import PERSON
from tests.ports import free_port

SEED = "payee-tests"
PROVIDER = load()["PROVIDER"]
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)


def _msisdn(wanted, start: int = 0) -> str:
    """The first number after `start` whose simulated outcome is `wanted(account digits)`."""
    for number in range(start, start + 20000):
        msisdn = f"+25261{number:07d}"
        if wanted(msisdn[1:]):
            return msisdn
    raise AssertionError("no such number in range")


def known(digits):
    return simulation.account_known(SEED, digits, float(PROVIDER["unknown_account_rate"]))


def matching(digits):
    return known(digits) and simulation.name_matches(SEED, digits, PERSON["full_name"],
                                                     float(PROVIDER["name_mismatch_rate"]))


def mismatching(digits):
    return known(digits) and not matching(digits)


GOOD, OTHER_GOOD = _msisdn(matching), _msisdn(matching, 5000)
UNKNOWN, MISMATCH = _msisdn(lambda d: not known(d)), _msisdn(mismatching)
BANK = {"kind": "BANK", "bank_code": "KCB01", "account_number": "0012345678"}


@pytest.fixture(scope="module")
def provider_url(tmp_path_factory):
    child, url = process.spawn(str(tmp_path_factory.mktemp("provider")), port=free_port(), PROVIDER_SEED=SEED,
                               PROVIDER_CALLBACK_DELAY="0")
    yield url
    child.terminate()
    child.wait(10)


@pytest.fixture
def checker(provider_url):
    return name_check.Settings(url=provider_url, token=PROVIDER["token"], timeout_seconds=2, retries=1,
                               backoff_factor=0)


def mobile(msisdn=GOOD, provider="SIMMOBILE"):
    return {"kind": "MOBILE_MONEY", "msisdn": msisdn, "provider": provider}


def set_account(desk, participant_id, data, actor="officer-a"):
    command = parse(SetPaymentAccount, data)
    return desk.do(payment_accounts.set_account, desk.vault, participant_id, command, actor, NOW)


def verify(desk, settings, participant_id):
    """What `verify_payment_account` does: read, ask the provider outside any transaction, keep."""
    check = desk.do(payment_accounts.name_check_request, desk.vault, participant_id)
    answer = name_check.check(settings, check.account, check.name)
    desk.do(payment_accounts.record_check, check, answer, "officer-b", NOW)
    return desk.do(payment_accounts.describe, desk.vault, participant_id)


def view(desk, participant_id):
    return desk.do(payment_accounts.describe, desk.vault, participant_id)


def raw_rows(url: str) -> str:
    """Every row of every table of the database, as text."""
    engine = make_engine(url)
    metadata = MetaData()
    metadata.reflect(engine)
    with engine.connect() as connection:
        dump = "\n".join(repr(tuple(row)) for table in metadata.sorted_tables
                         for row in connection.execute(select(table)))
    engine.dispose()
    return dump


def test_the_number_is_sealed_at_rest_and_shown_masked(desk, db_url):
    pid = desk.enroll().participant_id
    set_account(desk, pid, mobile("+252 61-555 0123"))
    with make_engine(db_url).connect() as connection:
        sealed = connection.execute(text("SELECT sealed FROM payment_accounts")).scalar_one()
    assert "5550123" not in sealed and "252615550123" not in sealed
    assert desk.vault.open(sealed) == {"msisdn": "+252615550123"}
    assert "5550123" not in raw_rows(db_url)
    shown = view(desk, pid)["account"]
    assert (shown["kind"], shown["provider"], shown["masked"], shown["verification"]) == (
        "MOBILE_MONEY", "SIMMOBILE", "+2526\u2022\u2022\u2022\u2022123", "UNVERIFIED")
    assert shown["same_as_participant_phone"] is False


def test_a_bank_account_is_masked_to_its_last_digits(desk, db_url):
    pid = desk.enroll().participant_id
    set_account(desk, pid, {**BANK, "account_number": "0012 3456-78"})
    shown = view(desk, pid)["account"]
    assert (shown["kind"], shown["provider"], shown["masked"]) == ("BANK", "KCB01", "KCB01 \u2022\u2022\u2022\u2022678")
    assert shown["same_as_participant_phone"] is None
    assert "12345678" not in raw_rows(db_url)


def test_the_participants_own_phone_is_recognised(desk):
    pid = desk.enroll().participant_id
    set_account(desk, pid, mobile(PERSON["phone"]))
    assert view(desk, pid)["account"]["same_as_participant_phone"] is True


@pytest.mark.parametrize("data", [
    mobile("061 5550101"), mobile("+0615550101"), mobile("+2526155501011234567"), mobile("+25261abc0101"),
    mobile(provider="simmobile!"), mobile(provider=""), {"kind": "MOBILE_MONEY", "msisdn": GOOD},
    {**mobile(), "bank_code": "KCB01"}, {**BANK, "bank_code": "K"}, {**BANK, "account_number": "12345"},
    {**BANK, "account_number": "00123456\u202e78"}, {**BANK, "msisdn": GOOD}, {"kind": "CASH"},
    {**mobile(), "holder": "someone"}, {**mobile(), "msisdn": 252615550101}])
def test_bad_input_is_refused_and_nothing_is_written(desk, db_url, data):
    pid = desk.enroll().participant_id
    before = raw_rows(db_url)
    with pytest.raises(ValidationFailed) as refused:
        set_account(desk, pid, data)
    assert "5550101" not in refused.value.message
    assert raw_rows(db_url) == before


def test_changes_are_kept_in_the_history_masked_and_a_change_is_unverified_again(desk, checker, db_url):
    pid = desk.enroll().participant_id
    set_account(desk, pid, mobile(GOOD))
    assert verify(desk, checker, pid)["account"]["verification"] == "VERIFIED"
    set_account(desk, pid, mobile(GOOD), actor="officer-c")  # the same account again changes nothing
    assert view(desk, pid)["account"]["verification"] == "VERIFIED"
    set_account(desk, pid, BANK, actor="officer-c")
    after = view(desk, pid)
    assert (after["account"]["verification"], after["account"]["checked_at"], after["account"]["provider_answer"]) \
        == ("UNVERIFIED", None, None)
    history = after["history"]
    assert [(h["action"], h["kind"], h["verification"], h["recorded_by"]) for h in history] == [
        ("CHANGED", "MOBILE_MONEY", "UNVERIFIED", "officer-a"), ("CHECKED", "MOBILE_MONEY", "VERIFIED", "officer-b"),
        ("CHANGED", "BANK", "UNVERIFIED", "officer-c")]
    assert history[0]["masked"] == GOOD[:5] + "\u2022" * 4 + GOOD[-3:]
    assert GOOD[1:] not in raw_rows(db_url) and GOOD[-7:] not in raw_rows(db_url)


def test_verification_states_from_the_real_provider(desk, checker):
    outcomes = {}
    for year, msisdn in enumerate((GOOD, UNKNOWN, MISMATCH), start=1990):
        pid = desk.enroll(national_id=f"SO-{msisdn}", phone=msisdn, date_of_birth=f"{year}-01-01").participant_id
        set_account(desk, pid, mobile(msisdn))
        account = verify(desk, checker, pid)["account"]
        outcomes[msisdn] = (account["verification"], account["provider_answer"], account["checked_at"] is not None)
    assert outcomes == {GOOD: ("VERIFIED", "MATCH", True), UNKNOWN: ("UNKNOWN_ACCOUNT", "UNKNOWN_ACCOUNT", True),
                        MISMATCH: ("NAME_MISMATCH", "NO_MATCH", True)}


def test_a_bank_account_is_checked_too(desk, checker):
    pid = desk.enroll().participant_id
    set_account(desk, pid, BANK)
    account_digits = parsing.account({"bank_account": {"bank_code": "KCB01", "account_number": "0012345678"}}, "x")
    expected = "VERIFIED" if known(account_digits) and simulation.name_matches(
        SEED, account_digits, PERSON["full_name"], float(PROVIDER["name_mismatch_rate"])) else "not VERIFIED"
    assert verify(desk, checker, pid)["account"]["verification"] == expected


def test_provider_down_is_a_typed_error_and_changes_nothing(desk, db_url):
    pid = desk.enroll().participant_id
    set_account(desk, pid, mobile(GOOD))
    before = raw_rows(db_url)
    nowhere = name_check.Settings(url=f"http://127.0.0.1:{free_port()}", token="x", timeout_seconds=1,
                                  retries=1, backoff_factor=0)
    with pytest.raises(ProviderUnavailable) as refused:
        verify(desk, nowhere, pid)
    assert refused.value.code == "PROVIDER_UNAVAILABLE" and GOOD[1:] not in refused.value.message
    assert raw_rows(db_url) == before


def test_a_provider_failing_with_500s_is_unavailable_after_retries(desk, checker, db_url):
    pid = desk.enroll().participant_id
    set_account(desk, pid, mobile(GOOD))
    before = raw_rows(db_url)
    faults = f"{checker.url}/_faults"
    headers = {"Authorization": f"Bearer {checker.token}"}
    requests.post(faults, json={"error_rate": 1}, headers=headers, timeout=5).raise_for_status()
    try:
        with pytest.raises(ProviderUnavailable, match="HTTP 500"):
            verify(desk, checker, pid)
    finally:
        requests.post(faults, json={"error_rate": 0}, headers=headers, timeout=5).raise_for_status()
    assert raw_rows(db_url) == before


def test_an_answer_for_an_account_changed_meanwhile_is_not_kept(desk, checker):
    pid = desk.enroll().participant_id
    set_account(desk, pid, mobile(GOOD))
    check = desk.do(payment_accounts.name_check_request, desk.vault, pid)
    answer = name_check.check(checker, check.account, check.name)
    set_account(desk, pid, mobile(OTHER_GOOD))
    with pytest.raises(ConcurrentUpdate):
        desk.do(payment_accounts.record_check, check, answer, "officer-b", NOW)
    assert view(desk, pid)["account"]["verification"] == "UNVERIFIED"
    assert GOOD[1:] not in repr(check) and PERSON["full_name"] not in repr(check)


def test_verifying_without_an_account_is_refused(desk, checker):
    pid = desk.enroll().participant_id
    with pytest.raises(NoPaymentAccount):
        verify(desk, checker, pid)
    assert view(desk, pid) == {"participant_id": pid, "account": None, "history": []}


def test_resolve_gives_verified_accounts_and_reasons_to_hold_the_others(desk, checker):
    people = [desk.enroll(national_id=f"SO-{n}", phone=f"+25290000{n:04d}", date_of_birth=f"199{n}-01-01").participant_id
              for n in range(4)]
    verified_mobile, verified_bank, unverified, without = people
    set_account(desk, verified_mobile, mobile(GOOD))
    verify(desk, checker, verified_mobile)
    set_account(desk, verified_bank, BANK)
    desk.do(payment_accounts.record_check, desk.do(payment_accounts.name_check_request, desk.vault, verified_bank),
            name_check.MATCH, "officer-b", NOW)
    set_account(desk, unverified, mobile(MISMATCH))
    verify(desk, checker, unverified)
    resolved = desk.do(payment_accounts.resolve, desk.vault, [*people, "P-ZZZZZZ"])
    assert resolved == {
        verified_mobile: {"kind": "MOBILE_MONEY", "msisdn": GOOD, "provider": "SIMMOBILE", "verified": True},
        verified_bank: {"kind": "BANK", "bank_code": "KCB01", "account_number": "0012345678", "provider": "KCB01",
                        "verified": True},
        unverified: {"verified": False, "reason": "ACCOUNT_NOT_VERIFIED", "verification": "NAME_MISMATCH"},
        without: {"verified": False, "reason": "NO_PAYMENT_ACCOUNT"},
        "P-ZZZZZZ": {"verified": False, "reason": "UNKNOWN_PARTICIPANT"}}
    assert desk.emitted("payment_account") == [] and all("account" not in e.event_type for e in desk.events)


class Adapter:
    """Stands in for the payment adapter: a service resolving payees over RPC with the helper."""
    name = "adapter"
    enrollment = RpcProxy("enrollment")

    @rpc
    def send(self, participant_ids):
        return payees.resolve(self.enrollment, participant_ids)


@pytest.fixture
def enrollment(config, runner_factory, provider_url):
    config = {**config, "ENROLLMENT": {**config["ENROLLMENT"], "name_check": {
        "url": provider_url, "timeout_seconds": 2, "retries": 1, "backoff_factor": 0}}}
    runner_factory(config, EnrollmentService, Adapter).start()
    with ClusterRpcProxy(config, timeout=30) as proxy:
        yield proxy, config


def test_over_rpc_no_event_and_no_log_line_holds_the_number(enrollment, caplog):
    proxy, config = enrollment
    caplog.set_level(logging.DEBUG)
    pid = proxy.enrollment.enroll_participant({**PERSON, "district": "Kismayo"}, "officer-a")["participant_id"]
    shown = proxy.enrollment.set_payment_account(pid, mobile(GOOD), "officer-a")
    assert shown["account"]["masked"] == GOOD[:5] + "\u2022" * 4 + GOOD[-3:]
    assert proxy.enrollment.verify_payment_account(pid, "officer-a")["account"]["verification"] == "VERIFIED"
    assert proxy.adapter.send([pid, "P-ZZZZZZ"])[pid]["msisdn"] == GOOD
    with pytest.raises(ValidationFailed, match="at most 1000"):
        proxy.enrollment.resolve_payees([pid] * 1001)
    with pytest.raises(ValidationFailed):
        proxy.enrollment.resolve_payees("P-ZZZZZZ")
    with pytest.raises(ValidationFailed):
        proxy.enrollment.set_payment_account(pid, mobile("+25261" + "9" * 20), "officer-a")
    logged = "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    assert "RPC reply event complete" in logged  # the proxy's debug lines were captured, bodies withheld
    for secret in (GOOD[1:], GOOD[-7:], "9" * 20, PERSON["full_name"]):
        assert secret not in logged
    stored = raw_rows(config["DATABASES"]["enrollment"])
    assert GOOD[1:] not in stored and GOOD[-7:] not in stored  # the outbox's events included


def test_the_helper_asks_in_bounded_batches():
    class Enrollment:
        def __init__(self):
            self.calls = []

        def resolve_payees(self, ids):
            assert len(ids) <= payees.MAX_PAYEES
            self.calls.append(len(ids))
            return {pid: {"verified": False, "reason": payees.NO_PAYMENT_ACCOUNT} for pid in ids}

    enrollment = Enrollment()
    ids = [f"P-{n:06d}" for n in range(2500)]
    assert len(payees.resolve(enrollment, ids + ids[:10])) == 2500
    assert enrollment.calls == [1000, 1000, 500]
