"""Translations: Chinese (简体) by default, English available. Every visible string goes through
``t(key)``; a missing key shows the key itself so a gap is visible rather than silent."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

LANGUAGES = {"zh": "中文", "en": "English"}
DEFAULT_LANGUAGE = "zh"

STRINGS: dict[str, tuple[str, str]] = {
    # key: (zh, en)
    "app.title": ("金叶 · 精准营销分析", "Jinye · Precision-marketing analytics"),
    "app.language": ("语言", "Language"),
    "nav.analysis": ("分析", "Analysis"),
    "nav.admin": ("管理", "Administration"),
    "page.overview": ("总览", "Overview"),
    "page.data": ("数据", "Data"),
    # roles and identity
    "role.admin": ("系统管理员", "Administrator"),
    "role.marketing": ("营销中心", "Marketing department"),
    "role.brand_manager": ("品牌经理", "Brand manager"),
    "role.customer_manager": ("客户经理", "Customer manager"),
    "auth.demo_mode": ("演示模式：选择角色查看", "Demo mode: view as"),
    "auth.demo_hint": ("演示模式下可切换角色，体验不同用户看到的内容。",
                       "In demo mode you can switch roles to see the product through each user's eyes."),
    "auth.pick_manager": ("客户经理", "Customer manager"),
    "auth.signed_in_as": ("当前身份", "Viewing as"),
    "auth.logout": ("退出登录", "Log out"),
    "auth.username": ("用户名", "Username"),
    "auth.password": ("密码", "Password"),
    "auth.login": ("登录", "Log in"),
    "auth.bad_login": ("用户名或密码错误。", "Wrong username or password."),
    "auth.no_managers": ("仓库中没有客户经理。", "The warehouse has no customer managers."),
    "auth.expired": ("登录已超时，请重新登录。", "Your session has expired: please log in again."),
    "auth.sso_hint": ("请使用单位统一身份认证登录。", "Sign in with your organisation's account."),
    "auth.sso_login": ("统一身份认证登录", "Sign in"),
    "auth.no_access": ("账号 {email} 没有本系统的访问权限，请联系系统管理员开通。",
                       "{email} has no access to this dashboard: ask an administrator to add the account."),
    # filters
    "filters.title": ("全局筛选", "Global filters"),
    "filters.date_range": ("日期范围", "Date range"),
    "filters.granularity": ("时间粒度", "Granularity"),
    "filters.region": ("区域", "Region"),
    "filters.segment": ("客户分类", "Client segment"),
    "filters.product": ("卷烟", "Products"),
    "filters.district": ("区县", "District"),
    "filters.market_dept": ("市场部", "Market department"),
    "filters.territory": ("片区", "Territory"),
    "filters.business_format": ("业态", "Business format"),
    "filters.market_type": ("市场类型", "Market type"),
    "filters.grade": ("档位", "Grade"),
    "filters.product_level": ("卷烟层级", "Product level"),
    "filters.product_keys": ("选择", "Selection"),
    "filters.reset": ("重置筛选", "Reset filters"),
    "filters.all": ("全部", "All"),
    "filters.bad_url": ("链接中的筛选条件无效，已忽略：{items}", "Ignored invalid filters in the link: {items}"),
    "filters.snapped": ("按{g}汇总：{start} 至 {end}", "Whole {g}s: {start} to {end}"),
    "gran.week": ("周", "week"),
    "gran.month": ("月", "month"),
    "gran.quarter": ("季度", "quarter"),
    "gran.year": ("年", "year"),
    "level.product": ("规格", "Specification"),
    "level.brand": ("品牌", "Brand"),
    "level.price_class": ("价类", "Price class"),
    "level.all": ("全部卷烟", "All products"),
    # coded values
    "fmt.grocery": ("食杂店", "Grocery"),
    "fmt.convenience": ("便利店", "Convenience"),
    "fmt.supermarket": ("超市", "Supermarket"),
    "fmt.mall": ("商场", "Mall"),
    "fmt.tobacco_liquor": ("烟酒商店", "Tobacco & liquor"),
    "fmt.entertainment": ("娱乐服务类", "Entertainment"),
    "fmt.other": ("其他", "Other"),
    "fmt.unknown": ("未知", "Unknown"),
    "mt.urban": ("城网", "Urban"),
    "mt.rural": ("农网", "Rural"),
    "mt.unknown": ("未知", "Unknown"),
    "pc.1": ("一类", "Class 1"),
    "pc.2": ("二类", "Class 2"),
    "pc.3": ("三类", "Class 3"),
    "pc.4": ("四类", "Class 4"),
    "pc.5": ("五类", "Class 5"),
    # overview
    "overview.headline": ("核心指标（{start} 至 {end}，对比去年同期）",
                          "Headline ({start} to {end}, vs the same period last year)"),
    "kpi.volume_cases": ("销量（箱）", "Volume (cases)"),
    "kpi.sales": ("销售额（元）", "Sales (CNY)"),
    "kpi.value_per_case": ("单箱值（元/箱）", "Value per case (CNY)"),
    "kpi.value_per_carton": ("条均值（元/条）", "Value per carton (CNY)"),
    "kpi.fill_rate": ("订单满足率", "Order fill rate"),
    "kpi.buying_clients": ("订货户数", "Buying clients"),
    "kpi.growth": ("同比增长", "Growth vs last year"),
    "kpi.vs_last_year": ("去年同期 {value}", "Last year {value}"),
    "overview.trend": ("趋势", "Trend"),
    "overview.trend_metric": ("指标", "Measure"),
    "overview.this_period": ("本期", "This period"),
    "overview.last_year": ("去年同期", "Same period last year"),
    "overview.freshness": ("数据新鲜度", "Data freshness"),
    "overview.latest_order": ("最新订单日期", "Latest order"),
    "overview.latest_snapshot": ("最新库存采集", "Latest stock count"),
    "overview.latest_price": ("最新价格采集", "Latest price count"),
    "overview.days_ago": ("{n} 天前", "{n} days ago"),
    "overview.version": ("数据版本 {version}，更新于 {at}", "Warehouse version {version}, updated {at}"),
    "overview.formula": ("指标口径", "Definitions"),
    "overview.formula_text": (
        "销量 = Σ订购量（条），箱 = 条 ÷ 250；销售额 = Σ金额；单箱值 = 销售额 ÷ 箱；"
        "订单满足率 = Σ订购量 ÷ Σ需求量；同比 = (本期销量 − 去年同期销量) ÷ 去年同期销量。",
        "Volume = Σ ordered (cartons), cases = cartons ÷ 250; sales = Σ amount; value per case = "
        "sales ÷ cases; fill rate = Σ ordered ÷ Σ demanded; growth = (volume − last year's) ÷ last year's."),
    "overview.table": ("明细", "Details"),
    # common
    "common.empty": ("所选范围内没有数据。请放宽筛选条件。", "No data in this scope. Widen the filters."),
    "common.no_value": ("—", "—"),
    "common.download_csv": ("下载 CSV", "Download CSV"),
    "common.download_xlsx": ("下载 Excel", "Download Excel"),
    "common.period": ("期间", "Period"),
    "common.error": ("出现问题：{msg}", "Something went wrong: {msg}"),
    "common.no_access": ("当前角色无权查看此页面。", "Your role may not open this page."),
    # warehouse state
    "wh.missing": ("尚未建立数据仓库（{path}）。", "There is no warehouse yet ({path})."),
    "wh.generate": ("生成演示城市", "Generate the demo city"),
    "wh.generating": ("正在生成演示城市…", "Generating the demo city…"),
    "wh.updated": ("数据已更新到版本 {version}。", "Data updated to version {version}."),
    # data page
    "data.upload": ("导入文件", "Import a file"),
    "data.table": ("目标表", "Target table"),
    "data.files": ("选择文件（CSV / Excel / Parquet）", "Choose files (CSV / Excel / Parquet)"),
    "data.validate": ("校验", "Validate"),
    "data.load": ("导入", "Load"),
    "data.load_good": ("只导入合格行（不合格行可下载）", "Load the good rows only (download the bad ones)"),
    "data.report_ok": ("校验通过：{rows} 行可导入。", "Validation passed: {rows} rows ready to load."),
    "data.report_errors": ("发现 {n} 个问题，未写入任何数据。", "{n} problems found; nothing was written."),
    "data.report_warnings": ("{n} 条提示", "{n} warnings"),
    "data.loaded": ("已导入 {rows} 行到 {table}（数据版本 {version}）。",
                    "Loaded {rows} rows into {table} (warehouse version {version})."),
    "data.rejected_download": ("下载不合格行", "Download the rejected rows"),
    "data.status": ("仓库状态", "Warehouse status"),
    "data.integrity": ("数据完整性", "Integrity"),
    "data.integrity_ok": ("完整性检查通过。", "Integrity checks passed."),
    "data.refresh": ("重建汇总表", "Rebuild aggregates"),
    "data.refreshed": ("汇总表已重建。", "Aggregates rebuilt."),
    "data.history": ("导入记录", "Import history"),
    "data.limit": ("单个文件不超过 {mb} MB。", "Each file at most {mb} MB."),
    "data.too_big": ("文件超过 {mb} MB 上限。", "The file is over the {mb} MB limit."),
    "data.bad_file": ("无法读取文件：{msg}", "Cannot read the file: {msg}"),
    "data.busy": ("另一个导入正在进行，请稍后再试。", "Another import is running; try again shortly."),
    "col.table": ("表", "Table"),
    "col.rows": ("行数", "Rows"),
    "col.first_date": ("最早日期", "First date"),
    "col.last_date": ("最新日期", "Last date"),
    "col.file": ("文件", "File"),
    "col.row": ("行", "Row"),
    "col.column": ("列", "Column"),
    "col.value": ("值", "Value"),
    "col.problem": ("问题", "Problem"),
    "col.fix": ("修改建议", "How to fix"),
    "col.severity": ("级别", "Severity"),
    "col.canonical": ("字段", "Field"),
    "col.version": ("版本", "Version"),
    "col.loaded_at": ("导入时间", "Loaded at"),
    "col.rows_loaded": ("导入行数", "Rows loaded"),
    "col.rows_rejected": ("拒收行数", "Rows rejected"),
    "col.loaded_by": ("导入人", "Loaded by"),
    "severity.error": ("错误", "Error"),
    "severity.warning": ("提示", "Warning"),
}

# The analysis pages' strings (five rates, brand, prices) live in their own module.
from dashboard.i18n_kpis import STRINGS as _KPI_STRINGS  # noqa: E402

STRINGS.update(_KPI_STRINGS)
from dashboard.i18n_warnings import STRINGS as _WARNING_STRINGS; STRINGS.update(_WARNING_STRINGS)  # noqa: E402,E702
from dashboard.i18n_forecast import STRINGS as _FORECAST_STRINGS; STRINGS.update(_FORECAST_STRINGS)  # noqa: E402,E702
from dashboard.i18n_allocation import STRINGS as _ALLOCATION_STRINGS; STRINGS.update(_ALLOCATION_STRINGS)  # noqa: E402,E702


def language() -> str:
    """The session's language code ('zh' unless the user chose English)."""
    lang = st.session_state.get("lang", DEFAULT_LANGUAGE)
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def t(key: str, lang: str | None = None, **values) -> str:
    """The text for ``key`` in ``lang`` (default: the session's language), placeholders filled."""
    pair = STRINGS.get(key)
    if pair is None:
        return key
    text = pair[0] if (lang or language()) == "zh" else pair[1]
    return text.format(**values) if values else text


def code_label(prefix: str, code, lang: str | None = None) -> str:
    """Label of a coded value, e.g. code_label('fmt', 'grocery') -> 食杂店."""
    key = f"{prefix}.{code}"
    return t(key, lang) if key in STRINGS else str(code)


def labeller(prefix: str) -> Callable[[object], str]:
    """A ``format_func`` for widgets: labels ``prefix.<option>`` in the language of this run.

    The language is fixed when the widget is drawn, because Streamlit may call format_func
    later, outside the script run, where the session's language cannot be read.
    """
    lang = language()
    return lambda option: code_label(prefix, option, lang)
