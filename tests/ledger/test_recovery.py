"""Crash recovery of the ledger writer: a torn tail is cut, transactions the index never
recorded are indexed and answered, a payable without its rail answer is completed
without paying twice, and a tampered file stops the writer."""
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.ledger.book.data import Leg, Transaction
from services.ledger.book.text import render
from services.ledger.models import ChainHead, FundingPosting, KnownProgramme, Posting
from services.ledger.writer.posting import LedgerWriter
from services.ledger.errors import LedgerTampered
from services.ledger.writer.recovery import recover
from services.ledger.schemas import RecordFunding
from services.ledger.verification.verify import verify
from tests.ledger.test_posting import DAY, command, index_anchor, ledger_env  # noqa: F401  (the fixture)


def crash_after_files(env, work):
    """Run `work(ledger)` and lose the index transaction, as a crash before commit would."""
    engine, files, rail = env
    with Session(engine) as session:
        session.begin()
        work(LedgerWriter(session, files, rail))
        session.rollback()


def run_recovery(env):
    engine, files, rail = env
    emitted = []
    with Session(engine) as session, session.begin():
        done = recover(session, LedgerWriter(session, files, rail), lambda *events: emitted.extend(events))
    return done, emitted


def head(env):
    with Session(env[0]) as session:
        return session.get(ChainHead, 1).head_hash


def text(env):
    return env[1].period_file(DAY).read_text()


def test_a_disbursement_written_but_not_indexed_is_indexed_and_answered(ledger_env):
    crash_after_files(ledger_env, lambda ledger: ledger.post_disbursement(command(), today=DAY))
    before = text(ledger_env)
    done, emitted = run_recovery(ledger_env)
    assert done == ["indexed disbursement D-AAAA0001"]
    assert [(e.event_type, e.disbursement_id) for e in emitted] == [("disbursement.completed", "D-AAAA0001")]
    assert text(ledger_env) == before  # nothing appended: the answer was already in the file
    assert verify(str(ledger_env[1].directory), anchor=index_anchor(ledger_env[0])).ok
    engine, files, rail = ledger_env
    with Session(engine) as session, session.begin():
        assert LedgerWriter(session, files, rail).post_disbursement(command(), today=DAY).replayed
    assert run_recovery(ledger_env) == ([], [])


def test_a_payable_without_its_answer_is_completed_by_asking_the_rail_once(ledger_env):
    def payable_only(ledger):
        ledger.append(Transaction(DAY, "Grant payable", (
            Leg("Expenses:Livelihoods:Grants:LG-2026", Decimal("450.00"), "USD"),
            Leg("Liabilities:Payable:Grants", Decimal("-450.00"), "USD")),
            {"idempotency-key": "grant:G-1:t1:a1", "disbursement-id": "D-AAAA0001", "participant": "P-7K3M9Q",
             "programme": "LG-2026", "entry": "payable"}, ("disb-D-AAAA0001", "grant-G-1")))

    crash_after_files(ledger_env, payable_only)
    done, emitted = run_recovery(ledger_env)
    assert [e.event_type for e in emitted] == ["disbursement.completed"]
    assert text(ledger_env).count('entry: "payment"') == 1
    with Session(ledger_env[0]) as session:
        assert session.get(Posting, "grant:G-1:t1:a1").status == "PAID"
    assert verify(str(ledger_env[1].directory), anchor=index_anchor(ledger_env[0])).ok


def test_a_torn_tail_is_cut_back_to_the_last_whole_transaction(ledger_env):
    engine, files, rail = ledger_env
    with Session(engine) as session, session.begin():
        LedgerWriter(session, files, rail).post_disbursement(command(), today=DAY)
    whole = text(ledger_env)
    torn, _ = render(Transaction(DAY, "half", (Leg("Assets:X", Decimal("1.00"), "USD"),
                                               Leg("Assets:Y", Decimal("-1.00"), "USD"))), head(ledger_env))
    with open(files.period_file(DAY), "a") as handle:
        handle.write(torn[: len(torn) // 2])
    assert not verify(str(files.directory)).ok
    done, _ = run_recovery(ledger_env)
    [cut] = done
    assert cut.startswith("an unfinished write") and "kept in quarantine/" in cut
    assert text(ledger_env) == whole
    kept = files.directory / cut.rsplit("kept in ", 1)[1]
    assert kept.read_text().endswith(torn[: len(torn) // 2])
    assert verify(str(files.directory), anchor=index_anchor(ledger_env[0])).ok


def test_an_edit_in_the_middle_stops_the_writer(ledger_env):
    engine, files, rail = ledger_env
    with Session(engine) as session, session.begin():
        ledger = LedgerWriter(session, files, rail)
        ledger.post_disbursement(command(), today=DAY)
        ledger.post_disbursement(command(disbursement_id="D-AAAA0002", idempotency_key="k2"), today=DAY)
    path = files.period_file(DAY)
    path.write_text(path.read_text().replace("450.00 USD", "540.00 USD", 2))
    with pytest.raises(LedgerTampered):
        run_recovery(ledger_env)


def test_funding_written_but_not_indexed_is_recovered(ledger_env):
    engine, files, rail = ledger_env
    with Session(engine) as session, session.begin():
        session.add(KnownProgramme(code="LG-2026", donor="MDTF", currency="USD"))
    crash_after_files(ledger_env, lambda ledger: ledger.post_funding(RecordFunding(
        programme="LG-2026", amount="1000.00", currency="USD", reference="MDTF-1", received_on=DAY), today=DAY))
    _, emitted = run_recovery(ledger_env)
    assert [(e.event_type, e.amount) for e in emitted] == [("funding.received", Decimal("1000.00"))]
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(FundingPosting)) == 1
    assert verify(str(files.directory), anchor=index_anchor(ledger_env[0])).ok
