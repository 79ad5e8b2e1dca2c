"""Signing in, in a real browser: Chromium against a real ``streamlit run`` of the app, on a copy of
the demo city whose accounts were added with ``python -m data users add`` (so demo mode is off).

One server for this file (the ``server`` fixture below replaces the session's shared one, whose
warehouse has no accounts and must stay in demo mode for the other browser tests). Each test is a
new browser context, i.e. a new Streamlit session that must sign in.

Covers 08-dashboard "Roles" and 09-quality "Security": each role signs in and gets its pages; a
wrong password is refused; a customer manager sees only the own territory and cannot reach
another territory's clients through the filters, the URL (``?territory=``, ``?client=``) or a
page link; sign-out.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import ROOT, Server, _start, _stop
from tests.e2e.test_browser import main, managers, no_exception, read_sql, settle, sidebar, territory_options

# username -> (role, password); the customer manager's manager_id is set by the fixture
ACCOUNTS = {
    "boss": ("admin", "boss-e2e-password"),
    "market": ("marketing", "market-e2e-password"),
    "brand": ("brand_manager", "brand-e2e-password"),
    "zhang": ("customer_manager", "zhang-e2e-password"),
}
# Pages each role must and must not find in the navigation (spec 08: the Data page and the
# forecast-accuracy review belong to marketing and admins).
MUST = {"admin": ["总览", "数据", "预测准确度"], "marketing": ["总览", "数据", "预测准确度"],
        "brand_manager": ["总览", "五率分析", "品牌"], "customer_manager": ["总览", "库存预警"]}
MUST_NOT = {"admin": [], "marketing": [], "brand_manager": ["数据", "预测准确度"],
            "customer_manager": ["数据", "预测准确度"]}


@pytest.fixture(scope="module")
def manager(demo_db) -> tuple[str, str, str]:
    """(manager_id, name, territory) of the customer manager ``zhang`` signs in as."""
    return managers(demo_db)[2]


@pytest.fixture(scope="module")
def server(demo_db, manager, tmp_path_factory) -> Server:
    """A copy of the demo city with one account per role, served by its own ``streamlit run``."""
    db = tmp_path_factory.mktemp("login") / "jinye.duckdb"
    shutil.copyfile(demo_db, db)
    for username, (role, password) in ACCOUNTS.items():
        extra = ["--manager-id", manager[0], "--display-name", manager[1]] if role == "customer_manager" else []
        proc = subprocess.run([sys.executable, "-m", "data", "users", "add", username, "--role", role,
                               *extra, "--password-stdin", "--db", str(db)], input=password + "\n",
                              cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
    running = _start(db, db.parent / "streamlit.log")
    try:
        yield running
    finally:
        _stop(running.process)


def login_form_shown(page: Page) -> None:
    expect(page.get_by_label("用户名")).to_be_visible()
    # exact: while the sign-out rerun runs, the stale 退出登录 button may still be on the page
    expect(page.get_by_role("button", name="登录", exact=True)).to_be_visible()


def sign_in(page: Page, username: str, password: str) -> None:
    login_form_shown(page)
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录", exact=True).click()


def signed_in(page: Page, username: str) -> None:
    sign_in(page, username, ACCOUNTS[username][1])
    expect(page.locator('[data-testid="stMetric"]').first).to_be_visible()
    settle(page)
    no_exception(page)


def nav_links(page: Page) -> list[str]:
    """The page titles in the navigation (each link's text is its icon's name, then its title)."""
    texts = sidebar(page).locator('[data-testid="stSidebarNav"] a').all_inner_texts()
    return [t.strip().splitlines()[-1].strip() for t in texts if t.strip()]


def own_clients(db: Path, manager_id: str) -> set[str]:
    """The clients a customer manager may see, computed in SQL: those assigned to the manager,
    and the unassigned ones of the manager's own market department and territory."""
    return {r[0] for r in read_sql(
        db, "SELECT client_id FROM clients c WHERE manager_id = ? OR (manager_id IS NULL AND EXISTS ("
            "SELECT 1 FROM managers m WHERE m.manager_id = ? AND m.market_dept = c.market_dept "
            "AND m.territory = c.territory))", [manager_id, manager_id])}


