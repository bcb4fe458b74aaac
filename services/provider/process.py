"""The provider as a child process (`ddrr serve provider`), for tests, benchmarks and anything
else that needs a real one running beside it; returns once it answers /health."""
import os
import socket
import subprocess
import sys
import time

import requests


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def spawn(data_dir: str, timeout: float = 60, port: int | None = None, **env: str) -> tuple[subprocess.Popen, str]:
    """Start a provider keeping its database in `data_dir`, with PROVIDER_* settings from
    `env`, on `port` or else a free one; the process and its base URL."""
    port = port or free_port()
    child_env = {**os.environ, **env, "DDRR_DATA_DIR": data_dir, "PROVIDER_ADDRESS": f"127.0.0.1:{port}"}
    child = subprocess.Popen([sys.executable, "-m", "services.cli", "serve", "provider"], env=child_env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url, deadline = f"http://127.0.0.1:{port}", time.monotonic() + timeout
    while child.poll() is None and time.monotonic() < deadline:
        try:
            if requests.get(f"{url}/health", timeout=1).ok:
                return child, url
        except requests.ConnectionError:
            time.sleep(0.2)
    child.kill()
    child.wait()
    raise RuntimeError(f"the provider did not answer at {url} within {timeout:.0f} s")
