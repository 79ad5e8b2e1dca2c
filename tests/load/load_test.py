"""Load runner: N concurrent real browser sessions working through the dashboard's pages.

    .venv/bin/python -m tests.load.load_test --db /tmp/kpi2000.duckdb --sessions 1,10,30 --waves 3 \\
        --json /tmp/load.json

Starts ``streamlit run dashboard/app.py`` (as the browser tests do, tests/e2e/conftest.py) on a
private copy of ``--db``, opens one Debian Chromium and, per wave, N browser contexts at once (each
a new Streamlit session in demo mode, 营销中心, which may open every analysis page). Each session
opens the Overview by its address, then every other page from the sidebar as a user does.

A page visit's latency runs from the navigation (``goto`` or the sidebar click) until the page's
title is drawn and the app is idle (``IDLE_JS`` of the browser tests) and still idle 300 ms later;
the moment counted is the first of those idle checks. Plain HTTP requests would never run the app,
so this is the only honest measure. Server memory is the RSS of the streamlit process and its
children, sampled every half second; after each wave it is read again once the wave's sessions
have closed, so growth from wave to wave shows what the server keeps.

Not a test (tests/load/conftest.py keeps pytest away): the figures depend on the machine and on
whatever else runs on it, so the load average is reported next to them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psutil
from playwright.async_api import Page, async_playwright

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, VIEWPORT, Server, _start, _stop
from tests.e2e.test_browser import IDLE_JS

# (sidebar title, url path) in the order a marketing user works through them.
PAGES = [("总览", ""), ("五率分析", "five-rates"), ("品牌", "brand"), ("价格监测", "prices"),
         ("库存预警", "warnings"), ("需求预测", "forecast"), ("预测准确度", "forecast-accuracy"),
         ("紧俏货源投放", "allocation")]
VISIT_TIMEOUT_MS = 300_000  # 30 sessions on two shared cores: a page may take minutes, not fail


@dataclass
class Visit:
    page: str
    seconds: float | None  # None: the page never settled or showed an exception
    error: str | None = None


@dataclass
class Wave:
    sessions: int
    wave: int
    seconds: float
    rss_peak_mb: float
    rss_after_mb: float
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float]
    visits: list[Visit] = field(default_factory=list)


def server_rss_mb(pid: int) -> float:
    """RSS of the server and all its children (DuckDB runs in-process; this catches any helper)."""
    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return float("nan")
    total = 0
    for proc in procs:
        try:
            total += proc.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total / 2**20


async def settled(page: Page, timeout_ms: int) -> float:
    """The moment (perf_counter) the app went idle and stayed idle 300 ms later."""
    deadline = time.perf_counter() + timeout_ms / 1000
    while True:
        left = max(1, int((deadline - time.perf_counter()) * 1000))
        await page.wait_for_function(IDLE_JS, timeout=left)
        at = time.perf_counter()
        await page.wait_for_timeout(300)
        if await page.evaluate(IDLE_JS):
            return at
        if time.perf_counter() > deadline:
            raise TimeoutError("the app never stayed idle")


async def visit(page: Page, title: str, path: str, start: float) -> Visit:
    """Wait for ``title`` at ``path`` to be drawn and settled; the time since ``start``."""
    name = path or "overview"
    try:
        await page.wait_for_url(re.compile(rf"/{re.escape(path)}(\?|$)"), timeout=VISIT_TIMEOUT_MS)
        heading = page.get_by_role("heading", name=title, exact=True)
        await heading.wait_for(state="visible", timeout=VISIT_TIMEOUT_MS)
        done = await settled(page, VISIT_TIMEOUT_MS)
        errors = await page.locator('[data-testid="stException"]').count()
        if errors:
            text = await page.locator('[data-testid="stException"]').first.inner_text()
            return Visit(name, None, f"exception: {text[:300]}")
        return Visit(name, done - start)
    except Exception as exc:  # a timeout under load is a finding to report, not a crash
        return Visit(name, None, f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}")


async def session(browser, server: Server) -> list[Visit]:
    """One user: the Overview by address, then every other page from the sidebar."""
    context = await browser.new_context(viewport=VIEWPORT, locale="zh-CN", timezone_id="Asia/Shanghai")
    try:
        page = await context.new_page()
        start = time.perf_counter()
        await page.goto(server.url + "/", timeout=VISIT_TIMEOUT_MS)
        visits = [await visit(page, *PAGES[0], start)]
        for title, path in PAGES[1:]:
            if visits[-1].error and "exception" not in visits[-1].error:
                break  # the app is stuck in this session: the next click would measure nothing
            link = page.locator('[data-testid="stSidebar"]').get_by_role("link", name=title, exact=True)
            start = time.perf_counter()
            await link.click(timeout=VISIT_TIMEOUT_MS)
            visits.append(await visit(page, title, path, start))
        return visits
    finally:
        await context.close()


async def wave(browser, server: Server, n: int, number: int) -> Wave:
    """N sessions at once; RSS sampled throughout and read again once they have closed."""
    peak = server_rss_mb(server.process.pid)
    load_before = os.getloadavg()
    running = True

    async def sample() -> None:
        nonlocal peak
        while running:
            peak = max(peak, server_rss_mb(server.process.pid))
            await asyncio.sleep(0.5)

    sampler = asyncio.create_task(sample())
    began = time.perf_counter()
    results = await asyncio.gather(*(session(browser, server) for _ in range(n)))
    seconds = time.perf_counter() - began
    running = False
    await sampler
    await asyncio.sleep(5)  # let the server notice the closed websockets
    return Wave(n, number, seconds, peak, server_rss_mb(server.process.pid), load_before, os.getloadavg(),
                [v for visits in results for v in visits])


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (no interpolation between visits that never happened)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, int(round(q / 100 * len(ordered) + 0.5)) - 1))]


def summary(waves: list[Wave]) -> dict:
    """p50/p95 per page and overall over all waves of one N, with the failed visits counted."""
    visits = [v for w in waves for v in w.visits]
    pages = [p or "overview" for _, p in PAGES]
    out = {}
    for name in [*pages, "all"]:
        times = [v.seconds for v in visits if v.seconds is not None and name in (v.page, "all")]
        failed = sum(1 for v in visits if v.seconds is None and name in (v.page, "all"))
        out[name] = {"n": len(times), "failed": failed, "p50": percentile(times, 50), "p95": percentile(times, 95)}
    return out


def fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def print_report(runs: dict[int, list[Wave]]) -> None:
    names = [p or "overview" for _, p in PAGES] + ["all"]
    print(f"\n{'page':<18}" + "".join(f"{f'N={n} p50/p95 s':>22}" for n in runs))
    stats = {n: summary(w) for n, w in runs.items()}
    for name in names:
        cells = []
        for n in runs:
            s = stats[n][name]
            cell = f"{fmt(s['p50'])}/{fmt(s['p95'])}" + (f" ({s['failed']} failed)" if s["failed"] else "")
            cells.append(f"{cell:>22}")
        print(f"{name:<18}" + "".join(cells))
    print(f"\n{'N':>3} {'wave':>4} {'seconds':>8} {'RSS peak MB':>12} {'RSS after MB':>13} {'load before':>16} "
          f"{'load after':>16}")
    for n, waves in runs.items():
        for w in waves:
            print(f"{n:>3} {w.wave:>4} {w.seconds:>8.0f} {w.rss_peak_mb:>12.0f} {w.rss_after_mb:>13.0f} "
                  f"{' '.join(f'{x:.1f}' for x in w.load_before):>16} {' '.join(f'{x:.1f}' for x in w.load_after):>16}")
    for n, waves in runs.items():
        for w in waves:
            for v in w.visits:
                if v.error:
                    print(f"N={n} wave {w.wave} {v.page}: {v.error}")


async def run(args) -> None:
    with tempfile.TemporaryDirectory(prefix="jinye-load-") as folder:
        db = Path(folder) / "jinye.duckdb"
        shutil.copyfile(args.db, db)  # the server may write (a refresh, a session); never to --db
        server = _start(db, Path(folder) / "streamlit.log")
        runs: dict[int, list[Wave]] = {}
        rss_start = server_rss_mb(server.process.pid)
        try:
            async with async_playwright() as playwright:
                browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
                                                           headless=True)
                try:
                    for n in args.sessions:
                        runs[n] = []
                        for k in range(1, args.waves + 1):
                            runs[n].append(await wave(browser, server, n, k))
                            w = runs[n][-1]
                            print(f"N={n} wave {k}: {w.seconds:.0f} s, RSS after {w.rss_after_mb:.0f} MB, "
                                  f"load {w.load_after[0]:.1f}, {sum(v.seconds is None for v in w.visits)} "
                                  "visits failed", flush=True)
                            if args.json:  # after every wave: a long run stopped early keeps its figures
                                write_json(args, runs, rss_start, server.log_tail(4000))
                finally:
                    await browser.close()
        finally:
            log_tail = server.log_tail(4000)
            _stop(server.process)
    print_report(runs)
    if args.json:
        write_json(args, runs, rss_start, log_tail)


def write_json(args, runs: dict[int, list[Wave]], rss_start: float, log_tail: str) -> None:
    result = {"db": str(args.db), "waves": args.waves, "cpus": os.cpu_count(), "rss_start_mb": rss_start,
              "pages": [p or "overview" for _, p in PAGES],
              "runs": [{"sessions": n, "summary": summary(w), "waves": [asdict(x) for x in w]}
                       for n, w in runs.items()],
              "server_log_tail": log_tail}
    args.json.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, required=True, help="a generated warehouse (copied, never changed)")
    parser.add_argument("--sessions", default="1,10,30", type=lambda s: [int(x) for x in s.split(",")],
                        help="concurrent sessions per wave, e.g. 1,10,30")
    parser.add_argument("--waves", type=int, default=3, help="waves of the same N, to see memory growth")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()
    if not CHROMIUM.exists():
        parser.error(f"{CHROMIUM} is missing (apt-get install chromium)")
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
