"""`ddrr run` (what `make run` calls) as a newcomer meets it: one clear line without a
broker; with one, every service up, demo data loaded once, URLs and logins printed."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from services.cli import SERVICES
from services.ledger.verification.verify import verify
from tests.ports import free_port


def environment(tmp_path, amqp_uri: str) -> dict:
    """Free ports for everything that listens: the gateway, the provider, the ledger's callbacks
    and each service's operations port (another test run may be running beside this one)."""
    port, provider, callbacks = free_port(), free_port(), free_port()
    return {**os.environ, "AMQP_URI": amqp_uri, "DDRR_DATA_DIR": str(tmp_path / "data"),
            **{f"{name.upper()}_METRICS_PORT": str(free_port()) for name in SERVICES},
            "GATEWAY_ADDRESS": f"127.0.0.1:{port}", "GATEWAY_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "PROVIDER_ADDRESS": f"127.0.0.1:{provider}", "PROVIDER_URL": f"http://127.0.0.1:{provider}",
            "LEDGER_CALLBACK_ADDRESS": f"127.0.0.1:{callbacks}",
            "LEDGER_CALLBACK_URL": f"http://127.0.0.1:{callbacks}/provider/callbacks"}


def test_without_a_broker_it_says_so_in_one_line(tmp_path):
    result = subprocess.run([sys.executable, "-m", "services.cli", "run"], capture_output=True, text=True,
                            env=environment(tmp_path, "amqp://guest:guest@127.0.0.1:1/"), timeout=60)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "ddrr: no RabbitMQ answers at amqp://guest:guest@127.0.0.1:1/ — start one with "
        "`rabbitmq-server -detached` (or `docker compose up -d rabbitmq`), or set AMQP_URI."]


def run_until_ready(env, new_session: bool = False) -> tuple[subprocess.Popen, str]:
    """`ddrr run` with its output in files (a pipe nobody reads would fill and block it),
    once it says it is ready; `new_session` makes it the leader of its own process group."""
    folder = Path(env["DDRR_DATA_DIR"]).parent
    stdout, stderr = (open(folder / name, "w") for name in ("run.out", "run.err"))
    process = subprocess.Popen([sys.executable, "-m", "services.cli", "run"], env=env, text=True,
                               stdout=stdout, stderr=stderr, start_new_session=new_session)
    deadline = time.monotonic() + 120
    while "Ctrl-C stops everything" not in (folder / "run.out").read_text():
        assert process.poll() is None and time.monotonic() < deadline, (folder / "run.err").read_text()[-3000:]
        time.sleep(0.3)
    return process, (folder / "run.out").read_text()


def stop(process) -> None:
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == 0


def test_run_starts_everything_and_loads_the_demo_once(tmp_path, rabbit_config):
    env = environment(tmp_path, rabbit_config["AMQP_URI"])
    process, output = run_until_ready(env)
    try:
        assert "DDRR Livelihoods Suite is running." in output, output
        assert env["GATEWAY_PUBLIC_URL"] in output
        logins = json.loads((tmp_path / "data" / "demo-logins.json").read_text())
        assert set(logins) == {"admin", "officer-a", "officer-b", "supervisor", "finance", "finance-2", "monitoring",
                               "mentor"}
        assert all(token in output and password in output for _role, token, password in logins.values())
        officer_b = {"Authorization": f"Bearer {logins['officer-b'][1]}"}
        programmes = requests.get(env["GATEWAY_PUBLIC_URL"] + "/programmes", headers=officer_b, timeout=10).json()
        assert {programme["code"] for programme in programmes} == {"LG-2026", "AC-2026"}
    finally:
        stop(process)
    assert verify(str(tmp_path / "data" / "ledger")).ok

    process, output = run_until_ready(env)
    try:
        assert "Loading the demo dataset" not in output
        assert logins["admin"][1] in output
    finally:
        stop(process)


def processes() -> dict[int, tuple[int, str, str]]:
    """Every process of this machine: pid -> (process group, state, command line)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (FileNotFoundError, ProcessLookupError):  # it ended meanwhile
            continue
        state, _ppid, group = stat.rsplit(")", 1)[1].split()[:3]
        found[int(entry.name)] = (int(group), state, command)
    return found


def service_pids(group: int) -> dict[str, int]:
    """The service processes of a process group, by service name."""
    return {command.split("services.")[-1].split(".service:")[0]: pid
            for pid, (their_group, state, command) in processes().items()
            if their_group == group and "shared.service_process" in command and state != "Z"}


def gone(pids, seconds: float) -> list[int]:
    """Waits up to `seconds` for every pid to end; returns those still alive."""
    deadline = time.monotonic() + seconds
    while True:
        alive = [pid for pid in pids if pid in processes() and processes()[pid][1] != "Z"]
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.2)


def test_sigterm_to_the_process_group_stops_every_service_within_10_s(tmp_path, rabbit_config):
    process, _output = run_until_ready(environment(tmp_path, rabbit_config["AMQP_URI"]), new_session=True)
    try:
        services = service_pids(process.pid)
        assert set(services) == {"enrollment", "livelihoods", "ledger", "mentorship", "gateway"}
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # as Ctrl-C at a terminal (SIGINT) or a container stop does
    started = time.monotonic()
    assert process.wait(timeout=10) == 0
    assert gone(services.values(), 10 - (time.monotonic() - started)) == []
    assert not [pid for pid, (group, state, _) in processes().items() if group == process.pid and state != "Z"]


def test_a_service_that_exits_is_restarted_and_sigterm_stops_everything(tmp_path, rabbit_config):
    env = environment(tmp_path, rabbit_config["AMQP_URI"])
    process, _output = run_until_ready(env, new_session=True)
    try:
        ledger = service_pids(process.pid)["ledger"]
        os.kill(ledger, signal.SIGKILL)
        deadline = time.monotonic() + 60
        while service_pids(process.pid).get("ledger") in (None, ledger):
            assert time.monotonic() < deadline, "the ledger was not started again"
            time.sleep(0.3)
        restarts = [line for line in (tmp_path / "run.err").read_text().splitlines() if line.startswith("ddrr: ")]
        assert restarts == ["ddrr: ledger exited (code -9); restarting it in 1 s"]
        finance = {"Authorization": f"Bearer {json.loads((tmp_path / 'data' / 'demo-logins.json').read_text())['finance'][1]}"}
        deadline = time.monotonic() + 60
        while requests.get(env["GATEWAY_PUBLIC_URL"] + "/ledger/trial-balance", headers=finance, timeout=30).status_code != 200:
            assert time.monotonic() < deadline, "the restarted ledger does not answer"
            time.sleep(0.5)
        services = service_pids(process.pid)
    finally:
        process.send_signal(signal.SIGTERM)  # to `ddrr run` alone: it stops its children
    started = time.monotonic()
    assert process.wait(timeout=10) == 0
    assert gone(services.values(), 10 - (time.monotonic() - started)) == []
