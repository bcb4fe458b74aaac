"""A month's allowances over HTTP, the real RabbitMQ and the real ledger: prepare (count and
total declared, payments paged) → release by a second finance user → every payment PAID and
the cycle COMPLETE once the ledger's totals agree → a payment reversed by finance is paid again
under a new attempt, once; `ddrr cycle status|follow` against the running suite; a chunk of
disbursement commands redelivered to the real ledger changes nothing."""
import os
import subprocess
import sys
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import requests
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.ledger.models import Base as LedgerBase, Posting
from services.ledger.service import LedgerService
from services.ledger.verification.verify import verify
from services.ledger.writer.corrections import payment_hash
from tests.e2e.test_grant_path import PERSON
from shared.contracts import DisbursementRequested, DisbursementsRequested
from shared.db import make_engine
from shared.events import new_envelope
from tests.support import event_publisher, eventually

PROGRAMME = {"code": "SP-2026", "name": "Aftercare allowance 2026", "donor": "MDTF", "currency": "USD",
             "grant_amount": "500.00", "budget": "10000.00", "conditions": [{"type": "consent_active"}],
             "allowance": {"amount": "40.00", "phases": ["ENTRY_ASSESSMENT", "REHABILITATION"],
                           "conditions": [{"type": "consent_active"}]}}
LEDGER_INBOX = LedgerBase.metadata.tables["inbox"]
SECOND = {**PERSON, "full_name": "Hodan Ali Farah", "phone": "+252 61 555 0102", "national_id": "SO-1990-112233"}


def test_prepare_release_and_pay_a_cycle(suite, config):
    admin = suite
    officer = admin.new_user("officer-a", "officer", "Kismayo")
    finance_a, finance_b = admin.new_user("finance-a", "finance"), admin.new_user("finance-b", "finance")
    monitoring = admin.new_user("monitoring", "monitoring")
    admin.post("/programmes", PROGRAMME, expect=201)
    pids = [officer.post("/participants", person, expect=201)["participant_id"] for person in (PERSON, SECOND)]
    funding = {"amount": "1000.00", "currency": "USD", "reference": "MDTF-SP-001", "received_on": "2026-11-02"}
    eventually(lambda: finance_a.call("POST", "/programmes/SP-2026/funding", funding).status_code == 201)
    eventually(lambda: finance_a.get("/programmes/SP-2026/budget")["available"] == "1000.00")
    for pid in pids:
        eventually(lambda: officer.call("GET", f"/programmes/SP-2026/eligibility/{pid}").status_code == 200)

    this_month = datetime.now(timezone.utc).strftime("%Y-%m")  # enrolled today: due for this month
    next_year = f"{int(this_month[:4]) + 1}{this_month[4:]}"
    refused = finance_a.post("/allowances/cycles", {"programme": "SP-2026", "month": next_year}, expect=400)
    assert refused["message"].startswith(f"{next_year} has not begun")
    cycle = finance_a.post("/allowances/cycles", {"programme": "SP-2026", "month": this_month}, expect=201)
    cid = cycle["cycle_id"]
    assert (cycle["status"], cycle["declared_total"], cycle["declared_count"]) == ("PREPARED", "80.00", 2)
    assert "payments" not in cycle and cycle["counts"] == {"PENDING": 2}
    listed = monitoring.get(f"/allowances/cycles/{cid}/payments?limit=1")
    rest = monitoring.get(f"/allowances/cycles/{cid}/payments?limit=1&after={listed['next']}")
    assert sorted(p["participant_id"] for p in listed["payments"] + rest["payments"]) == sorted(pids)
    assert "Amina" not in str(cycle) and "Hodan" not in str(cycle)
    again = finance_a.post("/allowances/cycles", {"programme": "SP-2026", "month": this_month}, expect=409)
    assert again["error"] == "CONFLICT" and again["message"].endswith(": 2 ALREADY_IN_CYCLE")
    assert finance_a.post(f"/allowances/cycles/{cid}/release", expect=403)["error"] == "SEGREGATION_OF_DUTIES"
    assert officer.post(f"/allowances/cycles/{cid}/release", expect=403)["error"] == "FORBIDDEN"

    released = finance_b.post(f"/allowances/cycles/{cid}/release", expect=202)
    assert (released["status"], released["released"]) == ("RELEASED", {"sent": 2, "sent_amount": "80.00",
                                                                       "stopped": 0})
    assert finance_b.post(f"/allowances/cycles/{cid}/release", expect=409)["error"] == "ILLEGAL_TRANSITION"
    paid = eventually(lambda: (c := monitoring.get(f"/allowances/cycles/{cid}"))["complete"] and c)
    assert (paid["status"], paid["paid"], paid["counts"]) == ("COMPLETE", "80.00", {"PAID": 2})
    payments = monitoring.get(f"/allowances/cycles/{cid}/payments?status=PAID")["payments"]
    assert len(payments) == 2 and all(p["rail_reference"] for p in payments)
    assert [c["cycle_id"] for c in finance_a.get("/allowances/cycles?programme=SP-2026")] == [cid]
    assert finance_a.get("/programmes/SP-2026/budget")["available"] == "920.00"

    [row] = [r for r in finance_a.get("/ledger/totals?by=cycle")["rows"] if r["cycle"] == cid]
    assert (row["paid"], row["payments"], row["currency"]) == ("80.00", 2, "USD")
    balances = {(r["account"], r["currency"]): r["balance"] for r in finance_a.get("/ledger/trial-balance")["accounts"]}
    assert sum(Decimal(b) for (account, _), b in balances.items()
               if account.startswith("Expenses:SocialProtection:Allowance")) == Decimal("80.00")
    assert balances[("Liabilities:Payable:Allowances", "USD")] == "0.00"
    report = verify(str(Path(config["LEDGER"]["directory"])))
    assert report.ok, report

    pages = requests.Session()  # the finance pages, signed in with the same kind of token the web sign-in sets
    pages.cookies.set("ddrr_session", finance_a.token, path="/app")
    for path in ("/app/payments", f"/app/payments/cycles/{cid}"):
        page = pages.get(f"{finance_a.base_url}{path}", timeout=30)
        assert page.status_code == 200 and cid in page.text, (path, page.status_code)
    assert "Amina" not in page.text and pids[0] in page.text  # pseudonymous ids, never names
    pages.cookies.set("ddrr_session", monitoring.token, path="/app")
    figures = pages.get(f"{monitoring.base_url}/app/figures", timeout=30).text
    assert "<strong>&lt;5</strong>allowance payments" in figures and "SP-2026" in figures  # 2: a small count

    reversed_id = payments[0]["payment_id"]  # the ledger answers failed after completed
    correction = {"hash": payment_hash(Path(config["LEDGER"]["directory"]), reversed_id), "reason": "wrong wallet"}
    finance_a.post("/ledger/corrections", correction, expect=201)
    eventually(lambda: monitoring.get(f"/allowances/cycles/{cid}")["counts"] == {"PAID": 1, "FAILED": 1})
    status = ddrr("cycle", "status", cid, "--token", finance_a.token, "--url", finance_a.base_url)
    assert status.returncode == 0 and "1 paid, 1 failed" in status.stdout  # failed is settled: complete, until
    assert "\ncomplete: every payment settled and the ledger's totals agree" in status.stdout  # re-issued
    resent = finance_b.post(f"/allowances/cycles/{cid}/release", expect=202)
    assert resent["released"]["sent"] == 1
    every = monitoring.get(f"/allowances/cycles/{cid}/payments")["payments"]
    assert sorted(p["idempotency_key"][-3:] for p in every) == [":a1", ":a1", ":a2"]
    final = eventually(lambda: (c := monitoring.get(f"/allowances/cycles/{cid}"))["complete"] and c)
    assert final["counts"] == {"PAID": 2, "REISSUED": 1} and final["progress"]["re-issued"]["count"] == 1
    assert final["paid"] == "80.00" and finance_a.get("/programmes/SP-2026/budget")["available"] == "920.00"
    followed = ddrr("cycle", "follow", cid, "--url", finance_a.base_url, "--interval", "0.2", "--timeout", "30",
                    env={"DDRR_TOKEN": finance_a.token})
    assert followed.returncode == 0, followed.stderr
    assert "COMPLETE" in followed.stdout and "2 paid, 1 re-issued" in followed.stdout
    assert "2/2" in followed.stderr  # the progress bar's last state
    assert ddrr("cycle", "status", cid, "--url", finance_a.base_url).returncode != 0  # no token: refused


