"""`ddrr serve provider` migrates its database, answers, and stops on SIGTERM."""
import os
import signal
import socket
import subprocess
import sys
import time

import requests


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_serve_provider_runs_until_sigterm(tmp_path):
    port = free_port()
    env = {**os.environ, "DDRR_DATA_DIR": str(tmp_path), "PROVIDER_ADDRESS": f"127.0.0.1:{port}"}
    process = subprocess.Popen([sys.executable, "-m", "services.cli", "serve", "provider"], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(f"http://127.0.0.1:{port}/health", timeout=1).ok:
                    break
            except requests.ConnectionError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, "the provider did not start"
            time.sleep(0.2)
        answer = requests.get(f"http://127.0.0.1:{port}/v1/float", timeout=5,
                              headers={"Authorization": "Bearer ddrr-local-demo-provider-token"})
        assert answer.json() == {"currency": "USD", "balance": "1000000.00"}
        assert (tmp_path / "provider.db").exists()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
