"""An allowance cycle of a few thousand people on a suite of processes (bench/running_suite.py),
seeded through the API as an officer and finance would, and the counts that say every one
of them was paid exactly once whatever happened to the processes or the broker meanwhile."""
import time
from datetime import datetime, timezone

from sqlalchemy import func, select, text

from bench.enrollment_import import letters
from bench.running_suite import RunningSuite
from services.gateway.accounts import CreateUser, create_user_in
from shared.db import make_engine
from tests.ledger.payments.harness import assert_paid_once
from tests.support import Api, eventually

PROGRAMME = {"code": "SP-2026", "name": "Aftercare allowance 2026", "donor": "MDTF", "currency": "USD",
             "grant_amount": "500.00", "budget": "1000000.00", "conditions": [{"type": "consent_active"}],
             "allowance": {"amount": "40.00", "phases": ["ENTRY_ASSESSMENT"]}}
HEADER = "full_name,phone,national_id,date_of_birth,gender,district,languages,livelihood_interest," \
         "clearance_reference,consent_given_on\n"
SETTLED = ("PAID", "FAILED")


def people_csv(n: int) -> bytes:
    today = datetime.now(timezone.utc).date().isoformat()
    return (HEADER + "".join(f"Person {letters(i)} Cycle,+252 61 {i:07d},NID-{i:08d},1990-01-01,{'FM'[i % 2]},"
                             f"Kismayo,so,tailoring,NSC-{i},{today}\n" for i in range(n))).encode()


def scalar(url: str, sql: str):
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.scalar(text(sql))
    finally:
        engine.dispose()


def settled(suite: RunningSuite) -> int:
    """Payments livelihoods holds as settled (the last stage of a cycle)."""
    return scalar(suite.database("livelihoods"),
                  "SELECT count(*) FROM allowance_payments WHERE status IN ('PAID', 'FAILED')")


def answered(suite: RunningSuite) -> int:
    """Payables the ledger has answered (paid or reversed) in its index."""
    return scalar(suite.database("ledger"), "SELECT count(*) FROM postings WHERE status != 'PENDING'")


def prepared_cycle(suite: RunningSuite, n: int) -> tuple[Api, str]:
    """`n` people enrolled by CSV today (due for this month), the programme funded, the cycle
    prepared by one finance user; a second finance user's client and the cycle id."""
    admin = Api(suite.url, create_user_in(suite.database("gateway"), CreateUser(username="admin-1", role="admin")))
    officer = admin.new_user("officer-a", "officer", "Kismayo")
    finance_a, finance_b = admin.new_user("finance-a", "finance"), admin.new_user("finance-b", "finance")
    admin.post("/programmes", PROGRAMME, expect=201)
    funding = {"amount": f"{40 * n}.00", "currency": "USD", "reference": "MDTF-1", "received_on": "2026-11-02"}
    eventually(lambda: finance_a.call("POST", "/programmes/SP-2026/funding", funding).status_code == 201)
    eventually(lambda: finance_a.get("/programmes/SP-2026/budget")["available"] == f"{40 * n}.00")
    imported = officer.call_raw("POST", "/participants/import", people_csv(n), "text/csv", expect=200).json()
    assert imported["counts"] == {"CREATED": n}, imported["report"][:3]
    eventually(lambda: scalar(suite.database("livelihoods"), "SELECT count(*) FROM participant_facts") == n,
               timeout=60, interval=0.5)
    month = datetime.now(timezone.utc).strftime("%Y-%m")
    cycle = finance_a.post("/allowances/cycles", {"programme": "SP-2026", "month": month}, expect=201)
    assert cycle["declared_count"] == n, cycle
    return finance_b, cycle["cycle_id"]


def wait_settled(suite: RunningSuite, n: int, seconds: float) -> float:
    """Seconds until every payment is PAID or FAILED in livelihoods; fails after `seconds`."""
    started = time.monotonic()
    eventually(lambda: settled(suite) == n, timeout=seconds, interval=0.5)
    return time.monotonic() - started


def assert_exactly_once(suite: RunningSuite, cycle_id: str, finance: Api, n: int) -> None:
    """One payable and one answer per key in the files, at most one payment per reference at the
    provider, the cycle COMPLETE (ledger totals agree), every process still up, verify clean."""
    engine = make_engine(suite.database("ledger"))
    try:
        statuses = assert_paid_once(engine, str(suite.data / "ledger"), suite.provider_url, n)
    finally:
        engine.dispose()
    assert set(statuses) <= {"PAID", "FAILED"} and sum(statuses.values()) == n, statuses
    cycle = eventually(lambda: (c := finance.get(f"/allowances/cycles/{cycle_id}"))["complete"] and c, timeout=30)
    assert cycle["status"] == "COMPLETE" and sum(cycle["counts"].values()) == n, cycle
    assert statuses["PAID"] == cycle["counts"].get("PAID"), (statuses, cycle["counts"])
    with make_engine(suite.database("livelihoods")).connect() as conn:
        keys = conn.execute(select(func.count(), func.count(text("DISTINCT idempotency_key")))
                            .select_from(text("allowance_payments"))).one()
    assert tuple(keys) == (n, n)
    verified = suite.ddrr("ledger", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
