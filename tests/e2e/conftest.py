"""Browser tests: Playwright's sync API driving Debian's Chromium against pytest-django's live server.

Each test gets `lead_context` / `phone_context` browser contexts and a `steps` recorder that keeps a
screenshot of every step in memory; only when the test fails are they written to `test-artifacts/`
(together with a last screenshot of every page still open), so a green run leaves nothing behind."""

import re
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = "test-artifacts"
TIMEOUT_MS = 15_000


@pytest.fixture(scope="package", autouse=True)
def _allow_orm_next_to_playwright():
    """Set DJANGO_ALLOW_ASYNC_UNSAFE=true while the e2e tests run, and only then.

    Playwright's sync API runs an asyncio event loop on the test's own thread (it switches to and fro with
    greenlets), and between calls it leaves that loop marked as running there. `asyncio.get_running_loop()`
    therefore succeeds in the test thread, and Django's `async_unsafe` guard refuses every ORM call made in it
    with SynchronousOnlyOperation: the test's set-up and assertions, and pytest-django's flush of the
    database after each `transactional_db` test. Nothing here is really asynchronous - this thread and the live
    server's thread both call the ORM synchronously - so the guard is switched off.

    Not at import time (os.environ is process-wide): the variable would then stay set for the rest of the suite
    and for the commands it runs in subprocesses, and `manage.py check --deploy` rightly fails with async.E001
    when it is set (tests/cxprogram/test_settings.py). Package scope: set before, and restored after, every
    fixture of the e2e tests, the browser included."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item (`item.rep_setup`, `item.rep_call`, ...) for the fixtures."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def _failed(node) -> bool:
    return any(getattr(getattr(node, f"rep_{when}", None), "failed", False) for when in ("setup", "call"))


@pytest.fixture(scope="package")
def browser():
    """One headless Chromium for the e2e tests; they skip, saying why, where it is not installed.

    Package scope, not session: Playwright's loop (see above) then stops with the last e2e test instead of
    staying "running" in the main thread while the rest of the suite runs."""
    if not CHROMIUM.exists():
        pytest.skip(f"end-to-end tests need Chromium at {CHROMIUM} (Debian package 'chromium'); it is not installed")
    sync_api = pytest.importorskip("playwright.sync_api", reason="end-to-end tests need the 'playwright' package")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Steps:
    """Screenshots of each step, kept in memory and written out only if the test fails."""

    def __init__(self):
        self.shots: list[tuple[str, bytes]] = []
        self.pages: dict[str, object] = {}

    def watch(self, name: str, page) -> None:
        """Remember an open page, for a last screenshot of it if the test fails."""
        self.pages[name] = page

    def shot(self, name: str, page) -> None:
        self.shots.append((f"{len(self.shots) + 1:02d}-{name}", page.screenshot(full_page=True)))

    def save(self, folder: Path) -> list[Path]:
        folder.mkdir(parents=True, exist_ok=True)
        written = []
        for name, data in self.shots:
            path = folder / f"{name}.png"
            path.write_bytes(data)
            written.append(path)
        for name, page in self.pages.items():
            if page.is_closed():
                continue
            path = folder / f"zz-at-failure-{name}.png"
            try:
                page.screenshot(path=str(path), full_page=True)
            except Exception as error:  # noqa: BLE001 - a failed screenshot must not hide the test's failure
                path.with_suffix(".txt").write_text(f"no screenshot: {error}\n")
            else:
                written.append(path)
        return written


@pytest.fixture
def steps(request):
    recorder = Steps()
    yield recorder
    if _failed(request.node):
        safe = re.sub(r"[^\w.-]+", "_", request.node.nodeid)
        folder = request.config.rootpath / ARTIFACTS / safe
        written = recorder.save(folder)
        print(f"\nscreenshots of the failed test: {len(written)} in {folder}")


def _new_context(browser, live_server, **options):
    context = browser.new_context(base_url=live_server.url, **options)
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    return context


@pytest.fixture
def lead_context(browser, live_server):
    """A desktop browser in English, for the CX lead."""
    context = _new_context(browser, live_server, viewport={"width": 1280, "height": 900}, locale="en-US")
    yield context
    context.close()


@pytest.fixture
def phone_context(browser, live_server):
    """A phone-sized browser in Russian, with no session: a customer opening the public link."""
    context = _new_context(
        browser,
        live_server,
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="ru-RU",
    )
    yield context
    context.close()
