"""Browser journeys: Debian's Chromium driven by Playwright for Python against pytest-django's live server.

They skip, saying why, when Playwright or /usr/bin/chromium is missing; `.ci/run` installs Chromium and sets
TRUSTPACK_REQUIRE_BROWSER=1, which turns that skip into a failure. Playwright never downloads a browser:
it always launches the system Chromium through `executable_path`.
"""

import os
import re
from concurrent.futures import ThreadPoolExecutor
from importlib import import_module
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.services import SESSION_MFA_VERIFIED_AT
from tests.conftest import enrol_totp, totp_code
from tests.factories import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOT_DIR = Path(settings.BASE_DIR) / "var" / "browser-failures"
# A page that has not settled within this long is a failure to look at, not something to wait out.
TIMEOUT_MS = 10_000


def _unavailable_reason() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "browser test: Playwright for Python is not installed (pip install -r requirements.txt)"
    if not CHROMIUM.exists():
        return f"browser test: no Chromium at {CHROMIUM} (apt-get install chromium; .ci/run installs it)"
    return None


@pytest.fixture(scope="module")
def chromium():
    """One headless Chromium per test module; skips (or fails, when TRUSTPACK_REQUIRE_BROWSER is set) without one.

    Module-scoped, not session-scoped: while Playwright runs, Django's ORM needs DJANGO_ALLOW_ASYNC_UNSAFE (see
    below), and the tests of other modules run without it."""
    reason = _unavailable_reason()
    if reason:
        if os.environ.get("TRUSTPACK_REQUIRE_BROWSER"):
            pytest.fail(reason)  # CI asked for the browser: a skip here would hide a broken setup
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    # Playwright's synchronous API marks its event loop as running in this thread between calls, and Django
    # refuses ORM calls made where a loop runs. The test code is ordinary synchronous code: say so while
    # Playwright runs, and only then.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    manager = sync_playwright().start()
    try:
        browser = manager.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
        yield browser
        browser.close()
    finally:
        manager.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(autouse=True)
def _plain_http_cookies(settings):
    # The live server speaks plain HTTP: __Host- cookies and HTTPS redirects (production settings) would
    # keep the browser from signing in at all.
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    settings.SESSION_COOKIE_NAME = "sessionid"
    settings.CSRF_COOKIE_NAME = "csrftoken"
    settings.SECURE_SSL_REDIRECT = False
    settings.SECURE_HSTS_SECONDS = 0


@pytest.fixture
def page(chromium, live_server, request):
    """A fresh browser context (no cookies) on the live server; on failure its screen is kept as a PNG."""
    context = chromium.new_context(base_url=live_server.url, accept_downloads=True)
    context.set_default_timeout(TIMEOUT_MS)
    browser_page = context.new_page()
    request.node.browser_page = browser_page
    yield browser_page
    context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    browser_page = getattr(item, "browser_page", None)
    if report.when == "call" and report.failed and browser_page is not None and not browser_page.is_closed():
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOT_DIR / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', item.name)}.png"
        try:
            browser_page.screenshot(path=str(path), full_page=True)
            report.sections.append(("browser screenshot", f"{path} (at {browser_page.url})"))
        except Exception as error:  # the report matters more than the picture
            report.sections.append(("browser screenshot", f"none: {error}"))
    return report


def fresh_totp_code(device: TOTPDevice) -> str:
    """A code the device accepts now. A code works once per 30-second window, so when this window's code
    was used already the device's clock is moved on a window (as for an app running a little fast)
    rather than the test sleeping until the next one."""
    device.refresh_from_db()
    window = TOTP(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift).t()
    if window <= device.last_t:
        device.drift += device.last_t - window + 1
        device.save(update_fields=["drift"])
    return totp_code(device)


def wrong_totp_code(device: TOTPDevice) -> str:
    """A 6-digit code the device refuses now: none of the windows it would accept shows it."""
    device.refresh_from_db()
    generator = TOTP(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift)
    accepted = set()
    for offset in range(-device.tolerance, device.tolerance + 1):
        generator.drift = device.drift + offset
        accepted.add(f"{generator.token():06d}")
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in accepted)


def sign_in(page, user, *, password: str = PASSWORD) -> TOTPDevice:
    """Sign `user` in through the pages: password, then a code from their authenticator (enrolled here when
    they have none). Ends on the page the sign-in leads to."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or enrol_totp(user)
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Two-factor authentication").wait_for()
    page.get_by_label("Code").fill(fresh_totp_code(device))
    page.get_by_role("button", name="Verify and continue").click()
    page.wait_for_load_state()
    return device


def session_step_up_stale(page) -> None:
    """Make the browser's session old enough that the next sensitive action asks for a code again."""
    cookie = next(c for c in page.context.cookies() if c["name"] == settings.SESSION_COOKIE_NAME)
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key=cookie["value"])
    store[SESSION_MFA_VERIFIED_AT] = 0
    store.save()


def off_the_browser_thread(func, /, *args, **kwargs):
    """Call `func` in a thread of its own and return its result. Code that runs an asyncio loop itself (pyHanko
    signs a PDF with `asyncio.run`) fails in the test's thread while Playwright marks its loop as running there."""

    def call():
        try:
            return func(*args, **kwargs)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call).result()
