"""Benchmark: approving grant applications through the HTTP API, the whole way:
gateway (token, role, validation) → RPC over RabbitMQ → livelihoods (eligibility,
tier, budget, optimistic lock) → database. The suite runs as `ddrr run` does; the
applications are prepared straight in livelihoods' database beforehand."""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import requests
from sqlalchemy import insert
from sqlalchemy.orm import Session

from services.livelihoods import budget, grants, programmes
from services.provider import process
from services.livelihoods.models import ParticipantFacts
from services.livelihoods.schemas import CreateApplication, CreateProgramme
from shared.contracts import FundingReceived
from shared.db import make_engine
from shared.validation import parse

PLAN = {"summary": "A benchmark business plan", "trade": "tailoring",
        "budget_lines": [{"item": "machine", "amount": "100.00"}]}


def _prepare(url: str, count: int) -> list[str]:
    engine = make_engine(url)
    with Session(engine, expire_on_commit=False) as session, session.begin():
        programmes.create(session, parse(CreateProgramme, {
            "code": "BENCH", "name": "Benchmark", "donor": "MDTF", "currency": "USD", "grant_amount": "500.00",
            "budget": "10000000.00", "conditions": [{"type": "consent_active"}]}), "bench", lambda *e: None)
        budget.funding_received(session, FundingReceived(programme="BENCH", donor="MDTF", amount="10000000.00",
                                                         currency="USD", reference="BENCH-1",
                                                         received_on=date(2026, 11, 1)))
        ids = [f"P-B{n:05d}" for n in range(count)]
        session.execute(insert(ParticipantFacts), [
            {"participant_id": pid, "district": "Kismayo", "gender": "F", "phase": "AFTERCARE",
             "consent_active": True} for pid in ids])
        applications = []
        for pid in ids:
            gid = grants.create(session, parse(CreateApplication, {
                "programme": "BENCH", "participant_id": pid, "amount": "100.00", "currency": "USD",
                "business_plan": PLAN}), "officer-a").id
            grants.submit(session, gid, "officer-a")
            applications.append(gid)
    engine.dispose()
    return applications


def main(count: int, clients: int = 4) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        port = process.free_port()
        env = {**os.environ, "DDRR_DATA_DIR": scratch, "GATEWAY_ADDRESS": f"127.0.0.1:{port}",
               "GATEWAY_PUBLIC_URL": f"http://127.0.0.1:{port}"}
        suite = subprocess.Popen([sys.executable, "-m", "services.cli", "run"], env=env, text=True,
                                 stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        try:
            for line in suite.stdout:
                if "Ctrl-C stops everything" in line:
                    break
            applications = _prepare(f"sqlite:///{scratch}/livelihoods.db", count)
            token = json.loads(Path(scratch, "demo-logins.json").read_text())["officer-b"][1]
            http = requests.Session()
            http.headers["Authorization"] = f"Bearer {token}"

            def approve(gid: str) -> int:
                return http.post(f"http://127.0.0.1:{port}/grants/{gid}/approve", json={}, timeout=60).status_code

            started = time.perf_counter()
            with ThreadPoolExecutor(clients) as pool:
                statuses = list(pool.map(approve, applications))
            elapsed = time.perf_counter() - started
        finally:
            suite.send_signal(signal.SIGTERM)
            suite.wait(timeout=60)
    approved = statuses.count(200)
    print(f"API approvals: {count:,} applications, {clients} clients, in {elapsed:.1f} s = "
          f"{count / elapsed:,.0f} approvals/s ({approved:,} approved, {count - approved} refused)")
