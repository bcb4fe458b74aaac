"""Benchmark: CSV import of participants, and bulk attendance for whole cohorts, through
enrollment's rules on a scratch SQLite database (encryption, blind keys, duplicate
checks and outbox rows included; no broker)."""
import tempfile
import time
from datetime import date

from sqlalchemy.orm import Session

from services.enrollment import coursework, csv_import
from services.enrollment.models import Participant
from services.enrollment.pii import BlindIndex, PiiVault
from services.enrollment.schemas import CreateCohort, CreateCourse, RecordAttendance
from shared.config import load
from shared.db import make_engine
from shared.db_conflicts import transaction
from shared.migrations import upgrade

HEADER = ",".join(csv_import.COLUMNS) + "\n"


def letters(n: int) -> str:
    """A distinct name-like word per number (normalised names keep letters only)."""
    word = ""
    while True:
        n, rest = divmod(n, 26)
        word = chr(97 + rest) + word
        if n == 0:
            return word.capitalize()


def csv_file(rows: int) -> bytes:
    lines = [HEADER] + [f"Person {letters(n)} Example,+252 61 {n:07d},NID-{n:08d},1990-01-01,{'FM'[n % 2]},"
                        f"District-{n % 18:02d},so;en,tailoring,NSC-{n},2026-09-01\n" for n in range(rows)]
    return "".join(lines).encode()


def main(rows: int, cohorts: int = 200, seats: int = 30) -> None:
    settings = load()["ENROLLMENT"]
    vault, index = PiiVault(settings["pii_key"]), BlindIndex(settings["blind_index_key"])
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{scratch}/enrollment.db"
        upgrade("enrollment", url)
        engine = make_engine(url)
        data = csv_file(rows)
        with Session(engine, expire_on_commit=False) as session:
            events = []

            def collect(*more):
                events.extend(more)

            started = time.perf_counter()
            reports = csv_import.import_rows(lambda: transaction(session), vault, index, data, "bench", collect)
            elapsed = time.perf_counter() - started
            created = sum(r.status == "CREATED" for r in reports)
            print(f"CSV import: {rows:,} rows ({len(data) / 1e6:.1f} MB) in {elapsed:.1f} s = "
                  f"{rows / elapsed:,.0f} rows/s ({created:,} created)")
            with session.begin():
                ids = [p for p, in session.query(Participant.id).order_by(Participant.id).limit(cohorts * seats)]
                coursework.create_course(session, CreateCourse(code="FL-101", track="FINANCIAL_LITERACY", title="Money"))
            cohort_ids = []
            for n in range(cohorts):
                with session.begin():
                    cohort = coursework.create_cohort(session, CreateCohort(
                        course_code="FL-101", district="Kismayo", starts_on=date(2026, 9, 7),
                        ends_on=date(2026, 10, 30), capacity=seats))
                    for participant_id in ids[n * seats:(n + 1) * seats]:
                        coursework.join(session, cohort.id, participant_id)
                cohort_ids.append(cohort.id)
            started = time.perf_counter()
            for n, cohort_id in enumerate(cohort_ids):
                members = ids[n * seats:(n + 1) * seats]
                with session.begin():
                    coursework.record_attendance(session, cohort_id, RecordAttendance(
                        session_date=date(2026, 9, 8), present=members[:-3], absent=members[-3:]), "bench",
                        collect)
            elapsed = time.perf_counter() - started
            print(f"bulk attendance: {cohorts} cohorts x {seats} in {elapsed:.2f} s = "
                  f"{cohorts / elapsed:,.0f} cohort sessions/s ({cohorts * seats / elapsed:,.0f} marks/s)")
        engine.dispose()
