#!/usr/bin/env python3
"""Container health checks with nothing but the standard library (the slim image has no curl).

    ddrr-healthcheck URL    exit 0 when URL answers 2xx within 3 seconds

docker-compose's health checks run it against each service's `/readyz` (shared/health.py),
the provider's `/health` and Fava; Kubernetes probes the same URLs with `httpGet`.
"""
import sys
import urllib.error
import urllib.request


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=3) as response:
            return 200 <= response.status < 300
    except (urllib.error.URLError, OSError):
        return False


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    if http_ok(argv[0]):
        return 0
    print(f"{argv[0]} did not answer 2xx", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
