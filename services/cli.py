"""`ddrr`: the operator's command line (run, serve, migrate, seed, ledger verify, dead letters)."""
import argparse
import os
import signal
import sys
import time
from pathlib import Path

import requests
from kombu import Connection

from services import cli_cycle
from shared import logging_setup
from shared.config import load
from shared.migrations import upgrade
from shared.settings import check
from shared.supervisor import Supervisor

SERVICES = ("enrollment", "livelihoods", "ledger", "mentorship", "gateway")
HTTP_SERVICES = ("provider",)  # plain HTTP server processes, no broker (the simulated payment provider)
STOP_GRACE_SECONDS = 9  # a service ends itself within 8 s (shared/service_process.py); all within 10


def broker_answers(amqp_uri: str) -> bool:
    try:
        with Connection(amqp_uri, connect_timeout=3) as conn:
            conn.ensure_connection(max_retries=1)
        return True
    except Exception:
        return False


def require_broker(config: dict) -> None:
    if not broker_answers(config["AMQP_URI"]):
        sys.exit(f"ddrr: no RabbitMQ answers at {config['AMQP_URI']} — start one with "
                 f"`rabbitmq-server -detached` (or `docker compose up -d rabbitmq`), or set AMQP_URI.")


def migrate(config: dict, services=SERVICES) -> None:
    for name in services:
        upgrade(name, config["DATABASES"][name])


def cmd_migrate(args, config):
    migrate(config, [args.service] if args.service else SERVICES)
    print("migrated:", args.service or ", ".join(SERVICES))


def cmd_serve(args, config):
    """Migrate one service's database, then become its service process (shared/service_process.py)."""
    check(config, args.service)
    if args.service in HTTP_SERVICES:
        from services.provider.server import run
        return run(config)
    require_broker(config)
    migrate(config, [args.service])
    if args.service == "ledger":
        ledger_preflight(config)
    # Name the class: nameko would take every class with entrypoints in the module
    # (the gateway's route mixins too) for a service.
    service_class = f"services.{args.service}.service:{args.service.capitalize()}Service"
    os.execv(sys.executable, [sys.executable, "-m", "shared.service_process", service_class])


def consuming(amqp_uri: str, service: str) -> bool:
    """True once the service's RPC queue has a consumer, i.e. the service is listening."""
    try:
        with Connection(amqp_uri) as conn:
            _name, _messages, consumers = conn.default_channel.queue_declare(f"rpc-{service}", passive=True)
        return consumers > 0
    except Exception:
        return False


def healthy(url: str) -> bool:
    try:
        return requests.get(f"{url}/health", timeout=1).ok
    except requests.ConnectionError:
        return False


def wait_until_ready(config: dict, supervisor: Supervisor, timeout: float = 90) -> None:
    url, deadline = config["GATEWAY"]["public_url"], time.monotonic() + timeout
    backends = [name for name in SERVICES if name != "gateway"]
    while time.monotonic() < deadline:
        supervisor.tend()
        if (healthy(url) and healthy(f"http://{config['PROVIDER']['address']}")
                and all(consuming(config["AMQP_URI"], name) for name in backends)):
            return
        time.sleep(0.3)
    sys.exit(f"ddrr: the suite was not ready within {timeout:.0f} s")


def cmd_run(args, config):
    """The whole suite on this machine until SIGTERM or Ctrl-C, a service that exits restarted."""
    from services.demo import seed_once

    check(config)
    require_broker(config)
    migrate(config)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    supervisor = Supervisor({name: [sys.executable, "-m", "services.cli", "serve", name]
                             for name in (*HTTP_SERVICES, *SERVICES)})
    try:
        url = config["GATEWAY"]["public_url"]
        wait_until_ready(config, supervisor)
        logins = seed_once(config, url)
        print(f"\nDDRR Livelihoods Suite is running.\n  API:      {url}  (OpenAPI: {url}/openapi.json)"
              f"\n  RabbitMQ: {config['AMQP_URI']}\n  Ledger:   {config['LEDGER']['directory']}/main.beancount"
              f"  (browse it with `make fava`: {config['GATEWAY']['fava_url']})\n\n"
              "Demo logins (password for the web pages, and a first bearer token for the API):")
        for username, (role, token, password) in logins.items():
            print(f"  {username:<12} {role:<10} {password:<18} {token}")
        print("\nCtrl-C stops everything.", flush=True)
        while True:
            supervisor.tend()
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        # A second signal (Ctrl-C, or SIGTERM to the process group) must not cut the stop short.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        supervisor.stop(grace=STOP_GRACE_SECONDS)


def cmd_seed(args, config):
    from services.demo import seed_once

    for username, (role, token, password) in seed_once(config, config["GATEWAY"]["public_url"]).items():
        print(f"{username:<12} {role:<10} {password:<18} {token}")


