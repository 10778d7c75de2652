"""Fixtures for real-browser tests: Playwright driving Debian's Chromium.

Playwright cannot download its own browser builds here, so the tests launch the
system Chromium (``/usr/bin/chromium`` or ``$CHROMIUM_PATH``) through
``executable_path``. Without Chromium the tests fail (SKIP_SYSTEM_TESTS=1 skips them, loudly).

Every response the pages a test drives receive from the live server is watched as well: a
server error (5xx) anywhere, or a failed static file, script request (htmx) or image
(4xx), fails the test with its URL, even when nothing on the page shows it; a test that
provokes one on purpose marks itself ``allow_failed_responses``.

Every page a test visits is checked with axe-core (axe-playwright-python, which ships
axe.min.js: nothing is fetched at test time): after each ``goto``/``reload``, after any
other navigation as soon as the test next uses the page, and once more at the end of the
test. A critical or serious violation fails the test with a readable list; the figures
per page are printed at the end of the run and written to test-results/axe-summary.txt.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import shutil
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import pytest

from tests.system_tools import unavailable

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

# The live server runs in a thread while Playwright's sync API runs an event loop
# in the test thread; Django's async-safety guard would otherwise refuse ORM calls
# made from the test body.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

BROWSER_TESTS_DIR = Path(__file__).resolve().parent
DEFAULT_CHROMIUM = "/usr/bin/chromium"
DEFAULT_TIMEOUT_MS = 15_000
RESULTS_DIR = BROWSER_TESTS_DIR.parent.parent / "test-results"
SUBMIT_BUTTON = "button[type='submit'], input[type='submit'], button:not([type])"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(config, items):
    """Mark every test under tests/browser as ``browser``."""
    for item in items:
        if Path(item.path).resolve().is_relative_to(BROWSER_TESTS_DIR):
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item so ``page`` can tell a failed test."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def _unavailable(reason: str) -> NoReturn:
    unavailable(f"Browser tests cannot run: {reason}")


def chromium_path() -> str | None:
    candidate = os.environ.get("CHROMIUM_PATH") or DEFAULT_CHROMIUM
    if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
        return candidate
    return shutil.which(candidate)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = chromium_path()
    if executable is None:
        _unavailable(
            f"Chromium not found at {os.environ.get('CHROMIUM_PATH') or DEFAULT_CHROMIUM} "
            "(apt-get install chromium, or set CHROMIUM_PATH)"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        _unavailable(f"the playwright package is not installed ({exc})")

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=executable,
            headless=True,
            args=CHROMIUM_ARGS,
        )
        try:
            yield launched
        finally:
            launched.close()


# ---------------------------------------------------------------- axe-core

AXE_FAILING_IMPACTS = ("critical", "serious")
# Page methods a test uses to act on the page: an audit that waits for a navigation runs
# before them. goto and reload audit right after they return.
AXE_BEFORE = (
    "locator",
    "get_by_role",
    "get_by_label",
    "get_by_text",
    "get_by_placeholder",
    "content",
    "screenshot",
    "goto",
    "click",
    "fill",
    "evaluate",
    "wait_for_timeout",
)
AXE_AFTER = ("goto", "reload", "go_back", "go_forward")
# Every page checked in this run: url pattern -> [audits, violations by impact].
AXE_SUMMARY: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))


def _url_pattern(url: str) -> str:
    """/cases/12/records/ -> /cases/<id>/records/ (one row per page, not per object)."""
    path = re.sub(r"^https?://[^/]+", "", url).split("#")[0]
    path, _sep, query = path.partition("?")
    path = re.sub(r"/\d+(?=/|$)", "/<id>", path)
    return path + ("?" + re.sub(r"=[^&]*", "=…", query) if query else "")


class AxeAudit:
    """Runs axe-core over a page at each navigation; collects what fails."""

    def __init__(self, page: Page):
        from axe_playwright_python.sync_playwright import Axe

        self.page = page
        self.axe = Axe()
        self.pending = False
        self.running = False
        self.failures: list[str] = []
        page.on("load", self._loaded)
        for name in set(AXE_BEFORE) | set(AXE_AFTER):
            original = getattr(page, name)
            setattr(page, name, self._wrap(original, name))

    def _loaded(self, _page) -> None:
        self.pending = True

    def _wrap(self, original, name):
        @functools.wraps(original)
        def wrapped(*args, **kwargs):
            if name in AXE_BEFORE:
                self.run_pending()
            result = original(*args, **kwargs)
            if name in AXE_AFTER:
                self.run()
            return result

        return wrapped

    def run_pending(self) -> None:
        if self.pending:
            self.run()

    def run(self) -> None:
        if self.running:
            return
        self.pending = False
        url = self.page.url
        if not url.startswith("http") or url.endswith("/healthz"):
            return
        self.running = True
        try:
            with contextlib.suppress(Exception):  # a page still loading: the next call audits it
                self.page.wait_for_load_state("load")
            try:
                results = self.axe.run(self.page, options={"resultTypes": ["violations"]})
            except Exception as exc:  # the page navigated away while axe ran
                if "context was destroyed" in str(exc) or "navigation" in str(exc):
                    self.pending = True
                    return
                raise
        finally:
            self.running = False
        pattern = _url_pattern(url)
        summary = AXE_SUMMARY[pattern]
        summary["audits"] += 1
        for violation in results.response["violations"]:
            impact = violation.get("impact") or "minor"
            summary[impact] += len(violation["nodes"])
            if impact in AXE_FAILING_IMPACTS:
                nodes = "\n".join(
                    f"      {', '.join(map(str, n['target']))}: {n.get('html', '')[:160]}"
                    for n in violation["nodes"]
                )
                self.failures.append(
                    f"{pattern} [{impact}] {violation['id']}: {violation['help']}\n{nodes}"
                )


def summary_state() -> dict[str, dict[str, int]]:
    """AXE_SUMMARY as plain data, sent by an xdist worker (tests/conftest.py)."""
    return {pattern: dict(row) for pattern, row in AXE_SUMMARY.items()}


def merge_summary_state(state: dict[str, dict[str, int]]) -> None:
    for pattern, row in state.items():
        for key, count in row.items():
            AXE_SUMMARY[pattern][key] += count


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    write_summary(terminalreporter)


def write_summary(terminalreporter) -> None:
    """axe-core's figures per page: audits, then violations by impact."""
    if not AXE_SUMMARY:
        return
    impacts = ("critical", "serious", "moderate", "minor")
    lines = [f"{'page':60} audits " + " ".join(f"{i:>8}" for i in impacts)]
    for pattern in sorted(AXE_SUMMARY):
        row = AXE_SUMMARY[pattern]
        lines.append(
            f"{pattern[:60]:60} {row['audits']:>6} " + " ".join(f"{row[i]:>8}" for i in impacts)
        )
    terminalreporter.section("axe-core: violations per page (nodes)")
    for line in lines:
        terminalreporter.line(line)
    RESULTS_DIR.mkdir(exist_ok=True)
    (RESULTS_DIR / "axe-summary.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


class ResponseWatch:
    """The live server's responses a page received that no user should meet: any 5xx,
    and a 4xx for anything but the page itself (a test may go to a refused page on
    purpose; a missing stylesheet, icon or htmx fragment is a defect)."""

    def __init__(self, page: Page):
        self.failures: list[str] = []
        page.on("response", self._response)
        page.on("requestfailed", self._request_failed)

    @staticmethod
    def _ours(url: str) -> bool:
        return url.startswith(("http://localhost", "http://127.0.0.1"))

    def _response(self, response) -> None:
        if not self._ours(response.url) or response.status < 400:
            return
        request = response.request
        if response.status >= 500 or request.resource_type != "document":
            self.failures.append(
                f"{request.method} {_url_pattern(response.url)} ({request.resource_type}) "
                f"answered {response.status}"
            )

    def _request_failed(self, request) -> None:
        failure = request.failure or ""
        # A navigation or an htmx request the page itself abandoned is not a failure.
        if self._ours(request.url) and "ERR_ABORTED" not in failure:
            self.failures.append(
                f"{request.method} {_url_pattern(request.url)} ({request.resource_type}) "
                f"failed: {failure}"
            )


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    context = browser.new_context(
        locale="ja-JP", timezone_id="Asia/Tokyo", viewport={"width": 1366, "height": 768}
    )
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    new_page = context.new_page()
    audit = AxeAudit(new_page)
    watch = ResponseWatch(new_page)
    try:
        yield new_page
        if watch.failures and request.node.get_closest_marker("allow_failed_responses") is None:
            pytest.fail(
                "the live server answered requests with errors:\n  " + "\n  ".join(watch.failures),
                pytrace=False,
            )
        audit.run()  # the page the test ended on
        if audit.failures:
            pytest.fail(
                "axe-core found critical or serious accessibility violations:\n"
                + "\n".join(audit.failures),
                pytrace=False,
            )
    finally:
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed:
            RESULTS_DIR.mkdir(exist_ok=True)
            name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)
            with contextlib.suppress(Exception):  # a screenshot must not hide the failure
                new_page.screenshot(path=str(RESULTS_DIR / f"{name}.png"), full_page=True)
        context.close()


