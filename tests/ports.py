"""Ports for what the tests serve. A port found free by binding port 0 and letting it go can be
handed to the other test part, or to an outgoing connection, before the service under test binds
it; so each part takes its ports from its own range, below the kernel's ephemeral range, and
skips any port something still holds."""
import itertools
import os
import socket

RANGE = 3_000
_FIRST = 10_000 + RANGE * int(os.environ.get("DDRR_TEST_SHARD", "0"))
_candidates = itertools.cycle(range(_FIRST, _FIRST + RANGE))


def free_port() -> int:
    for port in _candidates:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
