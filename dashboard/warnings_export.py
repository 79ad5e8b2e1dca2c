"""The printable visit sheet 拜访单 of the stock-warning page: an .xlsx a customer manager prints on
Monday and takes on the week's visits.

Layout (one worksheet, xlsxwriter):

    row 1        title
    row 2        territory, as-of date, how many clients and items, when printed
    row 3        the item columns' headers                 (rows 1–3 repeat on every printed page)
    per client   a block, most urgent client first:
                 - the client row: client code in column A, the name, then grade, format, market
                   type, credit level, next order day (weekday) and order cycle;
                 - the place row: district, market department, territory, business district,
                   manager;
                 - one row per item to discuss, most urgent first: No. (1, 2, … in column A),
                   product code, specification, price class, status (filled in the status's
                   colour), stock, count date, weekly sales, days of cover, suggested order, cap,
                   the suggested action, and empty cells for the visit's notes and a tick;
                 - an empty spacer row.

Page setup: A4 landscape, fit to one page wide, centred, footer "page x of y". Manual page breaks
are set before a block that would not fit on the page any more (Excel ignores them while "fit to
width" is on; other spreadsheet programs may honour them), so most blocks print whole.

Every text follows ``lang`` (the page's language); nothing here reads the Streamlit session, so
the sheet can also be built outside a script run.
"""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd

from dashboard.i18n import code_label, t

EMPTY = "—"
COLUMNS = ["no", "product_id", "product_name", "price_class", "status", "qty_on_hand", "snapshot_date",
           "weekly_rate", "days_of_cover", "suggested_order_qty", "qty_cap", "action", "note", "done"]
WIDTHS = [11, 11, 18, 7, 10, 9, 11, 10, 9, 10, 8, 18, 30, 7]  # about 160 characters: A4 landscape
HEADERS = {"no": "sw.x.no", "action": "sw.col.action", "note": "sw.x.note", "done": "sw.x.done"}
# Light fills of the page's status colours (dashboard.warnings_widgets.STATUS_COLORS), legible in print.
STATUS_FILLS = {"out_of_stock": "#F4CCCC", "shortage_risk": "#FCE5CD", "overstock": "#FFF2CC",
                "stale": "#E4DAF0", "stale_data": "#E5E5E5", "ok": "#D9EAD3"}
ROW_POINTS = {"item": 20.0, "client": 21.0, "place": 16.0, "spacer": 8.0}
PAGE_POINTS = 420.0  # A4 landscape less margins, footer and the repeated rows, at 100 %


def block_order(items: pd.DataFrame) -> list[str]:
    """Client codes, most urgent first: highest severity, then most items at severity 2 or more,
    then most items, then the code."""
    if items.empty:
        return []
    g = items.assign(urgent=items["severity"] >= 2).groupby("client_id").agg(
        top=("severity", "max"), urgent=("urgent", "sum"), n=("product_id", "size")).reset_index()
    g = g.sort_values(["top", "urgent", "n", "client_id"], ascending=[False, False, False, True])
    return g["client_id"].tolist()


def short_action(row, lang: str) -> str:
    """The item's suggested action in a few words (the visit sheet's 建议 column)."""
    status, qty = row["status"], row["suggested_order_qty"]
    known = qty is not None and not pd.isna(qty)
    if status in ("out_of_stock", "shortage_risk", "ok"):
        if not known:
            return t("sw.short.unknown", lang)
        if int(qty) <= 0:
            return EMPTY if status == "ok" else t("sw.short.none", lang)
        return t(f"sw.short.{status}", lang, qty=int(qty))
    return t(f"sw.short.{status}", lang)