def cmd_create_admin(args, config):
    """With a password (typed twice at a terminal, or the first line of stdin) the admin signs
    in with it; without one (stdin not a terminal), a token valid for `token_ttl_minutes` is
    printed, for setting a password with POST /auth/password."""
    import getpass

    from services.gateway.accounts import CreateUser, create_user_in
    from shared.errors import DomainError
    from shared.validation import parse

    password = None
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif sys.stdin.isatty():
        password = getpass.getpass("password (12 characters or more): ")
        if getpass.getpass("again: ") != password:
            sys.exit("ddrr: the passwords differ")
    try:
        command = parse(CreateUser, {"username": args.username, "role": "admin", "password": password})
        token = create_user_in(config["DATABASES"]["gateway"], command, config["GATEWAY"])
    except DomainError as exc:
        sys.exit(f"ddrr: {exc.message}")
    if password is None:
        print(token)
    else:
        print(f"admin {args.username} created; sign in with POST /auth/sign-in")


def cmd_rotate_partner_key(args, config):
    """Seal every partner's webhook secret and API token again with REFERRALS.secrets_key
    (what the previous keys sealed is opened with them)."""
    from sqlalchemy.orm import Session

    from services.livelihoods.partner_keys import PartnerKeys
    from shared.db import make_engine

    engine = make_engine(config["DATABASES"]["livelihoods"])
    with Session(engine) as session, session.begin():
        count = PartnerKeys.from_config(config).rotate(session)
    engine.dispose()
    print(f"sealed the secrets of {count} partner(s) with the current key")


def cmd_ledger(args, config):
    if args.action in ("verify", "checkpoint"):
        ledger_check(config, args)
        return
    from sqlalchemy.orm import Session

    from services.ledger.reports import from_index as reports
    from shared.db import make_engine

    engine = make_engine(config["DATABASES"]["ledger"])
    with Session(engine) as session:
        if args.action == "trial-balance":
            report = reports.trial_balance(session)
            rows = report["accounts"] + [{"account": "total", "currency": currency, "balance": total}
                                         for currency, total in report["totals"].items()]
        else:
            rows = reports.totals(session, args.by)["rows"]
    engine.dispose()
    print_rows(rows, args.csv)


def print_rows(rows: list[dict], as_csv: bool) -> None:
    """A report from the ledger's index, as the gateway answers it: CSV, or aligned columns."""
    from services.ledger.reports.from_index import as_csv as to_csv

    if as_csv:
        print(to_csv(rows), end="")
        return
    if not rows:
        print("(nothing recorded yet)")
        return
    widths = {key: max(len(key), *(len(str(row[key])) for row in rows)) for key in rows[0]}
    print("  ".join(key.ljust(width) for key, width in widths.items()))
    for row in rows:
        print("  ".join(str(row[key]).ljust(width) for key, width in widths.items()))


def ledger_index_checkpoint(config):
    """The chain heads the ledger's index holds."""
    from sqlalchemy.orm import Session

    from services.ledger.writer.posting import index_checkpoint
    from shared.db import make_engine

    engine = make_engine(config["DATABASES"]["ledger"])
    with Session(engine) as session:
        checkpoint = index_checkpoint(session)
    engine.dispose()
    return checkpoint


def ledger_check(config, args) -> None:
    """`verify`: the files against the index (every entry it committed, nothing after), or
    against an auditor's checkpoint line (what it anchored is still there; later entries
    may follow). `checkpoint`: the line to keep, once the files verify against the index."""
    from services.ledger.book.integrity import Checkpoint
    from services.ledger.verification.verify import verify

    try:
        anchor = Checkpoint.parse(args.checkpoint) if args.checkpoint else ledger_index_checkpoint(config)
    except ValueError as wrong:
        sys.exit(f"ddrr: {wrong}")
    checking = args.action == "checkpoint"
    report = verify(config["LEDGER"]["directory"], anchor, appended_is_finding=not args.checkpoint,
                    beancount=args.beancount and not checking)
    for line in report.book_errors + report.chain_errors + report.key_errors + report.beancount_errors:
        print(line)
    if checking and report.ok:
        print(anchor.line())
    elif not checking:
        loader = f", Beancount's errors: {len(report.beancount_errors)}" if args.beancount else ""
        print(f"{report.transactions} transactions, {report.entries} entries in the hash chains; "
              f"{'OK' if report.ok else 'FAILED'} (book errors: {len(report.book_errors)}, "
              f"chain errors: {len(report.chain_errors)}, repeated keys: {len(report.key_errors)}{loader})")
    sys.exit(0 if report.ok else 1)


def ledger_preflight(config) -> None:
    """Before the ledger's process starts: its files against its index, so that files
    changed by hand stop it with one line naming the place, not a traceback."""
    from services.ledger.book.files import MAIN
    from services.ledger.errors import LedgerTampered
    from services.ledger.writer.inspection import inspect

    directory = Path(config["LEDGER"]["directory"])
    if not (directory / MAIN).exists():
        return
    try:
        inspect(directory, ledger_index_checkpoint(config))
    except LedgerTampered as tampered:
        sys.exit(f"ddrr: the ledger writer refuses to start: {tampered}")


