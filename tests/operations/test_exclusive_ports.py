"""A port the suite serves is never shared: a service whose port another process already
serves (bound as eventlet binds by default, with SO_REUSEPORT, which would let a second
holder in beside it) stops at start with one line naming the address."""
import subprocess
import sys

import eventlet
import pytest

from tests.e2e.test_run_command import environment


@pytest.mark.parametrize("service, setting", [("ledger", "LEDGER_CALLBACK_ADDRESS"), ("gateway", "GATEWAY_ADDRESS"),
                                              ("mentorship", "MENTORSHIP_METRICS_PORT")])
def test_a_port_already_served_stops_the_service_with_one_line(tmp_path, rabbit_config, service, setting):
    env = environment(tmp_path, rabbit_config["AMQP_URI"])
    port = int(env[setting].rsplit(":", 1)[-1])
    held = eventlet.listen(("127.0.0.1", port))
    try:
        result = subprocess.run([sys.executable, "-m", "services.cli", "serve", service], env=env,
                                capture_output=True, text=True, timeout=60)
    finally:
        held.close()
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].endswith(
        f"{service} cannot start: 127.0.0.1:{port} is already in use by another process")
