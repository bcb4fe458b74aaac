"""The float's top-ups from the bank and returns to it on the rail's statement, matched like
payments: by reference (or by way, amount and day), with an exception when the amount or the
day differs, a second line for one transfer, or a transfer the statement does not show. The
provider's own export of them reads with the importer and matches. Every ledger written
here verifies."""
import dataclasses
from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.ledger.models import StatementItem
from services.ledger.reconciliation.importer import StatementLine, read_statement
from services.ledger.reconciliation.matcher import ExpectedTransfer, Outcome, reconcile
from services.ledger.reconciliation.workflow import Resolution, describe
from services.ledger.schemas import FloatTransfer
from services.ledger.writer import journal, transfers
from services.ledger.writer.posting import ensure_open
from services.provider.server import ProviderServer
from services.provider.settings import Faults, Settings
from shared.config import load
from shared.errors import BalanceMismatch, ValidationFailed
from shared.migrations import upgrade
from tests.ledger.test_closing_and_top_ups import FLOAT, OLD, top_up, verified
from tests.ledger.test_closing_and_top_ups import entry as journal_entry
from tests.ledger.test_period_close import TODAY, clean_statement, run, sign_off
from tests.ledger.test_posting import ledger_env  # noqa: F401  (the fixture)
from tests.ledger.test_reconcile import statement
from tests.ledger.test_reconciliation_workflow import paid, rows_with_balances  # noqa: F401
from tests.provider.support import Client

DAY = date(2026, 11, 24)


def line(receipt: str, day: date, paid_in: str = "0", withdrawn: str = "0", reference: str = "",
         details: str = "Funds transfer") -> StatementLine:
    return StatementLine(receipt, datetime.combine(day, datetime.min.time()), details, "Completed",
                         Decimal(paid_in), Decimal(withdrawn), Decimal(0), reference)


def move(env, direction: str, reference: str, amount: str, day: date = DAY, today: date = TODAY):
    command = FloatTransfer(direction=direction, bank_account="Assets:Bank:EUTF", amount=amount, currency="USD",
                            reference=reference, day=day)
    run(env, lambda s, ledger, r: transfers.move(s, ledger, command, "USD", "fin1", today))


def items(env, statement_id: str) -> dict:
    """Each item of the statement by (outcome, receipt or transfer reference)."""
    with Session(env[0]) as session:
        return {(i.outcome, i.receipt or i.transfer_reference): i.id for i in session.scalars(
            select(StatementItem).where(StatementItem.statement_id == statement_id))}


def test_the_matcher_takes_each_transfer_once_its_own_way_and_names_what_differs():
    recorded = [ExpectedTransfer("TOP_UP", "TU-1", Decimal("500.00"), DAY),
                ExpectedTransfer("RETURN", "RT-1", Decimal("80.00"), DAY),
                ExpectedTransfer("RETURN", "RT-2", Decimal("30.00"), date(2026, 11, 23)),
                ExpectedTransfer("RETURN", "RT-3", Decimal("45.00"), DAY),
                ExpectedTransfer("TOP_UP", "TU-2", Decimal("70.00"), date(2026, 11, 20)),
                ExpectedTransfer("TOP_UP", "TU-LATER", Decimal("9.00"), date(2026, 11, 26))]
    lines = [line("R1", DAY, paid_in="500.00", reference="RAIL-OWN-REF"),  # another reference: by amount and day
             line("R2", DAY, withdrawn="75.00", reference="RT-1"),
             line("R3", DAY, withdrawn="30.00", reference="RT-2"),
             line("R4", DAY, withdrawn="30.00", reference="RT-2"),
             line("R5", DAY, paid_in="45.00", reference="RT-3"),  # paid in under a return's reference
             line("R6", DAY, withdrawn="9.00", reference="TU-LATER")]  # withdrawn under a top-up's
    result = reconcile(lines, [], "USD", recorded, last_day=DAY)
    assert [(r.line.receipt, r.outcome, r.transfer and r.transfer.reference, r.category) for r in result.lines] == [
        ("R1", Outcome.TOP_UP, "TU-1", "top-up"),
        ("R2", Outcome.AMOUNT_MISMATCH, "RT-1", "return"),
        ("R3", Outcome.DATE_MISMATCH, "RT-2", "return"),
        ("R4", Outcome.DUPLICATE, "RT-2", "return"),
        ("R5", Outcome.UNMATCHED_STATEMENT_LINE, None, "other"),
        ("R6", Outcome.UNMATCHED_STATEMENT_LINE, None, "payment")]
    assert (result.lines[1].expected_amount, result.lines[2].expected_day) == (Decimal("80.00"), date(2026, 11, 23))
    assert result.lines[3].duplicate_of == "R3"
    assert [t.reference for t in result.missing_transfers] == ["RT-3", "TU-2"]  # TU-LATER is after the last day
    assert result.counts()["MISSING_FROM_STATEMENT"] == 2 and not result.clean


