"""Browser tests: each role's job in headless Debian Chromium against the in-process suite.

Chromium comes from the system (`.ci/run` installs Debian's package), never from
`playwright install`. Without it the browser tests skip on a developer's machine and fail
in CI. A scenario (tests/browser/scenarios.py) runs in a child process; screenshots go to
test-artifacts/screenshots/. axe-core checks every page a scenario loads: a serious or
critical violation fails the test.
"""
import json
import os
import subprocess
import sys

import pytest

from tests.browser.browser import CHROMIUM

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture
def chromium():
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium package")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium); the browser tests need it")


@pytest.fixture
def browse(chromium, suite):
    """`browse("officer_day", cohort=...)`: run a scenario in Chromium, get its report."""

    def run(scenario: str, **arguments) -> dict:
        # eventlet's green subprocess: the suite keeps serving the browser while this waits
        done = subprocess.run([sys.executable, "-m", "tests.browser.scenarios", scenario], cwd=ROOT,
                              input=json.dumps({"base_url": suite.base_url, **arguments}),
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, f"scenario {scenario} failed:\n{done.stderr[-6000:]}"
        seen = json.loads(done.stdout)
        assert seen.pop("accessibility") == [], "axe-core found serious or critical violations"
        return seen

    return run