@pytest.fixture
def live_url(live_server) -> str:
    """Base URL of pytest-django's live server, without a trailing slash."""
    return live_server.url.rstrip("/")


@pytest.fixture
def login() -> Callable[..., None]:
    """Return ``login(page, live_url, username, password)``.

    It fills the form at /accounts/login/, then the two-factor step with the code of the
    user's authenticator (a confirmed TOTP device is created for the user if they have
    none; the code is computed from its key), and waits for the redirect to /.
    """

    def _login(page: Page, live_url: str, username: str, password: str) -> None:
        from django.contrib.auth import get_user_model

        from tests.auth_helpers import current_code, totp_device_for

        user = get_user_model().objects.get(username=username)
        device = totp_device_for(user)
        # A second login of the same user within one 30-second step would reuse the
        # step's code, which django-otp rightly refuses: let this login use it.
        type(device).objects.filter(pk=device.pk).update(last_t=-1)
        device.refresh_from_db()

        page.goto(f"{live_url}/accounts/login/")
        form = page.locator("form:has(input[name='username'])")
        form.locator("input[name='username']").fill(username)
        form.locator("input[name='password']").fill(password)
        with page.expect_navigation():
            form.locator(SUBMIT_BUTTON).first.click()
        if "/accounts/2fa/" not in page.url:
            raise AssertionError(
                f"login as {username!r} did not ask for the second factor; the browser is at {page.url}"
            )
        code_form = page.locator("form:has(input[name='code'])")
        code_form.locator("input[name='code']").fill(current_code(device))
        with page.expect_navigation():
            code_form.locator(SUBMIT_BUTTON).first.click()
        if page.url != f"{live_url}/":
            raise AssertionError(
                f"login as {username!r} did not redirect to /; the browser is at {page.url}"
            )

    return _login