# ----------------------------------------------------------------------------- sign-in

@pytest.mark.e2e
def test_no_demo_mode_and_a_wrong_password_is_refused(page, server):
    page.goto(server.url)
    login_form_shown(page)
    expect(sidebar(page).get_by_text("演示模式：选择角色查看")).to_have_count(0)
    sign_in(page, "market", "not-the-password")
    expect(main(page).get_by_text("用户名或密码错误。")).to_be_visible()
    settle(page)
    expect(page.locator('[data-testid="stMetric"]')).to_have_count(0)
    assert nav_links(page) == []
    no_exception(page)


@pytest.mark.e2e
@pytest.mark.parametrize("username", list(ACCOUNTS))
def test_each_role_signs_in_to_its_pages_and_out(page, server, manager, username):
    role = ACCOUNTS[username][0]
    page.goto(server.url)
    signed_in(page, username)
    shown = manager[1] if role == "customer_manager" else username
    expect(sidebar(page).get_by_text(f"当前身份: {shown}")).to_be_visible()
    links = nav_links(page)
    assert set(MUST[role]) <= set(links), links
    assert not set(MUST_NOT[role]) & set(links), links
    sidebar(page).get_by_role("button", name="退出登录").click()
    login_form_shown(page)
    settle(page)
    expect(page.locator('[data-testid="stMetric"]')).to_have_count(0)
    assert nav_links(page) == []


# ----------------------------------------------------------------------------- the own territory only

@pytest.mark.e2e
def test_customer_manager_filters_offer_only_the_own_territory(page, server, manager):
    _, _, own = manager
    other = next(r[2] for r in managers(server.db) if r[2] != own)
    page.goto(server.url)
    signed_in(page, "zhang")
    assert territory_options(page) == [own]
    assert territory_options(page, typed=other) == []


@pytest.mark.e2e
def test_customer_manager_url_naming_another_territory_is_dropped(page, server, manager):
    _, _, own = manager
    other = next(r[2] for r in managers(server.db) if r[2] != own)
    page.goto(f"{server.url}/?territory={other}")
    signed_in(page, "zhang")
    warning = sidebar(page).locator('[data-testid="stAlert"]').filter(has_text="链接中的筛选条件无效，已忽略")
    expect(warning).to_contain_text(f"territory={other}")
    assert "territory=" not in page.url
    assert territory_options(page) == [own]


@pytest.mark.e2e
def test_customer_manager_link_to_another_territorys_client_shows_nothing_of_it(page, server, manager):
    manager_id, _, own = manager
    mine = own_clients(server.db, manager_id)
    client, name, territory = next(r for r in read_sql(
        server.db, "SELECT client_id, name, territory FROM clients WHERE territory <> ? ORDER BY client_id",
        [own]) if r[0] not in mine)
    page.goto(f"{server.url}/warnings?client={client}")
    signed_in(page, "zhang")
    expect(page.get_by_role("heading", name="库存预警", exact=True)).to_be_visible()
    expect(main(page).get_by_text(f"链接中的客户 {client} 不在您可查看的客户中，已忽略。")).to_be_visible()
    settle(page)
    no_exception(page)
    assert f"client={client}" not in page.url
    body = main(page).inner_text()
    assert name not in body and territory not in body
    # The card opened instead is the manager's own client, and is what the address now links to.
    expect(page).to_have_url(re.compile(r"[?&]client="))
    assert re.search(r"[?&]client=([^&]+)", page.url).group(1) in mine, page.url
    hrefs = page.locator("a[href*='client=']").evaluate_all("as => as.map(a => a.href)")
    linked = {re.search(r"client=([^&]+)", h).group(1) for h in hrefs}
    assert linked <= mine, linked - mine  # any link on the page to a client: own clients only


@pytest.mark.e2e
@pytest.mark.parametrize("path, heading", [("data", "数据"), ("forecast-accuracy", "预测准确度")])
def test_customer_manager_cannot_open_a_page_that_is_not_theirs_by_its_address(page, server, path, heading):
    page.goto(f"{server.url}/{path}")
    signed_in(page, "zhang")
    expect(page.get_by_role("heading", name=heading, exact=True)).to_have_count(0)
    assert heading not in nav_links(page)
    no_exception(page)