def test_a_return_and_a_top_up_on_the_statement_match_the_ledgers_and_the_month_signs_off(paid):
    env, ref = paid
    top_up(env)
    move(env, "RETURN", "RET-1", "100.00")
    month = clean_statement(ref).rstrip("\n").split("\n")
    balance = Decimal(month[-1].split(",")[6])
    month.append(f"TKC010,2026-11-24 12:00:00,Funds transfer to bank,Completed,,100.00,{balance - 100},RET-1")
    answer = run(env, lambda s, l, recon: describe(s, recon.import_statement("\n".join(month) + "\n", "fin1")[0],
                                                   "RETURN"))
    assert (answer["counts"]["TOP_UP"], answer["counts"]["RETURN"], answer["open_exceptions"]) == (1, 1, 0)
    [shown] = answer["items"]
    assert (shown["receipt"], shown["category"], shown["transfer_reference"]) == ("TKC010", "return", "RET-1")
    assert sign_off(env, answer["id"]) == "SIGNED_OFF"
    verified(env)


def test_transfers_that_differ_are_exceptions_resolved_like_payments_and_the_float_then_agrees(paid):
    env, ref = paid
    top_up(env)
    move(env, "RETURN", "RET-1", "100.00")
    move(env, "RETURN", "RET-2", "40.00", date(2026, 11, 22))  # not on the statement
    move(env, "RETURN", "RET-3", "30.00", date(2026, 11, 23))  # the rail made it the day after
    move(env, "TOP_UP", "BANK-LATER", "9.00", date(2026, 11, 26))  # after the statement: not expected on it
    month = clean_statement(ref).rstrip("\n").split("\n")
    balance = Decimal(month[-1].split(",")[6])
    month += rows_with_balances(
        balance,
        ("TKC010", "12:00:00", "Funds transfer to bank", "Completed", "", "95.00", "RET-1"),
        ("TKC011", "12:30:00", "Funds transfer to bank", "Completed", "", "30.00", "RET-3"),
        ("TKC012", "12:40:00", "Funds transfer to bank", "Completed", "", "30.00", "RET-3"))
    opened = run(env, lambda s, l, recon: describe(s, recon.import_statement("\n".join(month) + "\n", "fin1")[0]))
    found = {(i["outcome"], i["receipt"] or i["transfer_reference"]): i for i in opened["items"]}
    assert set(found) == {("AMOUNT_MISMATCH", "TKC010"), ("DATE_MISMATCH", "TKC011"), ("DUPLICATE", "TKC012"),
                          ("MISSING_FROM_STATEMENT", "RET-2")}
    assert [(i["category"], i["expected_amount"], i["expected_day"], i["difference"]) for i in found.values()] == [
        ("return", "100.00", "2026-11-24", "5.00"), ("return", "30.00", "2026-11-23", "0.00"),
        ("return", None, None, "-30.00"), ("return", "40.00", "2026-11-22", "40.00")]
    sid, ids = opened["id"], items(env, opened["id"])

    def resolve(key, action, account=None):
        return run(env, lambda s, l, recon: recon.resolve(sid, ids[key], Resolution(action, "checked", account),
                                                          "fin1").resolution)
    with pytest.raises(ValidationFailed, match="on another day than the ledger's: an adjustment would count it twice"):
        resolve(("DATE_MISMATCH", "TKC011"), "ADJUST", OLD)
    with pytest.raises(ValidationFailed, match="REVERSE_PAYMENT is for a reversal of a known payment"):
        resolve(("MISSING_FROM_STATEMENT", "RET-2"), "REVERSE_PAYMENT")
    assert resolve(("DATE_MISMATCH", "TKC011"), "ACCEPT") == "ACCEPT"
    assert resolve(("AMOUNT_MISMATCH", "TKC010"), "ADJUST", OLD) == "ADJUST"
    assert resolve(("DUPLICATE", "TKC012"), "ADJUST", "Assets:Receivable:MobileMoney") == "ADJUST"
    assert resolve(("MISSING_FROM_STATEMENT", "RET-2"), "ADJUST", "Assets:Bank:EUTF") == "ADJUST"
    assert sign_off(env, sid) == "SIGNED_OFF"
    verified(env)

    later = statement(*[row.replace("2026-11-24", "2026-11-26") for row in rows_with_balances(
        Decimal(0), ("TKC020", "08:00:00", "Funds transfer from bank", "Completed", "9.00", "", "BANK-LATER"),
        ("TKC021", "09:00:00", "Funds transfer to bank", "Completed", "", "100.00", "RET-1"))])
    counts = run(env, lambda s, l, recon: describe(s, recon.import_statement(later, "fin1")[0]))["counts"]
    assert (counts["TOP_UP"], counts["UNMATCHED_STATEMENT_LINE"], counts["MISSING_FROM_STATEMENT"]) == (1, 1, 1)