def visit_sheet(items: pd.DataFrame, clients: pd.DataFrame, *, lang: str, scope_label: str,
                as_of: dt.date, today: dt.date | None = None) -> bytes:
    """The visit sheet as .xlsx bytes.

    Args:
        items: rows of the warning list (``analytics.stock.stock_warnings`` columns) to discuss,
            e.g. the page's filtered list.
        clients: the clients' attributes (client_id, name, district, market_dept, territory,
            manager_id, business_format, grade, market_type, business_district, credit_level,
            order_cycle); a client missing here is named from ``items``.
        lang: 'zh' or 'en'.
        scope_label: what the sheet covers (a territory's name), for the subtitle.
        as_of: the list's as-of date.
        today: the print date in the subtitle (default: today).
    """
    import xlsxwriter  # the pinned writer; imported late so the page module loads fast

    today = today or dt.date.today()
    order = block_order(items)
    info = clients.drop_duplicates("client_id").set_index("client_id") if not clients.empty else None
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet(t("sw.x.sheet", lang)[:31])
    font = {"font_name": "Microsoft YaHei" if lang == "zh" else "Calibri", "font_size": 10, "valign": "vcenter"}
    fmt = {
        "title": book.add_format({**font, "bold": True, "font_size": 14}),
        "subtitle": book.add_format({**font, "font_color": "#555555"}),
        "header": book.add_format({**font, "bold": True, "bg_color": "#3C3C3C", "font_color": "#FFFFFF",
                                   "border": 1, "text_wrap": True, "align": "center"}),
        "client_id": book.add_format({**font, "bold": True, "bg_color": "#F7F3EC", "top": 2}),
        "client_name": book.add_format({**font, "bold": True, "font_size": 12, "bg_color": "#F7F3EC", "top": 2}),
        "client_line": book.add_format({**font, "bg_color": "#F7F3EC", "top": 2}),
        "place": book.add_format({**font, "font_color": "#444444", "bg_color": "#F7F3EC", "bottom": 1}),
        "text": book.add_format({**font, "border": 1, "border_color": "#BBBBBB"}),
        "wrap": book.add_format({**font, "border": 1, "border_color": "#BBBBBB", "text_wrap": True}),
        "int": book.add_format({**font, "border": 1, "border_color": "#BBBBBB", "num_format": "#,##0"}),
        "dec": book.add_format({**font, "border": 1, "border_color": "#BBBBBB", "num_format": "#,##0.0"}),
        "date": book.add_format({**font, "border": 1, "border_color": "#BBBBBB", "num_format": "yyyy-mm-dd"}),
        "bold_int": book.add_format({**font, "border": 1, "border_color": "#BBBBBB", "num_format": "#,##0",
                                     "bold": True, "font_size": 11}),
        "center": book.add_format({**font, "border": 1, "border_color": "#BBBBBB", "align": "center"}),
        "empty": book.add_format({**font, "border": 1, "border_color": "#BBBBBB", "align": "center",
                                  "font_color": "#888888"}),
    }
    status_fmt = {s: book.add_format({**font, "border": 1, "border_color": "#BBBBBB", "bg_color": fill,
                                      "bold": s in ("out_of_stock", "shortage_risk")})
                  for s, fill in STATUS_FILLS.items()}
    last_col = len(COLUMNS) - 1

    for i, width in enumerate(WIDTHS):
        sheet.set_column(i, i, width)
    sheet.merge_range(0, 0, 0, last_col, t("sw.x.title", lang), fmt["title"])
    sheet.set_row(0, 24)
    sheet.merge_range(1, 0, 1, last_col, t("sw.x.subtitle", lang, scope=scope_label, date=as_of.isoformat(),
                                          clients=len(order), items=len(items), today=today.isoformat()),
                      fmt["subtitle"])
    for col, name in enumerate(COLUMNS):
        sheet.write_string(2, col, t(HEADERS.get(name, f"sw.col.{name}"), lang), fmt["header"])
    sheet.set_row(2, 30)

    # Page setup: A4 landscape, one page wide, rows 1-3 on every page.
    sheet.set_landscape()
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(0, 2)
    sheet.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
    sheet.center_horizontally()
    sheet.set_footer("&C" + t("sw.x.footer", lang))
    sheet.freeze_panes(3, 0)

    row, used, breaks = 3, 0.0, []
    if not order:
        sheet.merge_range(row, 0, row, last_col, t("sw.none_match", lang), fmt["subtitle"])
    by_client = {c: g for c, g in items.groupby("client_id", sort=False)}
    for client_id in order:
        block = by_client[client_id].sort_values(["severity", "product_id"], ascending=[False, True])
        height = ROW_POINTS["client"] + ROW_POINTS["place"] + ROW_POINTS["item"] * len(block) + ROW_POINTS["spacer"]
        if used > 0 and used + height > PAGE_POINTS:
            breaks.append(row)
            used = 0.0
        used += height
        row = _client_rows(sheet, fmt, row, client_id, block, info, lang, last_col)
        for n, (_, item) in enumerate(block.iterrows(), start=1):
            _item_row(sheet, fmt, status_fmt, row, n, item, lang)
            row += 1
        sheet.set_row(row, ROW_POINTS["spacer"])
        row += 1
    if breaks:
        sheet.set_h_pagebreaks(breaks)
    sheet.print_area(0, 0, max(row - 1, 2), last_col)
    book.close()
    return buffer.getvalue()


