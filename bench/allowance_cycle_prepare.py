"""Benchmark: preparing and releasing one allowance cycle of N participants on SQLite.

The participants (facts and phase history, as enrollment's events leave them) are inserted
in bulk by the parent; prepare and release each run in a child process of their own, timed
there, with that child's peak RSS (VmHWM) read at its end, so the setup's memory is not
mixed in. Release writes its chunked disbursement commands into the real outbox table.
"""
import argparse
import multiprocessing
import tempfile
import time
from datetime import date, datetime, timezone

from sqlalchemy import insert
from sqlalchemy.orm import Session

from services.livelihoods import allowances, budget, programmes
from services.livelihoods.models import Base, ParticipantFacts, PhaseHistory
from services.livelihoods.schemas import CreateProgramme, PrepareCycle
from shared.contracts import FundingReceived
from shared.db import make_engine
from shared.migrations import upgrade
from shared.outbox import write_events
from shared.validation import parse

TODAY = date(2026, 11, 20)
ROWS_PER_INSERT = 50_000


def peak_rss_mib() -> float:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM")) / 1024


def set_up(url: str, participants: int) -> None:
    upgrade("livelihoods", url)
    engine = make_engine(url)
    with Session(engine) as session, session.begin():
        programmes.create(session, parse(CreateProgramme, {
            "code": "SP-2026", "name": "Allowance", "donor": "MDTF", "currency": "USD", "grant_amount": "500.00",
            "budget": "100000000.00", "conditions": [{"type": "consent_active"}], "starts_on": "2026-01-01",
            "allowance": {"amount": "40.00", "phases": ["AFTERCARE"]}}), "admin", lambda *_: None)
        budget.funding_received(session, FundingReceived(programme="SP-2026", donor="MDTF", amount="90000000.00",
                                                         currency="USD", reference="B-1", received_on=TODAY))
        since = datetime(2026, 10, 1, tzinfo=timezone.utc)
        for start in range(0, participants, ROWS_PER_INSERT):
            ids = [f"P-{n:06X}" for n in range(start, min(participants, start + ROWS_PER_INSERT))]
            session.execute(insert(ParticipantFacts), [{"participant_id": pid, "district": "Kismayo", "gender": "F",
                                                       "phase": "AFTERCARE", "consent_active": n % 50 != 0}
                                                      for n, pid in enumerate(ids)])
            session.execute(insert(PhaseHistory), [{"participant_id": pid, "phase": "AFTERCARE", "since": since}
                                                  for pid in ids])
    engine.dispose()


def _prepare(url: str, answer) -> None:
    engine = make_engine(url)
    started = time.perf_counter()
    with Session(engine) as session, session.begin():
        cycle = allowances.prepare(session, PrepareCycle(programme="SP-2026", month="2026-11"), "finance-a", TODAY, 5)
        view = allowances.describe(session, cycle)
    answer.send((view["cycle_id"], view["declared_count"], time.perf_counter() - started, peak_rss_mib()))
    engine.dispose()


def _release(url: str, cycle_id: str, answer) -> None:
    engine = make_engine(url)
    outbox = Base.metadata.tables["outbox"]
    started = time.perf_counter()
    with Session(engine) as session, session.begin():
        _, released = allowances.release(
            session, cycle_id, "finance-b",
            lambda *events: write_events(session.connection(), outbox, "livelihoods", events))
    answer.send((released["sent"], time.perf_counter() - started, peak_rss_mib()))
    engine.dispose()


def in_child(target, *args):
    receive, send = multiprocessing.Pipe(duplex=False)
    child = multiprocessing.get_context("fork").Process(target=target, args=(*args, send))
    child.start()
    result = receive.recv()
    child.join()
    return result


def run(participants: int) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/livelihoods.db"
        started = time.perf_counter()
        set_up(url, participants)
        setup = time.perf_counter() - started
        cycle_id, declared, prepare_s, prepare_rss = in_child(_prepare, url)
        sent, release_s, release_rss = in_child(_release, url, cycle_id)
    return {"participants": participants, "setup_s": setup, "declared": declared, "prepare_s": prepare_s,
            "prepare_rss_mib": prepare_rss, "sent": sent, "release_s": release_s, "release_rss_mib": release_rss}


def main(sizes=(100_000,)) -> None:
    for size in sizes:
        r = run(size)
        print(f"allowance cycle, {r['participants']:,} participants (SQLite; setup {r['setup_s']:.1f} s): "
              f"prepare {r['prepare_s']:.1f} s, peak RSS {r['prepare_rss_mib']:.0f} MiB, {r['declared']:,} due; "
              f"release {r['release_s']:.1f} s, peak RSS {r['release_rss_mib']:.0f} MiB, {r['sent']:,} sent in "
              f"{-(-r['sent'] // allowances.CHUNK):,} chunks", flush=True)


if __name__ == "__main__":
    arguments = argparse.ArgumentParser(description=__doc__)
    arguments.add_argument("sizes", nargs="*", type=int, default=[100_000, 1_000_000])
    main(arguments.parse_args().sizes)