@pytest.fixture
def provider(tmp_path):
    database = f"sqlite:///{tmp_path}/provider.db"
    upgrade("provider", database)
    settings = dataclasses.replace(Settings.from_config(load()), address="127.0.0.1:0", database_url=database,
                                   seed="test", callback_delay_seconds=0.0, faults=Faults())
    server = ProviderServer(settings).start()
    yield Client(server.url, settings)
    server.stop()


def test_the_providers_export_of_a_top_up_and_a_return_matches_the_ledgers(provider, ledger_env):  # noqa: F811
    env = (*ledger_env, [])
    assert provider.post("/v1/float/topups", {"reference_id": "BANK-P1", "amount": "575.00",
                                              "currency": "USD"}).status_code == 201
    assert provider.post("/v1/float/returns", {"reference_id": "RET-P1", "amount": "100.00",
                                               "currency": "USD"}).status_code == 201
    text = provider.statement()
    exported = read_statement(text, account=FLOAT)
    assert [(x.category, x.reference) for x in exported] == [("top-up", "BANK-P1"), ("return", "RET-P1")]
    day = exported[0].completed_at.date()
    with Session(env[0]) as session, session.begin():
        for account in (FLOAT, "Assets:Bank:EUTF"):
            ensure_open(session, env[1], account)
    move(env, "TOP_UP", "BANK-P1", "575.00", day, today=day)
    move(env, "RETURN", "RET-P1", "100.00", exported[1].completed_at.date(), today=exported[1].completed_at.date())
    answer = run(env, lambda s, l, recon: describe(s, recon.import_statement(text, "fin1")[0]), today=day)
    assert (answer["counts"]["TOP_UP"], answer["counts"]["RETURN"], answer["open_exceptions"]) == (1, 1, 0)
    verified(env)


def test_a_transfer_the_ledger_dates_after_the_statement_is_repaired_by_journal_entries_not_adjusted(paid):
    env, ref = paid
    top_up(env)
    move(env, "TOP_UP", "BANK-LATE", "9.00", date(2026, 11, 26))  # the rail credited it on the 24th
    month = clean_statement(ref).rstrip("\n").split("\n")
    balance = Decimal(month[-1].split(",")[6])
    month.append(f"TKC030,2026-11-24 15:00:00,Funds transfer from bank,Completed,9.00,,{balance + 9},BANK-LATE")
    opened = run(env, lambda s, l, recon: describe(s, recon.import_statement("\n".join(month) + "\n", "fin1")[0]))
    [late] = opened["items"]
    assert (late["outcome"], late["expected_day"], late["difference"]) == ("DATE_MISMATCH", "2026-11-26", "9.00")
    sid, item = opened["id"], late["id"]

    def resolve(action, account=None):
        return run(env, lambda s, l, recon: recon.resolve(sid, item, Resolution(action, "a day late", account), "fin1"))
    with pytest.raises(ValidationFailed, match="an adjustment would count it twice"):
        resolve("ADJUST", "Assets:Bank:EUTF")
    resolve("ACCEPT")
    with pytest.raises(BalanceMismatch, match="float is 0.00 USD at the end of 2026-11-24, the statement closes at 9.00"):
        sign_off(env, sid)
    for key, day, into_float in (("on-the-rails-day", date(2026, 11, 24), True),
                                 ("off-the-ledgers-day", date(2026, 11, 26), False)):
        entry = journal_entry(key, day, FLOAT, "9.00", back=into_float)
        prepared = run(env, lambda s, l, r: journal.prepare(s, entry, "fin1", TODAY)[0].id)
        run(env, lambda s, ledger, r: journal.approve(s, ledger, prepared, "fin2"))
    assert sign_off(env, sid) == "SIGNED_OFF"
    verified(env)