def _client_rows(sheet, fmt, row: int, client_id: str, block: pd.DataFrame, info, lang: str,
                 last_col: int) -> int:
    first = block.iloc[0]
    c = info.loc[client_id] if info is not None and client_id in info.index else None

    def attr(name: str, fallback=None):
        value = c[name] if c is not None and name in c.index else fallback
        return EMPTY if value is None or (not isinstance(value, str) and pd.isna(value)) or value == "" else value

    name = attr("name", first.get("client_name"))
    grade = attr("grade")
    next_day = first.get("next_order_date")
    weekday = t(f"weekday.{next_day.weekday()}", lang) if isinstance(next_day, dt.date) else EMPTY
    line = t("sw.x.client_line", lang,
             grade=t("sw.grade", lang, g=int(grade)) if grade != EMPTY else EMPTY,
             format=code_label("fmt", attr("business_format", first.get("business_format")), lang),
             market=code_label("mt", attr("market_type"), lang), credit=attr("credit_level"),
             next=next_day.isoformat() if isinstance(next_day, dt.date) else EMPTY, weekday=weekday,
             cycle=_cycle(attr("order_cycle"), lang))
    sheet.write_string(row, 0, str(client_id), fmt["client_id"])
    sheet.merge_range(row, 1, row, 5, str(name), fmt["client_name"])
    sheet.merge_range(row, 6, row, last_col, line, fmt["client_line"])
    sheet.set_row(row, ROW_POINTS["client"])
    place = t("sw.x.place_line", lang, district=attr("district", first.get("district")),
              dept=attr("market_dept", first.get("market_dept")), territory=attr("territory", first.get("territory")),
              bd=attr("business_district"), manager=attr("manager_id", first.get("manager_id")))
    sheet.write_blank(row + 1, 0, None, fmt["place"])
    sheet.merge_range(row + 1, 1, row + 1, last_col, place, fmt["place"])
    sheet.set_row(row + 1, ROW_POINTS["place"])
    return row + 2


def _cycle(cycle, lang: str) -> str:
    from dashboard.warnings_widgets import cycle_text  # late: the widgets module imports this one

    return cycle_text(None if cycle == EMPTY else cycle, lang)


def _item_row(sheet, fmt, status_fmt, row: int, n: int, item, lang: str) -> None:
    def number(col: int, value, style: str) -> None:
        if value is None or pd.isna(value):
            sheet.write_string(row, col, EMPTY, fmt["empty"])
        else:
            sheet.write_number(row, col, float(value), fmt[style])

    sheet.write_number(row, 0, n, fmt["center"])
    sheet.write_string(row, 1, str(item["product_id"]), fmt["text"])
    sheet.write_string(row, 2, str(item.get("product_name") or item["product_id"]), fmt["wrap"])
    pc = item.get("price_class")
    sheet.write_string(row, 3, EMPTY if pc is None or pd.isna(pc) else code_label("pc", int(pc), lang), fmt["text"])
    sheet.write_string(row, 4, t(f"status.{item['status']}", lang), status_fmt.get(item["status"], fmt["text"]))
    number(5, item["qty_on_hand"], "int")
    day = item["snapshot_date"]
    if isinstance(day, dt.date):
        sheet.write_datetime(row, 6, dt.datetime.combine(day, dt.time()), fmt["date"])
    else:
        sheet.write_string(row, 6, EMPTY, fmt["empty"])
    number(7, item["weekly_rate"], "dec")
    number(8, item["days_of_cover"], "dec")
    number(9, item["suggested_order_qty"], "bold_int")
    number(10, item["qty_cap"], "int")
    sheet.write_string(row, 11, short_action(item, lang), fmt["wrap"])
    sheet.write_blank(row, 12, None, fmt["text"])
    sheet.write_string(row, 13, "☐", fmt["center"])
    sheet.set_row(row, ROW_POINTS["item"])
