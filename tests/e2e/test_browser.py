"""What a user sees in a real browser: the dashboard served by ``streamlit run``, driven by Chromium.

Every test opens its own browser context, i.e. a new Streamlit session, on the one server of the
test session (see conftest.py). Streamlit reruns the script on every interaction, so the tests
wait for what the user waits for (``expect`` with generous timeouts), never fixed sleeps.

Reading tables: ``st.dataframe`` draws its cells on a canvas (glide data grid), but the grid also
keeps an accessible ``<table role="grid">`` of the rendered rows in the DOM. The tests read that
table for what is on screen (``grid_rows``), and the downloaded CSV for complete contents.

The README screenshots in ``docs/screenshots/`` are written as a side effect, on every run.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import warnings
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import bcrypt
import duckdb
import pytest
from playwright.sync_api import Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from data import store
from tests.e2e.conftest import ROOT, TIMEOUT_MS, VIEWPORT, Server

SCREENSHOTS = ROOT / "docs" / "screenshots"

CLIENT_HEADERS = "客户编码,客户名称,地市,区县,市场部,片区,客户经理编码,业态,档位,市场类型"
# A client of manager M001's territory, as the demo city spells it.
PLACE = "金州市,金城区,金城区城东市场部,金城城东1片区,M001"
BROKEN_ROWS = [
    f"C80000001,测试烟酒店,{PLACE},烟酒商店,12,城网",
    f"C80000002,测试便利店,{PLACE},便利店,四十档,城网",  # row 3: there is no 40th grade
    f"C80000003,测试网吧,{PLACE},网吧,5,城网",  # row 4: 网吧 is not a business format
    f"C80000004,测试超市,{PLACE},超市,D12,农网",
]
CJK = re.compile(r"[\u4e00-\u9fff]")
ENGLISH_PHRASE = re.compile(r"[A-Za-z]{2,}(?:[ ,]+[A-Za-z]{2,}){2,}")  # three English words in a row


def english(text: str) -> bool:
    """Text a Chinese reader would call English: no Chinese at all, or an English phrase in it
    (a code such as 'grocery' next to its label 食杂店 is fine)."""
    return not CJK.search(text) or bool(ENGLISH_PHRASE.search(text))


# --- helpers ------------------------------------------------------------------------------

def sidebar(page: Page) -> Locator:
    return page.locator('[data-testid="stSidebar"]')


def main(page: Page) -> Locator:
    return page.locator('[data-testid="stMain"]')


# True once no script run is going on: no spinner, no stale (greyed) element, no 'running'
# status widget. Also used by the load runner (tests/load/load_test.py), which drives the async API.
IDLE_JS = """() => !document.querySelector('[data-testid="stSpinner"]')
              && !document.querySelector('[data-stale="true"]')
              && !document.querySelector('[data-testid="stStatusWidget"]')"""


def settle(page: Page, timeout: int = TIMEOUT_MS) -> None:
    """Wait until the current script run is over: ``IDLE_JS`` twice in a row a moment apart."""
    for _ in range(2):
        page.wait_for_function(IDLE_JS, timeout=timeout)
        page.wait_for_timeout(300)
    page.wait_for_function(IDLE_JS, timeout=timeout)


def open_overview(page: Page, server: Server, query: str = "") -> None:
    """Open the Overview and wait until its KPI cards are drawn."""
    page.goto(server.url + "/" + query)
    expect(page.locator('[data-testid="stMetric"]').first).to_be_visible()
    settle(page)


def no_exception(page: Page) -> None:
    """No Streamlit exception box. Call after ``settle``: the run is over, so no long wait."""
    boxes = page.locator('[data-testid="stException"]')
    try:
        expect(boxes).to_have_count(0, timeout=5_000)
    except AssertionError:
        shown = " | ".join(box.inner_text()[:700] for box in boxes.all())
        raise AssertionError(f"the page shows an exception: {shown}") from None


def snapped_caption(page: Page) -> Locator:
    return sidebar(page).locator('[data-testid="stCaptionContainer"]').filter(has_text="汇总：")


def pick(page: Page, combobox: Locator, option: str) -> None:
    """Choose ``option`` in a Streamlit selectbox (opens a listbox of role=option)."""
    combobox.click()
    page.get_by_role("option", name=option, exact=True).click()
    expect(combobox).to_have_value(option)
    settle(page)


def grids(page: Page) -> Locator:
    return main(page).locator('[data-testid="stDataFrame"]')


def grid_header(grid: Locator) -> list[str]:
    return grid.evaluate("""g => [...g.querySelectorAll('table[role=grid] thead th')]
                                  .map(th => th.innerText.trim())""")


def grid_rows(grid: Locator) -> list[list[str]]:
    """The rendered rows of a glide data grid, from its accessible DOM table."""
    return grid.evaluate("""g => [...g.querySelectorAll('table[role=grid] tbody tr')]
                                  .map(tr => [...tr.querySelectorAll('td')].map(td => td.innerText.trim()))""")


def grid_with_header(page: Page, first: str, *others: str) -> Locator:
    """The data grid whose header starts with ``first`` and holds ``others``."""
    for i in range(grids(page).count()):
        grid = grids(page).nth(i)
        header = grid_header(grid)
        if header and header[0] == first and all(o in header for o in others):
            return grid
    raise AssertionError(f"no table with columns {first}, {', '.join(others)} on the page")


def wait_until(page: Page, check, what: str, timeout: int = TIMEOUT_MS):
    """Poll ``check()`` until it returns a truthy value (Playwright-Python has no expect.poll)."""
    deadline = dt.datetime.now() + dt.timedelta(milliseconds=timeout)
    last = None
    while dt.datetime.now() < deadline:
        try:
            last = check()
        except Exception as exc:  # the element may be re-rendered by a rerun mid-read
            last = exc
        if last and not isinstance(last, Exception):
            return last
        page.wait_for_timeout(250)
    raise AssertionError(f"timed out waiting for {what}; last seen: {last!r}")


def download(page: Page, button: Locator) -> tuple[str, bytes]:
    """Click a download button and return the file's suggested name and bytes.

    The page must be idle first: a click that lands while Streamlit is still re-rendering the
    button can start no download (seen once in ~20 runs on a cold server). Should the first click
    still start nothing, click once more and say so in the warnings summary rather than hide it.
    """
    settle(page)
    expect(button).to_be_enabled()
    try:
        with page.expect_download(timeout=10_000) as info:
            button.click()
    except PlaywrightTimeout:
        warnings.warn(f"the first click on {button} started no download; clicked again")
        settle(page)
        with page.expect_download() as info:
            button.click()
    file = info.value
    return file.suggested_filename, Path(file.path()).read_bytes()


def download_button(scope: Locator, label: str) -> Locator:
    return scope.locator('[data-testid="stDownloadButton"]').filter(has_text=label).first


def full_page_screenshot(page: Page, name: str) -> Path:
    """A PNG of the whole page. Streamlit scrolls inside ``stMain``, so Playwright's full_page
    alone would stop at the viewport: grow the viewport to the content, shoot, then restore."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    settle(page)
    no_exception(page)
    height = VIEWPORT["height"]
    for _ in range(3):  # a taller viewport may relayout the charts; repeat until stable
        needed = page.evaluate("""() => Math.max(...['stMain', 'stSidebarContent'].map(
            id => document.querySelector(`[data-testid="${id}"]`)?.scrollHeight || 0))""")
        if needed <= height:
            break
        height = needed
        page.set_viewport_size({"width": VIEWPORT["width"], "height": height})
        settle(page)
    for chart in page.locator('[data-testid="stPlotlyChart"]').all():
        expect(chart.locator(".main-svg").first).to_be_visible()
    page.wait_for_timeout(500)  # let plotly finish its resize transition
    path = SCREENSHOTS / name
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(VIEWPORT)
    return path


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_sql(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    """Run a query on the live warehouse file, read-only, closing the connection at once (the
    dashboard swaps the file on import, and DuckDB caches an instance per open path)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def managers(db: Path) -> list[tuple[str, str, str]]:
    return read_sql(db, "SELECT manager_id, coalesce(name, manager_id), territory FROM managers "
                        "ORDER BY manager_id")


def write_gbk(path: Path, rows: list[str]) -> Path:
    path.write_bytes(("\r\n".join([CLIENT_HEADERS, *rows]) + "\r\n").encode("gbk"))
    return path


def open_data_page(page: Page, server: Server) -> None:
    """Open the Overview as 营销中心 (the demo default), then the 数据 page via the sidebar."""
    open_overview(page, server)
    sidebar(page).get_by_role("link", name="数据").click()
    expect(page.get_by_role("heading", name="数据", exact=True)).to_be_visible()
    expect(page).to_have_url(re.compile(r"/data(\?|$)"))
    expect(main(page).get_by_text("仓库状态")).to_be_visible()
    settle(page)


def upload_and_validate(page: Page, file: Path) -> None:
    pick(page, main(page).get_by_role("combobox", name="目标表"), "客户 clients")
    page.locator('[data-testid="stFileUploaderDropzoneInput"], input[type="file"]').first \
        .set_input_files(str(file))
    expect(main(page).get_by_text(file.name)).to_be_visible()
    validate = main(page).get_by_role("button", name="校验")
    expect(validate).to_be_enabled()
    validate.click()


def clients_count_in_status(page: Page) -> str:
    status = grid_with_header(page, "表", "行数")
    rows = {r[0]: r for r in grid_rows(status) if r}
    return rows["客户 clients"][1]


# --- 1. the Overview in Chinese -----------------------------------------------------------

@pytest.mark.e2e
def test_overview_opens_in_chinese(page, server):
    open_overview(page, server)
    expect(page.get_by_role("heading", name="总览", exact=True)).to_be_visible()
    volume = page.locator('[data-testid="stMetric"]').filter(has_text="销量（箱）")
    expect(volume).to_be_visible()
    expect(volume.locator('[data-testid="stMetricValue"]')).to_have_text(re.compile(r"\d"))
    no_exception(page)
    # The sidebar is Chinese too, and the default role is marketing (营销中心) in demo mode.
    expect(sidebar(page).get_by_role("combobox", name="演示模式：选择角色查看")).to_have_value("营销中心")
    full_page_screenshot(page, "overview.png")


# --- 2. English -----------------------------------------------------------------------------

@pytest.mark.e2e
def test_switch_to_english(page, server):
    open_overview(page, server)
    sidebar(page).get_by_role("radiogroup", name="语言").get_by_role("radio", name="English").click()
    expect(page.get_by_role("heading", name="Overview", exact=True)).to_be_visible()
    expect(page.locator('[data-testid="stMetric"]').filter(has_text="Volume (cases)")).to_be_visible()
    expect(page).to_have_url(re.compile(r"[?&]lang=en(&|$)"))
    no_exception(page)


# --- 3. global filters in the URL ---------------------------------------------------------

@pytest.mark.e2e
def test_global_filters_live_in_the_url_and_survive_a_reload(page, server):
    start, end = dt.date(2025, 3, 1), dt.date(2025, 3, 31)
    # Whole ISO weeks holding March 2025: from the Monday on/before the 1st to the Sunday on/after the 31st.
    monday, sunday = start - dt.timedelta(days=start.weekday()), end + dt.timedelta(days=6 - end.weekday())
    assert (monday, sunday) == (dt.date(2025, 2, 24), dt.date(2025, 4, 6))
    expected = f"按周汇总：{monday} 至 {sunday}"

    open_overview(page, server, f"?g=week&from={start}&to={end}")
    expect(snapped_caption(page)).to_have_text(expected)
    expect(sidebar(page).get_by_role("radio", name="周", exact=True)).to_have_attribute("aria-checked", "true")
    expect(page.get_by_role("heading", name=re.compile(f"{monday} 至 {sunday}"))).to_be_visible()

    page.reload()
    expect(page.locator('[data-testid="stMetric"]').first).to_be_visible()
    settle(page)
    expect(snapped_caption(page)).to_have_text(expected)
    expect(page).to_have_url(re.compile(r"g=week"))
    expect(page).to_have_url(re.compile(rf"from={start}"))
    expect(page).to_have_url(re.compile(rf"to={end}"))
    no_exception(page)


# --- 4. a customer manager sees only their territory --------------------------------------

NOT_OPTIONS = {"Select all", "No results"}  # Streamlit's own rows of a multiselect list


def _shown(listbox, timeout: float = 5_000) -> bool:
    try:
        expect(listbox.first).to_be_visible(timeout=timeout)
    except AssertionError:
        return False
    return True


def _diagnosis(page: Page) -> str:
    """What the page looked like when a control did not respond: whether a script run or the
    connection was in the way, and whether the main area had been drawn."""
    state = page.evaluate("""() => ({
        idle: (%s)(),
        status: document.querySelector('[data-testid="stStatusWidget"]')?.innerText ?? null,
        mainElements: document.querySelectorAll('[data-testid="stMain"] [data-testid="stElementContainer"]').length,
        stale: document.querySelectorAll('[data-stale="true"]').length,
        dialog: document.querySelector('[role="dialog"]')?.innerText ?? null,
    })""" % IDLE_JS)
    return f"page state: {state}"


def territory_options(page: Page, typed: str = "") -> list[str]:
    """Open 区域 in the sidebar, type ``typed`` into the 片区 filter and list what it offers.

    The option list is virtualised (only the rows in view are in the DOM), so for a long list
    type a name to look for rather than reading them all."""
    region = sidebar(page).locator('[data-testid="stExpander"]').filter(has_text="区域").first
    territory = sidebar(page).get_by_role("combobox", name="片区", exact=True)
    if not territory.is_visible():
        region.locator("summary").click()
    expect(territory).to_be_visible()
    settle(page)
    listbox = page.get_by_role("listbox")
    # A click during the expander's opening animation, or one on a box that already has the
    # focus, may leave the list shut (two CI runs saw three clicks in a row open nothing). Each
    # round waits for the app to be idle, then tries three ways a user opens it: a click in the
    # box, ArrowDown on the focused box, and the box's own "Open" chevron.
    chevron = (sidebar(page).locator('[data-testid="stMultiSelect"]')
               .filter(has=page.get_by_role("combobox", name="片区", exact=True))
               .get_by_role("button", name="Open"))
    openers = (territory.click, lambda: territory.press("ArrowDown"), chevron.click)
    for _ in range(3):
        settle(page)
        if any(opener() or _shown(listbox, 3_000) for opener in openers):
            break
        page.keyboard.press("Escape")
    else:
        raise AssertionError(f"the 片区 list never opened; {_diagnosis(page)}")
    if typed:
        territory.fill(typed)
        page.wait_for_timeout(500)  # the list filters as one types
    settle(page)
    # the list box may be drawn a moment before its rows (Streamlit's "No results" is a row too)
    expect(page.get_by_role("option").first).to_be_visible()
    # read in one go: a rerun may redraw the list between listing the options and reading one
    names = [text.strip() for text in page.get_by_role("option").all_inner_texts()]
    territory.fill("")
    page.keyboard.press("Escape")
    return [n for n in names if n and n not in NOT_OPTIONS]


@pytest.mark.e2e
def test_customer_manager_sees_only_own_territory(page, server):
    rows = managers(server.db)
    assert len({r[2] for r in rows}) > 1, "the demo city should have several territories"
    manager_id, name, territory = rows[2]

    other = next(r[2] for r in rows if r[2] != territory)

    open_overview(page, server)
    assert territory_options(page, typed=other) == [other]  # marketing may pick any territory
    pick(page, sidebar(page).get_by_role("combobox", name="演示模式：选择角色查看"), "客户经理")
    pick(page, sidebar(page).get_by_role("combobox", name="客户经理", exact=True), f"{name} · {territory}")
    expect(page.locator('[data-testid="stMetric"]').first).to_be_visible()
    no_exception(page)
    assert territory_options(page) == [territory]
    assert territory_options(page, typed=other) == []


def log_in(page: Page, username: str, password: str) -> None:
    """Fill the login form (shown instead of the role picker once accounts exist)."""
    expect(page.get_by_label("用户名")).to_be_visible()
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.locator('[data-testid="stMetric"]').first).to_be_visible()
    settle(page)


@pytest.fixture
def manager_account(server):
    """A local account for manager M001 while the test runs. Accounts turn demo mode off (login
    instead of the role picker); the account is removed afterwards, restoring demo mode."""
    manager_id, name, territory = managers(server.db)[0]
    username, password = "e2e_manager", "jinye-e2e-pass"
    hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=4)).decode()
    with store.writing(server.db, action="e2e add account", who="tests", refresh=False) as con:
        con.execute("INSERT INTO users (username, display_name, password_hash, role, manager_id, "
                    "disabled, created_at) VALUES (?, ?, ?, 'customer_manager', ?, false, now())",
                    [username, name, hashed, manager_id])
    try:
        yield username, password, manager_id, territory
    finally:
        with store.writing(server.db, action="e2e remove account", who="tests", refresh=False) as con:
            con.execute("DELETE FROM users WHERE username = ?", [username])


@pytest.mark.e2e
def test_crafted_url_cannot_widen_a_customer_managers_view(page, server, manager_account):
    """A shared link naming another manager's territory: the filter is dropped with a warning.

    In demo mode every new session starts as 营销中心 (who may see every territory), and URL
    filters are read once, at the start of a session, so a demo customer manager can never be
    handed a URL filter. The case that matters is a signed-in customer manager: the link is
    applied right after the login."""
    username, password, manager_id, own = manager_account
    other = next(r[2] for r in managers(server.db) if r[2] != own)

    page.goto(f"{server.url}/?territory={other}")
    log_in(page, username, password)

    warning = sidebar(page).locator('[data-testid="stAlert"]').filter(has_text="链接中的筛选条件无效，已忽略")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text(f"territory={other}")
    no_exception(page)
    assert territory_options(page) == [own]
    assert territory_options(page, typed=other) == []
    assert "territory=" not in page.url


# --- 5. the Data page refuses a broken file, precisely ------------------------------------

@pytest.mark.e2e
def test_data_page_reports_a_broken_file_and_writes_nothing(page, server, tmp_path):
    broken = write_gbk(tmp_path / "客户名单_有错.csv", BROKEN_ROWS)
    before = (sha256(server.db), store.generation(server.db),
              read_sql(server.db, "SELECT count(*) FROM clients")[0][0])

    open_data_page(page, server)
    upload_and_validate(page, broken)
    expect(main(page).locator('[data-testid="stAlert"]').filter(has_text="发现 2 个问题，未写入任何数据。")) \
        .to_be_visible()
    settle(page)
    no_exception(page)

    # What is on screen: the report grid's accessible rows (the canvas draws the same cells).
    report = grid_with_header(page, "级别", "行", "列")
    header = grid_header(report)
    row_col, column_col = header.index("行"), header.index("列")
    on_screen = sorted((r[row_col], r[column_col]) for r in grid_rows(report))
    assert on_screen == [("3", "档位"), ("4", "业态")]
    full_page_screenshot(page, "data-validation.png")

    # The complete report, as the user downloads it (下载 CSV under the report table).
    name, body = download(page, download_button(main(page), "下载 CSV"))
    assert name.endswith(".csv")
    issues = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    found = sorted((int(i["行"]), i["列"], i["值"]) for i in issues)
    assert found == [(3, "档位", "四十档"), (4, "业态", "网吧")]

    # Nothing was written: same bytes, same file, same clients.
    after = (sha256(server.db), store.generation(server.db),
             read_sql(server.db, "SELECT count(*) FROM clients")[0][0])
    assert after == before
    assert read_sql(server.db, "SELECT count(*) FROM clients WHERE client_id LIKE 'C8000000%'")[0][0] == 0
    # ... and the load button is not offered for a file with errors (only 'good rows only').
    expect(main(page).get_by_role("button", name="导入", exact=True)).to_have_count(0)


# --- 6. the Data page loads a good GBK file -----------------------------------------------

@pytest.mark.e2e
def test_data_page_loads_a_good_gbk_client_list(page, server, tmp_path):
    good = write_gbk(tmp_path / "新增客户.csv", [
        f"C90000001,金叶便利店一号,{PLACE},便利店,D9,城网",
        f"C90000002,金叶便利店二号,{PLACE},便利店,九档,城网",
        f"C90000003,金叶便利店三号,{PLACE},便利店,9档,城网",
    ])
    clients_before = read_sql(server.db, "SELECT count(*) FROM clients")[0][0]

    open_data_page(page, server)
    assert clients_count_in_status(page) == str(clients_before)
    upload_and_validate(page, good)
    expect(main(page).get_by_text("校验通过：3 行可导入。")).to_be_visible()
    settle(page)
    main(page).get_by_role("button", name="导入", exact=True).click()
    loaded = main(page).locator('[data-testid="stAlert"]').filter(has_text=re.compile(r"已导入 3 行到 clients"))
    expect(loaded).to_be_visible()
    settle(page)
    no_exception(page)

    rows = read_sql(server.db, "SELECT client_id, business_format, grade, market_type FROM clients "
                               "WHERE client_id LIKE 'C9000000%' ORDER BY client_id")
    assert rows == [(f"C9000000{i}", "convenience", 9, "urban") for i in (1, 2, 3)]
    assert read_sql(server.db, "SELECT count(*) FROM clients")[0][0] == clients_before + 3

    # The status table on the page follows: it shows the new count once the run is over.
    wait_until(page, lambda: clients_count_in_status(page) == str(clients_before + 3),
               f"the status table to show {clients_before + 3} clients")


# --- 7. export of the Overview's details --------------------------------------------------

@pytest.mark.e2e
def test_overview_details_download_as_csv(page, server):
    open_overview(page, server)
    caption = snapped_caption(page).inner_text()
    first, last = (dt.date.fromisoformat(d) for d in re.findall(r"\d{4}-\d{2}-\d{2}", caption))
    assert "按月汇总" in caption
    months = (last.year - first.year) * 12 + last.month - first.month + 1

    details = main(page).locator('[data-testid="stExpander"]').filter(has_text="明细").first
    details.locator("summary").click()
    table = details.locator('[data-testid="stDataFrame"]')
    expect(table).to_be_visible()
    name, body = download(page, download_button(details, "下载 CSV"))

    assert name.endswith(".csv")
    assert body.startswith(b"\xef\xbb\xbf"), "the CSV must start with a UTF-8 BOM for Excel"
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][0] == "期间"
    assert "销量（箱）" in rows[0]
    periods = [r[0][:10] for r in rows[1:]]
    expected = [dt.date(first.year + (first.month - 1 + i) // 12, (first.month - 1 + i) % 12 + 1, 1).isoformat()
                for i in range(months)]
    assert periods == expected
    # One CSV row per period shown: the grid says how many rows it holds.
    assert int(table.locator("table[role=grid]").get_attribute("aria-rowcount")) - 1 == len(periods)


# --- 8. the weekly view across the Spring Festival (README screenshot) --------------------

@pytest.mark.e2e
def test_weekly_overview_across_the_spring_festival(page, server):
    open_overview(page, server, "?g=week&from=2024-12-01&to=2025-03-31")
    expect(snapped_caption(page)).to_have_text("按周汇总：2024-11-25 至 2025-04-06")
    expect(page.locator('[data-testid="stPlotlyChart"]').first).to_be_visible()
    no_exception(page)
    path = full_page_screenshot(page, "overview-weekly-spring-festival.png")
    assert path.stat().st_size > 50_000  # a real page, not a blank one


# --- bugs found while writing these tests -------------------------------------------------
# The two language round trips failed before 3c831c8 (a selectbox handed back its label of the
# other language: AccessDenied for role '营销中心', links with level=全部卷烟). The report's
# headers and severity were English before d453242; its problem and fix texts still are.

@pytest.mark.e2e
def test_switching_language_back_to_chinese_keeps_the_app_working(page, server):
    """中文 -> English -> 中文 from the sidebar, as a user trying the switch would."""
    open_overview(page, server)
    languages = sidebar(page).get_by_role("radiogroup").first
    languages.get_by_role("radio", name="English").click()
    expect(page.get_by_role("heading", name="Overview", exact=True)).to_be_visible()
    settle(page)
    languages.get_by_role("radio", name="中文").click()
    settle(page)
    no_exception(page)
    expect(page.get_by_role("heading", name="总览", exact=True)).to_be_visible()
    expect(sidebar(page).get_by_role("combobox", name="演示模式：选择角色查看")).to_have_value("营销中心")


@pytest.mark.e2e
def test_language_round_trip_keeps_the_link_valid(page, server, manager_account):
    """中文 -> English -> 中文 for a signed-in user (no role picker involved): the URL, which is the
    view's shareable link, must still hold only values the app accepts."""
    username, password, _, _ = manager_account
    page.goto(server.url + "/")
    log_in(page, username, password)
    languages = sidebar(page).get_by_role("radiogroup").first
    languages.get_by_role("radio", name="English").click()
    expect(page.get_by_role("heading", name="Overview", exact=True)).to_be_visible()
    settle(page)
    languages.get_by_role("radio", name="中文").click()
    expect(page.get_by_role("heading", name="总览", exact=True)).to_be_visible()
    settle(page)
    no_exception(page)
    query = parse_qs(urlsplit(page.url).query)
    assert query.get("level", ["all"]) == ["all"], f"the link now carries level={query['level']}"

    page.reload()  # open the link again: nothing in it may be refused
    log_in(page, username, password)
    expect(sidebar(page).get_by_text("链接中的筛选条件无效")).to_have_count(0, timeout=5_000)


@pytest.mark.e2e
def test_validation_report_speaks_the_users_language(page, server, tmp_path):
    """The import report on the Chinese page: headers, severity and messages in Chinese."""
    open_data_page(page, server)
    upload_and_validate(page, write_gbk(tmp_path / "客户名单_有错.csv", BROKEN_ROWS))
    expect(main(page).get_by_text("发现 2 个问题，未写入任何数据。")).to_be_visible()
    settle(page)
    report = grid_with_header(page, "级别", "行", "列")
    header = grid_header(report)
    rows = grid_rows(report)
    untranslated = [f"column header {h!r}" for h in header if not CJK.search(h)]
    for name in ("级别", "问题", "修改建议"):
        col = header.index(name)
        untranslated += [f"{name} {r[col]!r}" for r in rows if r[col] and english(r[col])]
    assert not untranslated, "English on the Chinese Data page: " + "; ".join(untranslated)


# --- 9. the analysis pages (README screenshots) ---------------------------------------------

@pytest.mark.e2e
@pytest.mark.parametrize("link, url, shot", [
    ("五率分析", "five-rates", "five-rates.png"),
    ("品牌", "brand", "brand.png"),
    ("价格监测", "prices", "prices.png"),
])
def test_analysis_pages_open_from_the_sidebar(page, server, link, url, shot):
    """Each analysis page opens from the navigation in Chinese, draws its charts and tables
    without an exception, and keeps the global filters in its URL."""
    open_overview(page, server, "?from=2025-01-01&to=2025-12-31")
    sidebar(page).get_by_role("link", name=link).click()
    expect(page.get_by_role("heading", name=link, exact=True)).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/{url}\?.*from=2025-01-01"))
    settle(page)
    no_exception(page)
    expect(page.locator('[data-testid="stPlotlyChart"]').first).to_be_visible()
    expect(grids(page).first).to_be_visible()
    full_page_screenshot(page, shot)


# --- 10. stock warnings for a customer manager (README screenshot) --------------------------

@pytest.mark.e2e
def test_customer_manager_prints_the_stock_warning_visit_sheet(page, server):
    """Monday morning: a customer manager opens 库存预警, sees only the own territory and clients,
    downloads the visit sheet and it opens as a workbook with one block per own client."""
    import openpyxl

    manager_id, name, territory = managers(server.db)[2]
    own = {r[0] for r in read_sql(server.db, "SELECT client_id FROM clients c WHERE manager_id = ? OR ("
                                             "manager_id IS NULL AND EXISTS (SELECT 1 FROM managers m WHERE "
                                             "m.manager_id = ? AND m.market_dept = c.market_dept AND "
                                             "m.territory = c.territory))", [manager_id, manager_id])}
    others = {r[0] for r in read_sql(server.db, "SELECT territory FROM managers WHERE manager_id <> ?",
                                     [manager_id])} - {territory}

    open_overview(page, server)
    pick(page, sidebar(page).get_by_role("combobox", name="演示模式：选择角色查看"), "客户经理")
    pick(page, sidebar(page).get_by_role("combobox", name="客户经理", exact=True), f"{name} · {territory}")
    sidebar(page).get_by_role("link", name="库存预警").click()
    expect(page.get_by_role("heading", name="库存预警", exact=True)).to_be_visible()
    expect(page).to_have_url(re.compile(r"/warnings(\?|$)"))
    expect(page.locator('[data-testid="stMetric"]').filter(has_text="断货").first).to_be_visible()
    settle(page)
    no_exception(page)

    # Only the own territory is offered, and it cannot be changed.
    picker = main(page).get_by_role("combobox", name="片区", exact=True)
    expect(picker).to_have_value(re.compile(f"^{re.escape(territory)} · "))
    expect(picker).to_be_disabled()
    # The list holds own clients only (the rows on screen).
    listing = grid_with_header(page, "状态", "客户编码")
    header = grid_header(listing)
    column = header.index("客户编码")
    shown = {r[column] for r in grid_rows(listing) if len(r) > column}
    assert shown and shown <= own, shown - own
    body = main(page).inner_text()
    assert not [t for t in others if t in body], "another territory is named on the page"
    expect(main(page).get_by_role("heading", name="区域社会库存与存销比")).to_have_count(0)

    # The visit sheet: an .xlsx laid out for printing, one block per own client.
    file_name, data = download(page, download_button(main(page), "打印拜访单（Excel）"))
    assert file_name.endswith(".xlsx") and territory in file_name
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet["A1"].value == "终端库存预警表 · 拜访单"
    assert sheet.page_setup.orientation == "landscape" and sheet.print_title_rows == "$1:$3"
    blocks = [r[0] for r in sheet.iter_rows(min_row=4, values_only=True) if isinstance(r[0], str) and r[0]]
    assert blocks and len(blocks) == len(set(blocks)) and set(blocks) <= own
    items = [r for r in sheet.iter_rows(min_row=4, values_only=True) if isinstance(r[0], int)]
    assert items and all(r[4] in {"断货", "断货风险", "积压", "滞销", "数据过期"} for r in items)

    full_page_screenshot(page, "warnings.png")


# --- 11. demand forecasts and their review (README screenshots) -----------------------------

FIT_TIMEOUT_MS = 180_000  # the first forecast of a cold server fits and backtests every model


@pytest.mark.e2e
def test_forecast_plan_exports_and_the_accuracy_review_drills(page, server):
    """Marketing opens 需求预测: history, forecast and intervals with the festivals marked, the plan
    table whose CSV adds up row by row; then 预测准确度: the stages side by side and the drill."""
    open_overview(page, server, "?from=2025-07-01&to=2025-12-31")
    sidebar(page).get_by_role("link", name="需求预测").click()
    expect(page.get_by_role("heading", name="需求预测", exact=True)).to_be_visible()
    expect(page).to_have_url(re.compile(r"/forecast\?.*to=2025-12-31"))
    expect(page.locator('[data-testid="stPlotlyChart"]').first).to_be_visible(timeout=FIT_TIMEOUT_MS)
    settle(page, FIT_TIMEOUT_MS)
    no_exception(page)
    chart = main(page).locator('[data-testid="stPlotlyChart"]').first
    expect(chart.get_by_text("春节").first).to_be_attached()  # the festival markers' legend
    plan = grid_with_header(page, "品牌", "区县", "模型", "合计")
    assert grid_rows(plan)
    file_name, data = download(page, download_button(main(page), "下载 CSV"))
    assert file_name.startswith("forecast_plan_brand_district_month")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    periods = [c for c in rows[0] if re.fullmatch(r"\d{4}-\d{2}", c)]
    assert periods == ["2026-01", "2026-02", "2026-03"]
    assert all(int(r["合计"]) == sum(int(r[p]) for p in periods) for r in rows)
    full_page_screenshot(page, "forecast.png")

    sidebar(page).get_by_role("link", name="预测准确度").click()
    expect(page.get_by_role("heading", name="预测准确度", exact=True)).to_be_visible()
    expect(page.locator('[data-testid="stPlotlyChart"]').nth(1)).to_be_visible(timeout=FIT_TIMEOUT_MS)
    settle(page, FIT_TIMEOUT_MS)
    no_exception(page)
    expect(main(page).get_by_text("回看 2025-07 至 2025-12（6 个月）")).to_be_visible()
    expect(page.locator('[data-testid="stMetric"]').filter(has_text="客户经理预测 WAPE")).to_be_visible()
    drill = grid_with_header(page, "期间", "实际需求", "模型", "客户经理预测")
    assert len(grid_rows(drill)) == 6
    full_page_screenshot(page, "forecast-accuracy.png")


# --- 12. scarce supply, from the price alert to the allocation (README screenshot) ----------

@pytest.mark.e2e
def test_marketing_allocates_scarce_supply_from_the_price_alert(page, server):
    """The price page's low-index list leads marketing to 紧俏货源投放: both methods at equal
    supply, the outcome played out against the demo city's truth, and the recommendation's
    client list, whose CSV never gives out more than the supply."""
    open_overview(page, server, "?from=2025-07-01&to=2025-12-31")
    sidebar(page).get_by_role("link", name="价格监测").click()
    expect(page.get_by_role("heading", name="价格监测", exact=True)).to_be_visible()
    settle(page)
    main(page).get_by_role("link", name="去紧俏货源投放页面调整投放").click()
    expect(page.get_by_role("heading", name="紧俏货源投放", exact=True)).to_be_visible()
    expect(page).to_have_url(re.compile(r"/allocation"))
    settle(page)
    no_exception(page)
    card = page.locator('[data-testid="stMetric"]').filter(has_text="可供量")
    supply = int(card.locator('[data-testid="stMetricValue"]').inner_text().replace(",", ""))
    # the grids mount one after another on a loaded machine: wait for each, do not just look
    outcome = wait_until(page, lambda: grid_with_header(page, "指标", "按档位投放", "推荐方案", "差异"),
                         "the outcome table")
    measures = [r[0] for r in grid_rows(outcome)]
    assert "消费者购买量（条）" in measures and "同档满足率基尼系数" in measures
    wait_until(page, lambda: grid_with_header(page, "客户编码", "分配量（条）", "原因"), "the client list")
    panel = main(page).get_by_role("tabpanel").first
    button = panel.locator('[data-testid="stDownloadButton"]').filter(has_text="下载 CSV").nth(1)
    file_name, data = download(page, button)
    assert file_name.startswith("allocation_optimal_")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows and 0 < sum(int(r["分配量（条）"]) for r in rows) <= supply
    full_page_screenshot(page, "allocation.png")
