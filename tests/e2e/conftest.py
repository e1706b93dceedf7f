"""Browser tests: one Streamlit server per test session (per pytest-xdist worker), driven by Playwright with the system Chromium.

Run them with ``python -m pytest tests/e2e -q -m e2e``.  They need playwright (the Python
package) and a system Chromium (``/usr/bin/chromium``, or ``chromium`` on PATH); without
either, every test here is skipped and collection still succeeds.  Never run
``playwright install``: the tests use the Debian browser.

Every test opens its own browser context, i.e. its own Streamlit session, so tests do
not depend on each other's order.  Reading the files and the analysis are cached by
the server on the files' content, so only the first test pays for them.
"""

from __future__ import annotations

import importlib.util
import os
import tempfile
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
SAMPLE = ROOT / "sample_data"
SCREENSHOTS = ROOT / "docs" / "screenshots"
VIEWPORT = {"width": 1400, "height": 900}

#: the three files of the user's path: returns, shipments (the denominator), the lot master
SAMPLE_FILES = [SAMPLE / "fba_customer_returns.txt", SAMPLE / "fba_customer_shipment_sales.txt", SAMPLE / "lot_master.xlsx"]

CHROMIUM_MISSING = "Chromium not found: browser tests skipped (apt-get install chromium)"
PLAYWRIGHT_MISSING = "playwright (Python package) not installed: browser tests skipped (pip install playwright)"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--no-first-run", "--disable-sync"]

SERVER_START_TIMEOUT = 60  # s until /_stcore/health says ok
RUN_TIMEOUT = 120  # s for one script run (the first analysis of the sample takes a few seconds)
ACTION_TIMEOUT = 30_000  # ms for Playwright actions and expectations


def find_chromium() -> str | None:
    """``E2E_CHROMIUM`` (a path) if set, else /usr/bin/chromium, else ``chromium`` on PATH."""
    override = os.environ.get("E2E_CHROMIUM")
    candidates = (override,) if override else ("/usr/bin/chromium", shutil.which("chromium"))
    for candidate in candidates:
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def _skip_reason() -> str | None:
    if importlib.util.find_spec("playwright") is None:
        return PLAYWRIGHT_MISSING
    if find_chromium() is None:
        return CHROMIUM_MISSING
    return None


def pytest_collection_modifyitems(config, items):
    """Without playwright or Chromium, skip every test of this directory (and only those)."""
    reason = _skip_reason()
    if reason is None:
        return
    marker = pytest.mark.skip(reason=reason)
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(marker)


# ------------------------------------------------------------------ server
def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
            return resp.status == 200 and resp.read().strip() == b"ok"
    except (urllib.error.URLError, OSError):
        return False


def _tail(path: Path, n: int = 40) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-n:])
    except OSError:
        return "(no log)"


def _stop(proc: subprocess.Popen) -> None:
    """Stop the server we started: its own process group (streamlit may have children), by id."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=10)


@pytest.fixture(scope="session")
def app_url(tmp_path_factory) -> str:
    """Start ``streamlit run app.py`` from the repo root on a free port; yield its base URL."""
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    env = dict(os.environ)
    env.pop("WORKBENCH_OPEN_SAMPLE", None)  # the tests load their data through the page, as a user would
    env["PYTHONUNBUFFERED"] = "1"
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.address", "127.0.0.1",
           "--server.port", str(port), "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while not _healthy(url):
            if proc.poll() is not None:
                pytest.fail(f"streamlit exited with code {proc.returncode} before it was healthy:\n{_tail(log)}")
            if time.monotonic() > deadline:
                pytest.fail(f"streamlit not healthy at {url} after {SERVER_START_TIMEOUT} s:\n{_tail(log)}")
            time.sleep(0.25)
        yield url
    finally:
        _stop(proc)


# ----------------------------------------------------------------- browser
@pytest.fixture(scope="session")
def browser():
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=find_chromium(), headless=True, args=LAUNCH_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser):
    """A fresh browser context (a new Streamlit session) at 1400x900, downloads allowed."""
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True, locale="en-US")
    context.set_default_timeout(ACTION_TIMEOUT)
    pg = context.new_page()
    try:
        yield pg
    finally:
        context.close()


# ------------------------------------------------------------------ helper
_STATE_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app) return 'loading';
  const state = app.getAttribute('data-test-script-state');
  if (state !== 'notRunning') return state || 'unknown';
  if (document.querySelector('[data-testid="stStatusWidget"]')) return 'status-widget';
  if (document.querySelector('[data-testid="stSpinner"]')) return 'spinner';
  if (document.querySelector('[data-testid="stSkeleton"]')) return 'skeleton';
  return 'idle';
}"""

_HAS_EMOJI_FONT: bool | None = None


def _has_emoji_font() -> bool:
    """Whether the machine can draw the page icons (📂 🎯 ...); without one they show as boxes."""
    global _HAS_EMOJI_FONT
    if _HAS_EMOJI_FONT is None:
        try:
            out = subprocess.run(["fc-list"], capture_output=True, text=True, timeout=10).stdout.lower()
            _HAS_EMOJI_FONT = "emoji" in out
        except (OSError, subprocess.SubprocessError):
            _HAS_EMOJI_FONT = False
    return _HAS_EMOJI_FONT