def cmd_dlq(args, config):
    from shared.dead_letters import discard_dead_letters, list_dead_letters, replay_dead_letters

    require_broker(config)
    if args.action == "list":
        letters = list_dead_letters(config["AMQP_URI"])
        if not letters:
            print("no dead letters")
            return
        print_rows([{"id": d.letter_id, "time": d.time, "queue": d.queue, "event": d.event_type,
                     "event_id": d.event_id, "reason": d.reason} for d in letters], as_csv=False)
        return
    if (args.letter_id is None) == (not args.all):
        sys.exit(f"ddrr: dlq {args.action} needs one letter id (from `ddrr dlq list`) or --all")
    settle = replay_dead_letters if args.action == "replay" else discard_dead_letters
    done = settle(config["AMQP_URI"], args.letter_id)
    if args.letter_id and not done:
        sys.exit(f"ddrr: no dead letter {args.letter_id}")
    print(f"{args.action}ed {done} message(s)")


def cmd_bench(args, config):
    from bench.allowance_cycle import main as cycle_bench
    from bench.eligibility import main as eligibility_bench
    from bench.enrollment_import import main as enrollment_bench
    from bench.grant_approvals import main as approvals_bench
    from bench.ledger_posting import main as ledger_bench
    from bench.ledger_verify import main as verify_bench
    from bench.mentor_matching import main as matching_bench
    from bench.reconciliation import bench as reconciliation_bench, bench_import as statement_import_bench

    enrollment_bench(args.import_rows)
    eligibility_bench(args.eligibility)
    approvals_bench(args.approvals)
    ledger_bench(100_000 if args.ledger_full else args.postings)
    for one_month in (False, True):
        verify_bench(1_000_000 if args.ledger_full else args.verify_transactions, one_month)
    reconciliation_bench(args.statement_lines)
    statement_import_bench(args.statement_lines)
    matching_bench(args.mentees, args.mentors, args.districts)
    cycle_bench(args.cycle)


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="ddrr", description=__doc__)
    sub = root.add_subparsers(required=True)
    sub.add_parser("run", help="run the whole suite locally").set_defaults(func=cmd_run)
    serve = sub.add_parser("serve", help="migrate and run one service")
    serve.add_argument("service", choices=SERVICES + HTTP_SERVICES)
    serve.set_defaults(func=cmd_serve)
    mig = sub.add_parser("migrate", help="apply database migrations")
    mig.add_argument("--service", choices=SERVICES)
    mig.set_defaults(func=cmd_migrate)
    sub.add_parser("seed", help="load the demo dataset once (the suite must be running)").set_defaults(func=cmd_seed)
    admin = sub.add_parser("create-admin", help="create an admin account (with a password, or print a first token)")
    admin.add_argument("username")
    admin.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
    admin.set_defaults(func=cmd_create_admin)
    sub.add_parser("rotate-partner-key", help="seal partners' secrets again with the current key"
                   ).set_defaults(func=cmd_rotate_partner_key)
    ledger = sub.add_parser("ledger", help="verify the ledger, print a checkpoint line, its trial balance or totals")
    ledger.add_argument("action", choices=["verify", "checkpoint", "trial-balance", "totals"])
    ledger.add_argument("--checkpoint", help="verify against this line of `ddrr ledger checkpoint` instead of the index")
    ledger.add_argument("--beancount", action="store_true",
                        help="verify: run Beancount's own loader over every entry too (three to five times as long)")
    ledger.add_argument("--by", choices=["donor", "programme", "cycle", "month"], default="month",
                        help="how totals are grouped")
    ledger.add_argument("--csv", action="store_true", help="the report as CSV")
    ledger.set_defaults(func=cmd_ledger)
    dlq = sub.add_parser("dlq", help="list dead-lettered messages with why, or replay or discard one or all")
    dlq.add_argument("action", choices=["list", "replay", "discard"])
    dlq.add_argument("letter_id", nargs="?", help="the id `ddrr dlq list` shows (replay and discard)")
    dlq.add_argument("--all", action="store_true", help="replay or discard every dead letter")
    dlq.set_defaults(func=cmd_dlq)
    cli_cycle.add_parser(sub)
    bench = sub.add_parser("bench", help="run the benchmarks and print figures")
    bench.add_argument("--postings", type=int, default=10000)
    bench.add_argument("--verify-transactions", type=int, default=100000)
    bench.add_argument("--ledger-full", action="store_true",
                       help="the ledger at the issue's sizes: 100,000 postings, verify and writer start-up over "
                            "1,000,000 transactions (minutes each; about 2 GB to generate the ledger)")
    bench.add_argument("--import-rows", type=int, default=50000)
    bench.add_argument("--eligibility", type=int, default=50000)
    bench.add_argument("--approvals", type=int, default=5000)
    bench.add_argument("--statement-lines", type=int, default=100000)
    bench.add_argument("--mentees", type=int, default=10000)
    bench.add_argument("--mentors", type=int, default=2500)
    bench.add_argument("--districts", type=int, default=18)
    bench.add_argument("--cycle", type=int, nargs="+", default=[10000, 100000],
                       help="allowance cycles through the running suite (participants each)")
    bench.set_defaults(func=cmd_bench)
    return root


def main(argv=None):
    args = parser().parse_args(argv)
    config = load()
    logging_setup.configure("ddrr", config["LOG"])
    args.func(args, config)


if __name__ == "__main__":
    main()
