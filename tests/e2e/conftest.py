"""Real-browser fixtures: one real ``streamlit run dashboard/app.py`` server per test session,
pointed at a private copy of the demo city, and Debian's Chromium driven by Playwright.

The server is a subprocess exactly as a user starts it (``python -m streamlit run``), on a free
port of 127.0.0.1, headless. Tests import files into its warehouse, so it gets a copy of the
session's ``demo_db``, never the shared one.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync",
]
STARTUP_TIMEOUT = 60.0  # seconds for the server's health endpoint to answer
VIEWPORT = {"width": 1440, "height": 1000}
TIMEOUT_MS = 30_000  # Streamlit reruns on every interaction: wait for what a user waits for


@dataclass(frozen=True)
class Server:
    """A running dashboard: its base URL, the warehouse file it serves and its log."""

    url: str
    db: Path
    log: Path
    process: subprocess.Popen

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log.read_text(encoding="utf-8", errors="replace")[-chars:]
        except OSError:
            return ""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _stop(process: subprocess.Popen) -> None:
    """Terminate the server we started (by its own pid), then kill it if it does not stop."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def _start(db: Path, log: Path) -> Server:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "JINYE_DB": str(db), "PYTHONUNBUFFERED": "1", "JINYE_WARM_FORECASTS": "1"}
    for name in ("JINYE_DEMO_MODE", "JINYE_CONFIG"):  # demo mode decided by the warehouse (no accounts)
        env.pop(name, None)
    command = [
        sys.executable, "-m", "streamlit", "run", "dashboard/app.py",
        "--server.port", str(port), "--server.address", "127.0.0.1",
        "--server.headless", "true", "--browser.gatherUsageStats", "false",
        # No hot reload: a source file edited while the tests run must not swap modules under
        # the running server (that breaks st.cache_data pickling of the app's dataclasses).
        "--server.fileWatcherType", "none",
    ]
    with open(log, "ab") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL)
    server = Server(url=url, db=db, log=log, process=process)
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        if _healthy(url):
            return server
        time.sleep(0.25)
    _stop(process)
    raise RuntimeError(f"streamlit did not answer {url}/_stcore/health within {STARTUP_TIMEOUT:.0f} s "
                       f"(exit code {process.poll()}); log:\n{server.log_tail()}")


@pytest.fixture(scope="session")
def e2e_db(demo_db, tmp_path_factory) -> Path:
    """A private copy of the session's demo city for the browser tests (they import into it)."""
    target = tmp_path_factory.mktemp("e2e") / "jinye.duckdb"
    shutil.copyfile(demo_db, target)
    return target


@pytest.fixture(scope="session")
def server(e2e_db) -> Server:
    """A real ``streamlit run dashboard/app.py`` on a free local port, stopped at the end."""
    log = e2e_db.parent / "streamlit.log"
    last_error: Exception | None = None
    for _ in range(3):  # the free port may be taken between choosing it and binding it
        try:
            running = _start(e2e_db, log)
            break
        except RuntimeError as exc:
            last_error = exc
    else:
        pytest.fail(str(last_error))
    try:
        yield running
    finally:
        _stop(running.process)


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, driven by Playwright."""
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium) for the browser tests"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
                                              headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser, server, request, tmp_path):
    """A fresh page in its own browser context, so each test is a new Streamlit session.

    On failure, a screenshot and the server log tail are kept next to the test's tmp_path.
    """
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True, locale="zh-CN",
                                  timezone_id="Asia/Shanghai")
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    yield tab
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        shot = tmp_path / "failure.png"
        try:
            tab.screenshot(path=str(shot), full_page=True)
            (tmp_path / "streamlit.log").write_text(server.log_tail(20_000), encoding="utf-8")
            # CI keeps only the printed output: say whether the server was still up, and show
            # the end of its log there too.
            alive = "running" if server.process.poll() is None else f"exited {server.process.poll()}"
            print(f"\nbrowser state at failure: {shot}; server {alive}; server log "
                  f"{tmp_path / 'streamlit.log'} ends:\n{server.log_tail(3000)}")
        except Exception:  # the page may be gone; the failure itself is what matters
            pass
    context.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.rep_call = report
    return report
