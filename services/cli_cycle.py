"""`ddrr cycle status|release|follow <cycle>`: finance's payment cycles from a terminal.

It calls the gateway's HTTP API as the web pages do (the same roles, segregation of duties
and audit trail), with a bearer token from `--token` or `DDRR_TOKEN` (`POST /auth/sign-in`
gives one). `follow` draws a progress bar of the settled payments until the cycle is
complete, or until `--timeout` seconds have passed (exit status 1).
"""
import os
import sys
import time

import requests
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

SETTLED = ("paid", "failed", "held")


class Gateway:
    def __init__(self, url: str, token: str):
        self.url, self.session = url.rstrip("/"), requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def call(self, method: str, path: str) -> dict:
        try:
            answer = self.session.request(method, f"{self.url}{path}", timeout=60,
                                          **({"json": {}} if method == "POST" else {}))
        except requests.ConnectionError:
            sys.exit(f"ddrr: the gateway at {self.url} does not answer (is the suite running?)")
        body = answer.json() if answer.headers.get("Content-Type", "").startswith("application/json") else {}
        if not answer.ok:
            sys.exit(f"ddrr: {answer.status_code} {body.get('error', '')}: {body.get('message', answer.text[:200])}")
        return body


def settled(cycle: dict) -> int:
    return sum(cycle["progress"][label]["count"] for label in SETTLED)


VERDICTS = {True: "complete", False: "not complete", None: "completion"}  # None: unknown, the ledger did not answer


def summary(cycle: dict) -> str:
    progress = ", ".join(f"{group['count']} {label}" for label, group in cycle["progress"].items() if group["count"])
    return (f"{cycle['cycle_id']} {cycle['kind'].lower()} {cycle['programme']} {cycle['month']}: "
            f"{cycle['status']}; declared {cycle['declared_count']} payments, {cycle['declared_total']} "
            f"{cycle['currency']}; {progress or 'nothing'}"
            f"; {cycle['paid']} paid\n{VERDICTS[cycle.get('complete')]}: {cycle.get('completion', '')}")


def follow(gateway: Gateway, cycle_id: str, interval: float, timeout: float) -> dict:
    cycle = gateway.call("GET", f"/allowances/cycles/{cycle_id}")
    deadline = time.monotonic() + timeout
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True)) as bar:
        task = bar.add_task(f"{cycle_id} settled", total=cycle["declared_count"], completed=settled(cycle))
        while not cycle.get("complete") and time.monotonic() < deadline:
            time.sleep(interval)
            cycle = gateway.call("GET", f"/allowances/cycles/{cycle_id}")
            bar.update(task, completed=settled(cycle))
    return cycle


def cmd_cycle(args, config):
    token = args.token or os.environ.get("DDRR_TOKEN")
    if not token:
        sys.exit("ddrr: cycle needs a finance user's token: --token or DDRR_TOKEN (POST /auth/sign-in gives one)")
    gateway = Gateway(args.url or config["GATEWAY"]["public_url"], token)
    if args.action == "release":
        released = gateway.call("POST", f"/allowances/cycles/{args.cycle}/release")
        print(f"released: {released['released']['sent']} payments sent ({released['released']['sent_amount']} "
              f"{released['currency']}), {released['released']['stopped']} held")
        print(summary(released))
        return
    cycle = (follow(gateway, args.cycle, args.interval, args.timeout) if args.action == "follow"
             else gateway.call("GET", f"/allowances/cycles/{args.cycle}"))
    print(summary(cycle))
    if args.action == "follow" and not cycle.get("complete"):
        sys.exit(1)


def add_parser(sub) -> None:
    cycle = sub.add_parser("cycle", help="a payment cycle's progress; release it; follow it to completion")
    cycle.add_argument("action", choices=["status", "release", "follow"])
    cycle.add_argument("cycle", help="the cycle's id, e.g. AC-7K3M9Q2X")
    cycle.add_argument("--token", help="a bearer token (default: DDRR_TOKEN)")
    cycle.add_argument("--url", help="the gateway (default: GATEWAY.public_url of the configuration)")
    cycle.add_argument("--interval", type=float, default=1.0, help="seconds between looks (follow)")
    cycle.add_argument("--timeout", type=float, default=3600.0, help="give up after this many seconds (follow)")
    cycle.set_defaults(func=cmd_cycle)
