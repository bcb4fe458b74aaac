"""A person at a browser: Playwright's sync API over Debian's Chromium, in a process of its own.

The tests run the suite on eventlet, whose monkey-patching Playwright's greenlets do not
survive (calls hang), so each browser session runs here, in a plain child process started
by `run_scenario` in conftest.py, and reports what it saw as JSON.
"""
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PASSWORD = "correct horse battery staple"
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}
BLOCKING = ("serious", "critical")  # axe-core impacts that fail a test
AXE = Axe()


class Person:
    """One browser context (its own cookies); remembers every URL it requested, and what
    axe-core found wrong on every page it loaded."""

    def __init__(self, browser, base_url: str, viewport: dict = DESKTOP):
        self.violations: list[str] = []
        self.context = browser.new_context(base_url=base_url, viewport=viewport)
        self.page: Page = self.context.new_page()
        self.page.set_default_timeout(20_000)
        self.urls: list[str] = []
        self.page.on("request", lambda request: self.urls.append(request.url))
        self.page.on("load", lambda loaded: self.check(loaded))

    def check(self, page: Page) -> None:
        """axe-core on the page just loaded: its serious and critical violations, by rule and address."""
        if not page.url.startswith("http"):
            return
        found = AXE.run(page).response["violations"]
        self.violations += [f"{page.url} {v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
                            for v in found if v["impact"] in BLOCKING]

    def sign_in(self, username: str, password: str = PASSWORD) -> Page:
        self.page.goto("/app/sign-in")
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", password)
        self.press("main button[type=submit]")
        return self.page

    def press(self, selector: str) -> None:
        """Click a link or a form's button and wait for the page it leads to."""
        with self.page.expect_navigation():
            self.page.click(selector)

    def notice(self) -> str:
        return self.page.locator(".notice").inner_text()

    def shot(self, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def browse(base_url: str, scenario) -> dict:
    """Run `scenario(open_person)` with a fresh Chromium; returns what it reports, with the
    accessibility violations of every page any of its people loaded."""
    people: list[Person] = []

    def open_person(viewport=DESKTOP) -> Person:
        people.append(Person(chromium, base_url, viewport))
        return people[-1]

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM))
        try:
            seen = scenario(open_person)
            return {**seen, "accessibility": [found for person in people for found in person.violations]}
        finally:
            chromium.close()
