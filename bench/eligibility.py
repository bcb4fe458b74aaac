"""Benchmark: eligibility of many participants against a programme with seven
conditions, through livelihoods' rules on a scratch SQLite database."""
import tempfile
import time
from datetime import date

from sqlalchemy import insert
from sqlalchemy.orm import Session

from services.livelihoods import eligibility, programmes
from services.livelihoods.models import AttendanceMark, Completion, ParticipantFacts
from services.livelihoods.schemas import CreateProgramme
from shared.db import make_engine
from shared.migrations import upgrade
from shared.validation import parse

CONDITIONS = [{"type": "completed_track", "track": "FINANCIAL_LITERACY"},
              {"type": "completed_track", "track": "BUSINESS_DEVELOPMENT"},
              {"type": "completed_track", "track": "TVET:*"},
              {"type": "min_attendance", "percent": 80},
              {"type": "phase_in", "phases": ["EXIT_ASSESSMENT", "AFTERCARE"]},
              {"type": "consent_active"}, {"type": "no_earlier_grant"}]
TRACKS = ("FINANCIAL_LITERACY", "BUSINESS_DEVELOPMENT", "TVET:tailoring")


def populate(session: Session, count: int) -> list[str]:
    ids = [f"P-{n:06d}" for n in range(count)]
    session.execute(insert(ParticipantFacts), [
        {"participant_id": pid, "district": "Kismayo", "gender": "F", "phase": "AFTERCARE" if n % 5 else "REHABILITATION",
         "consent_active": n % 50 != 0} for n, pid in enumerate(ids)])
    session.execute(insert(Completion), [
        {"participant_id": pid, "cohort_id": f"C-{t}-{n // 30}", "track": track, "result": "PASS", "score": None,
         "sessions_held": 10, "sessions_attended": 9 if n % 7 else 6, "completed_on": date(2026, 10, 1)}
        for n, pid in enumerate(ids) for t, track in enumerate(TRACKS)])
    session.execute(insert(AttendanceMark), [
        {"participant_id": pid, "cohort_id": f"C-{n // 30}", "session_date": date(2026, 9, day), "track": TRACKS[0],
         "present": day % 4 != 0 or n % 3 != 0, "recorded_at": date(2026, 9, day)}
        for n, pid in enumerate(ids) for day in range(1, 11)])
    return ids


def main(count: int) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{scratch}/livelihoods.db"
        upgrade("livelihoods", url)
        engine = make_engine(url)
        with Session(engine) as session:
            with session.begin():
                programmes.create(session, parse(CreateProgramme, {
                    "code": "BENCH", "name": "Benchmark", "donor": "MDTF", "currency": "USD", "grant_amount": "500.00",
                    "budget": "100000000.00", "conditions": CONDITIONS}), "bench", lambda *events: None)
                ids = populate(session, count)
            started = time.perf_counter()
            eligible = 0
            with session.begin():
                programme = programmes.load(session, "BENCH")
                for _participant_id, report in eligibility.screen(session, programme, ids):
                    eligible += report["eligible"]
            elapsed = time.perf_counter() - started
        engine.dispose()
    print(f"eligibility: {count:,} participants x {len(CONDITIONS)} conditions in {elapsed:.1f} s = "
          f"{count / elapsed:,.0f} participants/s ({eligible:,} eligible)")
