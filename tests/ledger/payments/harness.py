"""What the payment tests share: a provider process of their own, disbursement commands in
chunks as a cycle's release sends them, and the exactly-once count of a cycle in the
Beancount files, at the provider (its statement) and in the ledger's answers."""
import csv
import io
import json
from collections import Counter
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import requests
from beancount import loader
from sqlalchemy import func, select

from services.ledger.models import Base, Posting
from services.ledger.payments.references import reference_id
from services.ledger.writer.posting import PENDING
from services.provider import process
from shared.config import load
from shared.contracts import DisbursementRequested, DisbursementsRequested
from shared.events import new_envelope
from tests.ports import free_port

TOKEN = load()["PROVIDER"]["token"]
OUTBOX = Base.metadata.tables["outbox"]
CHUNK = 500


def spawn_provider(folder: Path, **env: str):
    """A provider process with a fixed seed, callbacks after 0.2 s and its usual failure rates."""
    return process.spawn(str(folder), port=free_port(), **{"PROVIDER_SEED": "payments-tests", "PROVIDER_CALLBACK_DELAY": "0.2", **env})


def faults(url: str, **switches) -> None:
    requests.post(f"{url}/_faults", json=switches, headers={"Authorization": f"Bearer {TOKEN}"},
                  timeout=5).raise_for_status()


def commands(n: int, cycle_id: str = "C-TEST") -> list[DisbursementRequested]:
    """`n` allowance payments of one cycle."""
    return [DisbursementRequested(
        disbursement_id=f"AP{cycle_id[-4:]}{i:06d}", idempotency_key=f"allowance:{cycle_id}:{i}:a1",
        participant_id=f"P-{i:06d}", programme="SP-2026", kind="ALLOWANCE", amount=Decimal("40.00"),
        currency="USD", reference=f"{cycle_id}-{i}", cycle=cycle_id) for i in range(n)]


def chunks(items: list[DisbursementRequested]) -> list:
    """As a cycle's release sends them: chunks of 500 (disbursement.requested v2)."""
    return [new_envelope("livelihoods", DisbursementsRequested(items=items[start:start + CHUNK]))
            for start in range(0, len(items), CHUNK)]


def cycle(n: int, cycle_id: str = "C-TEST") -> list:
    return chunks(commands(n, cycle_id))


def answered(engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(Posting).where(Posting.status != PENDING))


def answers_in(conn) -> list[dict]:
    """The ledger's answers in its outbox, one by one (`type` added), whether they went one
    to an event or in chunks."""
    found = []
    for body in map(json.loads, conn.scalars(select(OUTBOX.c.body).where(OUTBOX.c.event_type.like("disbursement.%")))):
        items = body["payload"]["items"] if body["version"] == 2 else [body["payload"]]
        found += [{**item, "type": body["type"]} for item in items]
    return found


def statement(url: str) -> list[dict]:
    today = datetime.now(timezone.utc).date().isoformat()
    text = requests.get(f"{url}/v1/statement", params={"from": today, "to": today},
                        headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30).text
    return list(csv.DictReader(io.StringIO(text.split("\n", 1)[1])))


def assert_paid_once(engine, ledger_dir: str, provider_url: str, n: int) -> dict:
    """Every key has one payable and one answer in the files; the provider paid each
    reference at most once, exactly the ones the ledger says PAID (a reversed one shows its
    reversal); livelihoods got one first answer per disbursement. The statuses, counted."""
    entries, errors, _ = loader.load_file(str(Path(ledger_dir) / "main.beancount"))
    assert not errors
    kinds = Counter((e.meta["idempotency-key"], e.meta["entry"]) for e in entries
                    if hasattr(e, "meta") and "idempotency-key" in e.meta)
    keys = {key for key, _ in kinds}
    assert len(keys) == n
    for key in keys:
        assert kinds[(key, "payable")] == 1, key
        assert kinds[(key, "payment")] + kinds[(key, "reversal")] == 1, key
    with engine.connect() as conn:
        postings = {p.idempotency_key: p for p in conn.execute(select(Posting))}
        answers = Counter(answer["disbursement_id"] for answer in answers_in(conn))
    assert set(answers.values()) == {1} and len(answers) == n
    lines = statement(provider_url)
    paid_lines = Counter(line["Other Party Reference"] for line in lines if line["Details"].startswith("Business payment to"))
    reversed_lines = Counter(line["Other Party Reference"] for line in lines if line["Transaction Status"] == "Reversed")
    assert max(paid_lines.values(), default=1) == 1 and max(reversed_lines.values(), default=1) == 1
    by_reference = {reference_id("SimMobile", key): p for key, p in postings.items()}
    assert set(paid_lines) <= set(by_reference)
    for reference, posting in by_reference.items():
        if posting.status == "PAID":
            assert paid_lines[reference] == 1 and not reversed_lines[reference], reference
        elif posting.failure_reason == "REVERSED":
            assert paid_lines[reference] == 1 and reversed_lines[reference] == 1, reference
        else:
            assert not paid_lines[reference], reference
    return Counter(p.status for p in postings.values())