class App:
    """The workbench in one browser tab: navigation and waits in the user's terms."""

    def __init__(self, page, url: str):
        self.page = page
        self.url = url

    # ---- waiting
    def wait_idle(self, timeout: float = RUN_TIMEOUT, settle: float = 0.6) -> None:
        """Wait until Streamlit has finished running: script not running, no status widget or spinner,
        for ``settle`` seconds in a row (a click's rerun can take a moment to start)."""
        deadline = time.monotonic() + timeout
        since = None
        seen: list[str] = []
        while True:
            state = self.page.evaluate(_STATE_JS)
            if not seen or seen[-1] != state:
                seen.append(state)
            now = time.monotonic()
            if state == "idle":
                since = since or now
                if now - since >= settle:
                    return
            else:
                since = None
            if now > deadline:
                raise AssertionError(f"Streamlit still busy after {timeout} s (states seen: {seen})")
            time.sleep(0.1)

    # ---- navigation
    def open(self) -> "App":
        self.page.goto(self.url)
        self.page.locator('[data-testid="stSidebarNav"]').wait_for(timeout=60_000)
        self.wait_idle()
        return self

    def set_language(self, name: str) -> None:
        """Click 中文 or English in the sidebar radio."""
        self.page.locator('[data-testid="stSidebar"] [data-testid="stRadioOption"]', has_text=name).click()
        self.wait_idle()

    def nav(self, title: str) -> None:
        """Go to a page by its (translated) title in the sidebar navigation."""
        self.page.locator('[data-testid="stSidebarNav"] a', has_text=title).click()
        self.wait_idle()
        self.expect_title(title)

    def expect_title(self, title: str) -> None:
        from playwright.sync_api import expect

        expect(self.main.locator("h1").first).to_have_text(title)

    # ---- content
    @property
    def main(self):
        return self.page.locator('[data-testid="stMain"]')

    def main_text(self) -> str:
        return self.main.inner_text()

    def upload(self, paths) -> None:
        self.page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files([str(p) for p in paths])
        self.wait_idle()

    def expect_alert(self, text: str, timeout: float = RUN_TIMEOUT):
        """An st.success / st.error / st.info box containing ``text`` (waits for it)."""
        from playwright.sync_api import expect

        alert = self.main.locator('[data-testid="stAlert"]', has_text=text).first
        expect(alert).to_be_visible(timeout=timeout * 1000)
        return alert

    def grid_cells(self):
        """Cell texts of the dataframes' accessibility tables (the canvas itself has no text)."""
        return [c.strip() for c in self.main.locator('[data-testid="stDataFrame"] td[role="gridcell"]').all_inner_texts()]

    def expander(self, label: str):
        """The expander whose header contains ``label``, opened (a rerun may have closed it)."""
        exp = self.main.locator('[data-testid="stExpander"]').filter(
            has=self.page.locator("summary", has_text=label)).first
        if exp.locator("details").get_attribute("open") is None:
            exp.locator("summary").click()
            self.wait_idle()
        return exp

    def assert_no_traceback(self) -> None:
        assert self.page.locator('[data-testid="stException"]').count() == 0, self.main_text()[:3000]
        body = self.page.locator("body").inner_text()
        assert "Traceback" not in body, body[:3000]

    def screenshot(self, name: str) -> Path:
        """Save the visible window (1400x900) as <name>.png.

        Into docs/screenshots/ (the README's pictures) only when E2E_SCREENSHOTS=1, so that
        `make test` leaves the work tree clean; otherwise into a temporary folder.
        """
        folder = SCREENSHOTS if os.environ.get("E2E_SCREENSHOTS") == "1" else Path(tempfile.gettempdir()) / "workbench-e2e-screenshots"
        folder.mkdir(parents=True, exist_ok=True)
        if not _has_emoji_font():  # page icons would be empty boxes: leave their space blank instead
            self.page.add_style_tag(content='[data-testid="stIconEmoji"] { visibility: hidden; }')
        self.page.mouse.move(0, VIEWPORT["height"] - 1)  # no hover tooltip in the picture
        self.wait_idle(settle=0.3)
        path = folder / f"{name}.png"
        self.page.screenshot(path=str(path))
        return path


@pytest.fixture
def app(page, app_url) -> App:
    return App(page, app_url).open()


@pytest.fixture
def open_at(page, app_url):
    """Open the app at a page's own address ("taxonomy") as the session's first request."""
    return lambda path: App(page, app_url.rstrip("/") + "/" + path).open()


@pytest.fixture(scope="session")
def sample_files() -> list[Path]:
    missing = [p for p in SAMPLE_FILES if not p.is_file()]
    if missing:
        pytest.fail(f"sample files missing (run: make sample): {missing}")
    return list(SAMPLE_FILES)


@pytest.fixture
def loaded_app(app, sample_files) -> App:
    """English UI, the three sample files uploaded through the Data page."""
    app.set_language("English")
    app.expect_title("Data")
    app.upload(sample_files)
    app.expect_alert("Loaded 3 files")
    return app
