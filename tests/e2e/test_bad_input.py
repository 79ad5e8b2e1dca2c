"""Bad input through a real browser: files on the Data page, and absurd links to each analysis
page. Each gets a clear message in the user's language (or, for a file in the other Chinese
encoding, validates as it should), and the warehouse file is left exactly as it was.

The importer's own rules for these files are tested in ``tests/data/test_import_files.py``; here
the question is what the user sees after the upload travels through Streamlit, and that nothing
is written. The broken-rows case and a good GBK import are in ``test_browser.py``.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Page, expect

from data import store
from tests.dashboard.test_bad_url import ABSURD
from tests.e2e.conftest import Server
from tests.e2e.test_browser import (CLIENT_HEADERS, FIT_TIMEOUT_MS, PLACE, main, no_exception, open_data_page, read_sql,
                                    settle, sha256, sidebar, upload_and_validate)

ROWS = [f"C70000001,金叶烟酒一号,{PLACE},烟酒商店,12,城网",
        f"C70000002,金叶超市二号,{PLACE},超市,D8,农网"]
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x02\x00\x00\x00" + bytes(range(256)) * 4


def fingerprint(db: Path) -> tuple:
    """What must not change: the file's bytes, its generation, the import log and the clients."""
    return (sha256(db), store.generation(db),
            read_sql(db, "SELECT count(*), max(version) FROM import_log")[0],
            read_sql(db, "SELECT count(*) FROM clients")[0][0])


def text_file(path: Path, lines: list[str], encoding: str) -> Path:
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def shown_alert(page: Page, text: str) -> None:
    expect(main(page).locator('[data-testid="stAlert"]').filter(has_text=text)).to_be_visible()
    settle(page)
    no_exception(page)


BAD_FILES = {
    # name: (bytes, the message the page must show)
    "门店照片.csv": (PNG, "无法读取文件：门店照片.csv 不是文本文件（含有二进制数据）"),
    "客户名单.xlsx": ("\n".join([CLIENT_HEADERS, *ROWS]).encode("utf-8"),
                     "无法读取文件：客户名单.xlsx 不是有效的 .xlsx 文件（已损坏或改过扩展名）"),
    "引号未闭合.csv": ("\n".join([CLIENT_HEADERS, ROWS[0].replace("金叶", '"金叶'), ROWS[1]]).encode("utf-8"),
                     "无法读取文件：引号未闭合.csv：不是有效的 CSV 文件"),
    # A UTF-8 header over GBK rows: neither encoding reads the whole file.
    "编码混杂.csv": (f"{CLIENT_HEADERS}\r\n".encode("utf-8") + f"{ROWS[0]}\r\n".encode("gbk"),
                   "无法读取文件：编码混杂.csv：无法识别文件编码"),
    "只有表头.csv": (f"{CLIENT_HEADERS}\r\n".encode("utf-8"), "只有表头、没有数据行"),
}


@pytest.mark.e2e
@pytest.mark.parametrize("name", list(BAD_FILES))
def test_unreadable_upload_says_why_and_writes_nothing(page, server, tmp_path, name):
    content, message = BAD_FILES[name]
    (tmp_path / name).write_bytes(content)
    before = fingerprint(server.db)

    open_data_page(page, server)
    upload_and_validate(page, tmp_path / name)
    shown_alert(page, message)
    expect(main(page).get_by_role("button", name="导入", exact=True)).to_have_count(0)
    assert fingerprint(server.db) == before


@pytest.mark.e2e
def test_ragged_rows_are_reported_not_loaded(page, server, tmp_path):
    ragged = text_file(tmp_path / "多出的列.csv", [CLIENT_HEADERS, ROWS[0] + ",多余,又一个", ROWS[1]], "utf-8")
    before = fingerprint(server.db)

    open_data_page(page, server)
    upload_and_validate(page, ragged)
    shown_alert(page, "发现 1 个问题，未写入任何数据。")
    assert fingerprint(server.db) == before


@pytest.mark.e2e
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_either_chinese_encoding_validates_the_same(page, server, tmp_path, encoding):
    """An export from Excel is GBK, from WPS or a script UTF-8 (with or without BOM): the page
    reads each the same; validating writes nothing."""
    upload = text_file(tmp_path / f"新客户_{encoding}.csv", [CLIENT_HEADERS, *ROWS], encoding)
    before = fingerprint(server.db)

    open_data_page(page, server)
    upload_and_validate(page, upload)
    shown_alert(page, f"校验通过：{len(ROWS)} 行可导入。")
    assert fingerprint(server.db) == before


@pytest.mark.e2e
def test_a_file_over_the_upload_limit_is_refused_in_the_browser(page, server: Server, tmp_path):
    """Over the limit the browser refuses the file before it is sent: the server never holds it.
    The page states the limit in the user's language next to the uploader."""
    limit_mb = 200  # .streamlit/config.toml server.maxUploadSize and the Data page's setting
    huge = tmp_path / "全年订单.csv"
    with open(huge, "wb") as out:  # sparse: 1 MB over the limit without writing 201 MB
        out.write(f"{CLIENT_HEADERS}\n".encode())
        out.truncate((limit_mb + 1) * 2**20)
    before = fingerprint(server.db)

    open_data_page(page, server)
    expect(main(page).get_by_text(f"单个文件不超过 {limit_mb} MB")).to_be_visible()
    page.locator('[data-testid="stFileUploaderDropzoneInput"], input[type="file"]').first \
        .set_input_files(str(huge))
    expect(main(page).get_by_text(huge.name)).to_be_visible()
    expect(main(page).get_by_text(f"{limit_mb:.1f}MB")).to_be_visible()  # Streamlit's own refusal
    settle(page)
    no_exception(page)
    expect(main(page).get_by_role("button", name="校验")).to_have_count(0)
    assert fingerprint(server.db) == before
    assert os.path.getsize(huge) > limit_mb * 2**20


LINKS = {"": "总览", "five-rates": "五率分析", "brand": "品牌", "prices": "价格监测", "warnings": "库存预警",
         "forecast": "需求预测", "forecast-accuracy": "预测准确度", "allocation": "紧俏货源投放"}


@pytest.mark.e2e
@pytest.mark.parametrize("path", list(LINKS))
def test_an_absurd_link_opens_the_page_with_a_message(page, server, path):
    """Opened straight from a crafted link, each page draws its default view and the sidebar
    says, in Chinese, which filters were ignored (AppTest can only check this on the Overview)."""
    before = fingerprint(server.db)
    page.goto(f"{server.url}/{path}?{urlencode(ABSURD)}")
    expect(page.get_by_role("heading", name=LINKS[path], exact=True)).to_be_visible()
    warning = sidebar(page).locator('[data-testid="stAlert"]').filter(has_text="链接中的筛选条件无效，已忽略")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("from=2099-99-99")
    expect(warning).to_contain_text("territory=不存在的片区")
    # A Markdown link in a value is shown as text, not drawn as a link in the app's own message.
    expect(warning).to_contain_text("market=[领奖](https://evil.example)")
    expect(warning.locator("a")).to_have_count(0)
    settle(page, FIT_TIMEOUT_MS)  # the forecast pages fit their models on the first visit
    no_exception(page)
    if path == "warnings":  # a client the viewer cannot see, named in the link 
        refused = main(page).locator('[data-testid="stAlert"]').filter(has_text="不在您可查看的客户中")
        expect(refused).to_contain_text("'; DROP TABLE orders; --")
    assert fingerprint(server.db) == before
