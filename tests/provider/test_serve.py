"""`ddrr serve provider` migrates its database, answers, and stops on SIGTERM."""
import signal

import requests

from services.provider.process import spawn
from tests.ports import free_port


def test_serve_provider_runs_until_sigterm(tmp_path):
    process, url = spawn(str(tmp_path), timeout=30, port=free_port())
    try:
        answer = requests.get(f"{url}/v1/float", timeout=5,
                              headers={"Authorization": "Bearer ddrr-local-demo-provider-token"})
        assert answer.json() == {"currency": "USD", "balance": "1000000.00"}
        assert (tmp_path / "provider.db").exists()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
