#!/usr/bin/env python3
"""Container health checks with nothing but the standard library (the slim image has no curl).

    ddrr-healthcheck amqp        exit 0 when this container holds an ESTABLISHED TCP
                                 connection to the broker port taken from AMQP_URI
    ddrr-healthcheck http URL    exit 0 when URL answers 2xx within 3 seconds

Why `amqp` looks at /proc/net/tcp: the nameko workers serve no port of their own, and
`ddrr serve` migrates the database before nameko connects, so "connected to the broker"
means "migrated and consuming". A container (or pod) has its own network namespace, so
the connections listed are this service's only.
"""
import os
import sys
import urllib.error
import urllib.parse
import urllib.request

ESTABLISHED = "01"


def broker_port() -> int:
    uri = os.environ.get("AMQP_URI", "amqp://localhost:5672/")
    parsed = urllib.parse.urlsplit(uri)
    return parsed.port or (5671 if parsed.scheme == "amqps" else 5672)


def connected_to(port: int, tables=("/proc/net/tcp", "/proc/net/tcp6")) -> bool:
    for table in tables:
        try:
            with open(table, encoding="ascii") as handle:
                next(handle)  # header
                for line in handle:
                    fields = line.split()
                    remote, state = fields[2], fields[3]
                    if state == ESTABLISHED and int(remote.rsplit(":", 1)[1], 16) == port:
                        return True
        except FileNotFoundError:
            continue
    return False


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=3) as response:
            return 200 <= response.status < 300
    except (urllib.error.URLError, OSError):
        return False


def main(argv: list[str]) -> int:
    if argv[:1] == ["amqp"] and len(argv) == 1:
        port = broker_port()
        if connected_to(port):
            return 0
        print(f"no established connection to the broker port {port}", file=sys.stderr)
        return 1
    if argv[:1] == ["http"] and len(argv) == 2:
        if http_ok(argv[1]):
            return 0
        print(f"{argv[1]} did not answer 2xx", file=sys.stderr)
        return 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
