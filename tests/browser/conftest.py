"""Browser tests: Playwright drives Debian's Chromium (never a browser of its
own: `playwright install` downloads one, which this project never does),
pages come from pytest-django's live server, and axe-core (4.12.1, the
axe.min.js that axe-playwright-python bundles) checks every page a test
visits.

Without Chromium (or Playwright) the tests skip, saying why; with
REQUIRE_BROWSER=1 (CI) they fail instead. CHROMIUM_PATH picks another
executable. SCREENSHOTS_DIR=<folder> saves a full-page PNG of every page
checked, as <lang>-<viewport>-<page>.png.

Pages run under the shop's Content-Security-Policy (Playwright's
bypass_csp stays off): any violation the browser reports, as a
`securitypolicyviolation` event or on the console, fails the test.
"""

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

# Impacts that fail a test; "moderate" and "minor" ones are printed only.
FAILING_IMPACTS = ("serious", "critical")

# The browser's language (Accept-Language) for each language the shop speaks.
LOCALES = {"en": "en-US", "fr": "fr-FR"}
VIEWPORTS = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}


# Each aria-describedby, aria-labelledby, aria-controls or label[for] that
# names an id no element has.
MISSING_REFERENCES = """
() => Array.from(document.querySelectorAll("[aria-describedby], [aria-labelledby], [aria-controls], label[for]"))
  .flatMap(el => ["aria-describedby", "aria-labelledby", "aria-controls", "for"]
    .filter(attr => el.hasAttribute(attr) && !(attr === "for" && el.tagName !== "LABEL"))
    .flatMap(attr => el.getAttribute(attr).split(/\\s+/).filter(Boolean)
      .filter(id => !document.getElementById(id))
      .map(id => `${el.tagName.toLowerCase()}#${el.id || "?"} ${attr}="${id}"`)))
"""


