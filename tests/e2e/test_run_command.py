"""`ddrr run` (what `make run` calls) as a newcomer meets it: one clear line without a
broker; with one, every service up, demo data loaded once, URLs and logins printed."""
import json
import os
import signal
import socket
import subprocess
import sys
import time

import requests

from services.ledger.verification.verify import verify


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment(tmp_path, amqp_uri: str) -> dict:
    port = free_port()
    return {**os.environ, "AMQP_URI": amqp_uri, "DDRR_DATA_DIR": str(tmp_path / "data"),
            "GATEWAY_ADDRESS": f"127.0.0.1:{port}", "GATEWAY_PUBLIC_URL": f"http://127.0.0.1:{port}"}


def test_without_a_broker_it_says_so_in_one_line(tmp_path):
    result = subprocess.run([sys.executable, "-m", "services.cli", "run"], capture_output=True, text=True,
                            env=environment(tmp_path, "amqp://guest:guest@127.0.0.1:1/"), timeout=60)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "ddrr: no RabbitMQ answers at amqp://guest:guest@127.0.0.1:1/ — start one with "
        "`rabbitmq-server -detached` (or `docker compose up -d rabbitmq`), or set AMQP_URI."]


def run_until_ready(env) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen([sys.executable, "-m", "services.cli", "run"], env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    lines, deadline = [], time.monotonic() + 120
    for line in process.stdout:
        lines.append(line)
        if "Ctrl-C stops everything" in line or time.monotonic() > deadline:
            break
    return process, "".join(lines)


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
        assert set(logins) == {"admin", "officer-a", "officer-b", "supervisor", "finance", "monitoring", "mentor"}
        assert all(token in output and password in output for _role, token, password in logins.values())
        officer_b = {"Authorization": f"Bearer {logins['officer-b'][1]}"}
        [programme] = requests.get(env["GATEWAY_PUBLIC_URL"] + "/programmes", headers=officer_b, timeout=10).json()
        assert programme["code"] == "LG-2026"
    finally:
        stop(process)
    assert verify(str(tmp_path / "data" / "ledger")).ok

    process, output = run_until_ready(env)
    try:
        assert "Loading the demo dataset" not in output
        assert logins["admin"][1] in output
    finally:
        stop(process)
