"""Whether Fava answers at `FAVA_URL`: the pages link to it only then. Asked with a short
timeout and remembered briefly, so a page never waits long on it."""
import time

import requests

TIMEOUT_SECONDS, REMEMBER_SECONDS = 0.5, 30
_seen: dict[str, tuple[float, bool]] = {}


def reachable(config: dict) -> str | None:
    """FAVA_URL when Fava answered lately, else None."""
    url = config["GATEWAY"]["fava_url"]
    asked_at, answered = _seen.get(url, (float("-inf"), False))
    if time.monotonic() - asked_at > REMEMBER_SECONDS:
        try:
            answered = requests.get(url, timeout=TIMEOUT_SECONDS, allow_redirects=False).status_code < 500
        except requests.RequestException:
            answered = False
        _seen[url] = (time.monotonic(), answered)
    return url if answered else None