# Each policy violation of any page of the context, told to the test as it
# happens (the event fires where the page was blocked: an element, the
# document; it bubbles, and is caught here before the page's own scripts).
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportCspViolation(`${event.effectiveDirective} refused ${event.blockedURI || "inline code"}`
    + ` in ${event.sourceFile || document.location.href}:${event.lineNumber} ${event.sample || ""}`);
}, true);
"""


def chromium_path() -> str | None:
    configured = os.environ.get("CHROMIUM_PATH")
    if configured:
        return configured if os.access(configured, os.X_OK) else None
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


def browser_unavailable(reason: str) -> None:
    """Skip, or fail where the browser tests must run (REQUIRE_BROWSER=1)."""
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason}; REQUIRE_BROWSER=1 asks for the browser tests to run", pytrace=False)
    pytest.skip(f"{reason} (set REQUIRE_BROWSER=1 to fail instead)")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    path = chromium_path()
    if path is None:
        browser_unavailable("no Chromium found: apt-get install chromium (make install does, as root)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        browser_unavailable("Playwright is not installed: make install")
    # Playwright's sync API keeps an event loop running in this thread, and
    # Django refuses ORM calls from a thread with a running loop; the tests
    # call the ORM between browser steps, never from async code.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            # Root (CI, this machine) cannot use Chromium's sandbox.
            args = ["--no-sandbox"] if os.geteuid() == 0 else []
            browser = playwright.chromium.launch(executable_path=path, args=args)
            try:
                yield browser
            finally:
                browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


class Shop:
    """A browser tab on the live server, in one language and one viewport,
    that checks each page with axe-core and (SCREENSHOTS_DIR) saves it."""

    def __init__(self, page, base_url: str, lang: str, viewport: str) -> None:
        self.page = page
        self.base_url = base_url
        self.lang = lang
        self.viewport = viewport
        self.violations: list[str] = []
        self.checked: list[str] = []
        self.errors: list[str] = []
        self.outside: list[str] = []
        self.overflows: list[str] = []
        self.csp_violations: list[str] = []
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("console", self._console)

    def _console(self, message) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            self.csp_violations.append(f"console: {message.text}")

    def url(self, path: str) -> str:
        return self.base_url + path

    def goto(self, path: str, name: str, *, status: int = 200):
        response = self.page.goto(self.url(path))
        assert response is not None and response.status == status, (path, response and response.status)
        self.check(name)
        return response

    def check(self, name: str) -> None:
        """The page as it settled: its language, a screenshot, axe-core."""
        page = self.page
        page.wait_for_load_state("load")
        page.evaluate("document.fonts.ready.then(() => true)")
        lang = page.evaluate("document.documentElement.lang")
        assert lang.startswith(self.lang), f"{name}: <html lang={lang!r}>, expected {self.lang}"
        # axe-core leaves an ARIA reference to a missing id "to review"
        # (the id could come later): here, the page has settled, so it fails.
        missing = page.evaluate(MISSING_REFERENCES)
        self.violations += [f"{name} ({page.url}): {ref} names no element on the page" for ref in missing]
        # Nothing wider than the screen: a phone would scroll sideways.
        width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        if width[0] > width[1]:
            self.overflows.append(f"{name} ({page.url}): {width[0]} px wide on a {width[1]} px screen")
        folder = os.environ.get("SCREENSHOTS_DIR")
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            # Every picture in the picture, lazy ones below the fold too.
            page.evaluate("document.querySelectorAll('img[loading=lazy]').forEach(img => { img.loading = 'eager'; })")
            page.wait_for_function("Array.from(document.images).every(img => img.hidden || img.complete)")
            page.screenshot(path=str(Path(folder) / f"{self.lang}-{self.viewport}-{name}.png"), full_page=True)
        results = page.evaluate("axe.run({resultTypes: ['violations']})")
        self.checked.append(name)
        for violation in results["violations"]:
            targets = "; ".join(" ".join(node["target"]) for node in violation["nodes"])
            line = f"{name} ({page.url}): {violation['id']} [{violation['impact']}] {violation['help']} at: {targets}"
            print(("VIOLATION " if violation["impact"] in FAILING_IMPACTS else "note ") + line)
            if violation["impact"] in FAILING_IMPACTS:
                self.violations.append(line)

    def assert_clean(self) -> None:
        """What every page checked must have been: no script error, no
        Content-Security-Policy violation, no request outside the live server, no page wider than the screen, no
        serious or critical axe-core violation."""
        problems = [f"JavaScript error: {error}" for error in self.errors]
        problems += [f"Content-Security-Policy violation: {violation}" for violation in self.csp_violations]
        problems += [f"request outside the live server (refused): {url}" for url in self.outside]
        problems += self.overflows
        problems += self.violations
        if problems:
            pages = ", ".join(self.checked)
            pytest.fail(f"{len(problems)} problems on the pages {pages}:\n" + "\n".join(problems), pytrace=False)


@pytest.fixture
def shop(browser, live_server, transactional_db, lang, viewport) -> Iterator[Shop]:
    from axe_playwright_python.base import AXE_FILE_PATH

    context = browser.new_context(locale=LOCALES[lang], reduced_motion="reduce", **VIEWPORTS[viewport])
    # axe-core in every page before its own scripts (compiled once, cached:
    # a third of a second a page less than evaluating it after each load).
    context.add_init_script(path=AXE_FILE_PATH)
    base = live_server.url
    shop = None

    # No network in tests: anything but the live server is refused.
    def refuse_outside(route) -> None:
        shop.outside.append(route.request.url)
        route.abort()

    host = urlsplit(base).netloc
    context.route(re.compile(rf"^(?!https?://{re.escape(host)}/)[a-z]+://"), refuse_outside)
    context.expose_function("reportCspViolation", lambda text: shop.csp_violations.append(text))
    context.add_init_script(script=REPORT_CSP_VIOLATIONS)
    context.set_default_timeout(15_000)
    shop = Shop(context.new_page(), base, lang, viewport)
    try:
        yield shop
    finally:
        context.close()