def ddrr(*args, env=None):
    """The operator's command in its own process, against the running suite."""
    return subprocess.run([sys.executable, "-m", "services.cli", *args], capture_output=True, text=True, timeout=60,
                          env={**{k: v for k, v in os.environ.items() if k != "DDRR_TOKEN"}, **(env or {})})


def chunk_item(n: int) -> DisbursementRequested:
    return DisbursementRequested(disbursement_id=f"A-CHNK{n:06d}",
                                 idempotency_key=f"allowance:SP-2026:2026-11:P-{n:06d}:a1",
                                 participant_id=f"P-{n:06d}", programme="SP-2026", kind="ALLOWANCE",
                                 amount=Decimal("40.00"), currency="USD", reference=f"A-CHNK{n:06d}", cycle="AC-CHUNKS1")


def test_a_redelivered_chunk_changes_nothing_at_the_ledger(config, container_factory):
    """The real ledger service over RabbitMQ: a chunk of commands posts each once; the same
    chunk delivered again (same event id) or re-sent (new event id) writes nothing more."""
    container = container_factory(LedgerService, config)
    container.start()
    engine = make_engine(config["DATABASES"]["ledger"])
    publish = event_publisher(config["AMQP_URI"], "livelihoods")

    def count(table, *where):
        with Session(engine) as session:
            return session.scalar(select(func.count()).select_from(table).where(*where))

    def payables():
        return ledger_text(config).count('entry: "payable"')

    def applied():
        return count(LEDGER_INBOX, LEDGER_INBOX.c.consumer == "ledger.disbursement_requested")

    chunk = new_envelope("livelihoods", DisbursementsRequested(items=[chunk_item(n) for n in range(3)]))
    publish(chunk)
    eventually(lambda: applied() == 1 and payables() == 3)
    publish(chunk)  # the broker delivers it again
    publish(new_envelope("livelihoods", chunk_item(9)))  # the single command is still taken, after it
    eventually(lambda: applied() == 2)
    assert payables() == 4
    publish(new_envelope("livelihoods", DisbursementsRequested(items=[chunk_item(n) for n in range(3)])))
    eventually(lambda: applied() == 3)  # a copy under a new event id: each command replayed by its key
    assert payables() == 4 and count(Posting) == 4
    assert verify(str(Path(config["LEDGER"]["directory"]))).ok
    engine.dispose()


def ledger_text(config) -> str:
    return "".join(p.read_text() for p in sorted(Path(config["LEDGER"]["directory"]).rglob("*.beancount")))

