"""Translations of the five-rate, brand and price pages and the Overview's rates, plus the
aggregate-rebuild messages (merged into ``dashboard.i18n.STRINGS``).

Kept apart from the shell's strings so the pages' vocabulary, and the formulas they show, read in
one place. Formulas follow ``analytics.kpis`` and ``analytics.prices`` (04-kpis.md).
"""

from __future__ import annotations

STRINGS: dict[str, tuple[str, str]] = {
    # pages
    "page.five_rates": ("五率分析", "Five rates"),
    "page.brand": ("品牌", "Brand"),
    "page.prices": ("价格监测", "Prices"),
    "common.computing": ("正在计算…", "Computing…"),
    "common.unknown": ("未知", "Unknown"),
    # the five rates
    "rate.coverage_rate": ("覆盖率", "Coverage"),
    "rate.shelf_rate": ("上柜率", "Shelf rate"),
    "rate.sell_through_rate": ("动销率", "Sell-through"),
    "rate.stockout_rate": ("断货率", "Stock-out rate"),
    "rate.growth_rate": ("成长率", "Growth"),
    "rate.fill_rate": ("订单满足率", "Order fill rate"),
    "rate.price_index": ("价格指数", "Price index"),
    "rate.margin_index": ("顺价指数", "Price margin index"),
    "rate.inversion_share": ("倒挂占比", "Inversion share"),
    "formula.coverage_rate": (
        "本期订购该卷烟（订购量 > 0）的客户数 ÷ 本期在营客户数。在营：开业不晚于期末、停业不早于期初。",
        "clients that ordered the product (ordered > 0) in the period ÷ clients active in the period "
        "(opened by its last day, not closed before its first)."),
    "formula.shelf_rate": (
        "本期最后一次采集显示有库存（> 0）的客户数 ÷ 本期有库存采集的在营客户数（已采集客户）。",
        "clients whose last stock count of the product in the period shows stock > 0 ÷ active clients "
        "with any stock count in the period (observed clients)."),
    "formula.sell_through_rate": (
        "经营且有动销（推算销量 > 0）的客户数 ÷ 经营该卷烟的客户数。经营：本期有该卷烟的库存采集，"
        "且某次采集库存 > 0 或期末前56天内订购过；推算销量 = 期初库存 + 期间到货 − 期末库存（动销台账法）。",
        "carrying clients with inferred sales > 0 ÷ carrying clients. Carrying: a stock count of the "
        "product in the period, and one count > 0 or an order in the 56 days up to the period's end; "
        "inferred sales = opening stock + deliveries − closing stock (the 动销台账 method)."),
    "formula.stockout_rate": (
        "经营该卷烟且本期最后一次采集库存为 0 的客户数 ÷ 经营该卷烟的客户数。",
        "carrying clients whose last stock count of the product in the period shows 0 ÷ carrying clients."),
    "formula.growth_rate": (
        "(本期销量 − 基期销量) ÷ 基期销量；销量 = Σ订购量（条）；基期 = 去年同期（同比，周为52周前）、"
        "上一期（环比），或按春节对齐的去年同期（农历同比）。",
        "(volume − base volume) ÷ base volume; volume = Σ ordered (cartons); base = the same period last "
        "year (year-on-year; 52 weeks for weeks), the previous period, or the same days relative to "
        "Spring Festival a year earlier (lunar)."),
    "formula.fill_rate": ("Σ订购量 ÷ Σ需求量。", "Σ ordered ÷ Σ demanded."),
    "formula.price_index": (
        "100 × Σ 权重 × (平均实际零售价 ÷ 零售指导价)；权重 = 各规格上一年在该范围内的销量占比。",
        "100 × Σ weight × (mean observed retail price ÷ guided retail price); weight = each "
        "specification's share of last year's volume in the scope."),
    "formula.margin_index": (
        "Σ 权重 × (平均实际零售价 ÷ 批发价)；低于 1 即价格倒挂。",
        "Σ weight × (mean observed retail price ÷ wholesale price); below 1 is price inversion."),
    "formula.inversion_share": (
        "实际零售价低于批发价的采集次数 ÷ 价格采集次数。",
        "price observations below the wholesale price ÷ price observations."),
    "rates.formulas": ("指标口径（公式）", "Definitions (formulas)"),
    "rates.formula_notes": (
        "分母为 0 的比率为空（显示“—”），不是 0。品牌、价类或全部卷烟按其规格合计：库存为各规格期末库存之和，"
        "销量为各规格推算销量之和。",
        "A rate whose denominator is 0 is empty (shown as “—”), not 0. A brand, price class or all "
        "products sums its specifications: stock is the sum of each one's last count, sales the sum "
        "of their inferred sales."),
    "rates.empty_hint": ("分母为 0（没有可统计的客户），比率为空。", "The denominator is 0 (no clients to count), so the rate is empty."),
    "rates.empty_short": ("分母为 0", "denominator 0"),
    "rates.pick": ("显示的比率", "Rates shown"),
    "rates.product": ("卷烟", "Product"),
    "rates.no_products": ("该层级没有可选的卷烟。", "No products at this level."),
    "rates.period": ("统计期", "Period"),
    "rates.period_one": ("统计期：{period}", "Period: {period}"),
    "rates.axis": ("比率 %", "Rate %"),
    "rates.growth_basis": ("成长率基期", "Growth basis"),
    "growth.yoy": ("同比", "Year on year"),
    "growth.mom": ("环比", "Previous period"),
    "growth.lunar": ("农历同比（春节对齐）", "Lunar (Spring Festival aligned)"),
    "dim.business_format": ("业态", "Business format"),
    "dim.grade_band": ("档位段", "Grade band"),
    "dim.market_type": ("市场类型", "Market type"),
    # drill-down
    "drill.city": ("全市", "Whole city"),
    "drill.pick": ("下钻到{level}", "Drill into a {level}"),
    "drill.pick_placeholder": ("下钻到…", "Drill into…"),
    "drill.clear_segment": ("取消客户分类筛选", "Clear the segment"),
    "drill.grade_band": ("{lo}–{hi}档", "Grades {lo}–{hi}"),
    # five-rate page
    "five.intro": ("按区域 × 客户分类查看一个规格、品牌或价类的五率；点击图中的区域或单元格可下钻。",
                   "The five rates of one specification, brand or price class by region x client segment; "
                   "click a region or a cell to drill down."),
    "five.segment_dim": ("矩阵列：客户分类", "Matrix columns: segment"),
    "five.focus_rate": ("矩阵中的比率", "Rate in the matrix"),
    "five.headline": ("五率（{period}，对比去年同期）", "Five rates ({period}, vs the same period last year)"),
    "five.matrix": ("{rate}：{rows} × {cols}", "{rate}: {rows} x {cols}"),
    "five.by_region": ("{rate}：按{rows}", "{rate} by {rows}"),
    "five.click_hint": ("点击单元格：按该客户分类筛选，并下钻到该区域。", "Click a cell to narrow to its segment and drill into its region."),
    "five.region_table": ("按{rows}明细（{period}）", "By {rows} ({period})"),
    "five.clients": ("{territory} 的客户（{period}）", "Clients of {territory} ({period})"),
    "five.flags_hint": ("✓ 是，✗ 否，— 不计入该比率（如未采集库存的客户不计上柜）。",
                        "✓ yes, ✗ no, — not counted for that rate (e.g. a client without a stock count has no shelf status)."),
    "five.trend": ("趋势", "Trend"),
    "five.compare": ("品牌对比", "Brands side by side"),
    "five.compare_pick": ("对比的品牌", "Brands to compare"),
    "five.compare_placeholder": ("选择品牌", "Choose brands"),
    "col.active_clients": ("在营客户", "Active clients"),
    "col.buying_clients": ("订购客户", "Buying clients"),
    "col.observed_clients": ("已采集客户", "Observed clients"),
    "col.carrying_clients": ("经营客户", "Carrying clients"),
    "col.client_id": ("客户编码", "Client"),
    "col.client_name": ("客户名称", "Name"),
    "col.manager_id": ("客户经理", "Manager"),
    "col.qty_ordered": ("订购量（条）", "Ordered (cartons)"),
    "col.stock_qty": ("期末库存（条）", "Stock (cartons)"),
    "flag.buying": ("订购", "Bought"),
    "flag.observed": ("已采集", "Counted"),
    "flag.shelf": ("上柜", "On shelf"),
    "flag.carrying": ("经营", "Carrying"),
    "flag.selling": ("动销", "Selling"),
    "flag.stockout": ("断货", "Out of stock"),
    "col.product_id": ("卷烟代码", "Product code"),
    "col.product_name": ("规格", "Specification"),
    "col.mean_price": ("平均零售价（元/条）", "Mean retail price (CNY/carton)"),
    # brand page
    "brand.headline": ("{brand}（{period}，对比去年同期）", "{brand} ({period}, vs the same period last year)"),
    "brand.specs": ("规格（{period}）", "Specifications ({period})"),
    "brand.price_health": ("价格健康", "Price health"),
    "brand.potential": ("潜力客户：同类客户在订、本户未订", "High-potential clients not buying"),
    "brand.potential_definition": (
        "口径：本窗口最后一期在营的客户，按“档位段 × 业态”分为同类客户组（组内至少 {n} 户）；"
        "若组内订购过该品牌（窗口内任一期订购量 > 0）的客户占比不低于所选阈值，而该客户在窗口内从未订购，"
        "即列为潜力客户。按同类订购率、档位、该客户全部卷烟销量从高到低排序。",
        "Definition: clients active in the window's last period, grouped with their peers by grade band x "
        "business format (groups of at least {n}); a client who never ordered the brand in the window while "
        "at least the chosen share of its peers did is listed. Ranked by the peers' buying share, then "
        "grade, then the client's volume of all products."),
    "brand.peer_threshold": ("同类客户订购率不低于", "Peers buying at least"),
    "brand.no_potential": ("没有符合条件的潜力客户：同类客户组内的订购面已经较完整。",
                           "No client qualifies: where peers buy the brand, these clients do too."),
    "brand.potential_count": ("**{n}** 户客户的同类在订 {brand}，本户在本窗口内未订。",
                              "**{n}** clients whose peers buy {brand} did not order it in this window."),
    "brand.peers": ("同类客户数", "Peers"),
    "brand.peer_rate": ("同类订购率 %", "Peers buying %"),
    "brand.client_volume": ("该户全部销量（箱）", "Client's volume, all products (cases)"),
    # prices
    "prices.no_observations": ("该范围内没有价格采集。", "No price observations in this scope."),
    "prices.guide_line": ("指导价 = 100", "Guided price = 100"),
    "prices.alert_line": ("预警线", "Alert threshold"),
    "prices.inversion_line": ("倒挂线 = 1", "Inversion line = 1"),
    "prices.intro": ("零售价格采集：价格指数（实际价 ÷ 指导价）、顺价指数（实际价 ÷ 批发价）、价格倒挂，以及个别客户的异常价格。",
                     "Retail price counts: the price index (observed ÷ guided price), the price margin index "
                     "(observed ÷ wholesale price), price inversion, and odd prices at single clients."),
    "prices.threshold": ("价格指数预警线", "Price index alert below"),
    "prices.threshold_help": ("价格指数低于此值的规格列入控量稳价清单（默认 95）。",
                              "Products whose price index falls below this are listed for cutting release (default 95)."),
    "prices.z": ("异常阈值（稳健 z）", "Outlier threshold (robust z)"),
    "prices.z_help": ("单次采集价格偏离该规格当期中位数的稳健 z 分数超过此值即列为异常（默认 3.5）。",
                      "A price whose robust z-score against the product's median in the period exceeds this is listed (default 3.5)."),
    "prices.headline": ("价格（{period}，对比去年同期）", "Prices ({period}, vs the same period last year)"),
    "prices.median": ("中位数 {value} 元/条", "Median {value} CNY/carton"),
    "prices.observations": ("价格采集次数", "Price observations"),
    "prices.clients_observed": ("{n} 户客户", "{n} clients"),
    "prices.by_region": ("按{rows}（{period}）", "By {rows} ({period})"),
    "prices.click_hint": ("点击条形可下钻到该区域。", "Click a bar to drill into that region."),
    "prices.median_price": ("中位价（元/条）", "Median price (CNY/carton)"),
    "prices.p10": ("P10 价格", "P10 price"),
    "prices.p90": ("P90 价格", "P90 price"),
    "prices.low": ("价格指数低于 {threshold} 的规格（{period}）", "Products with a price index below {threshold} ({period})"),
    "prices.low_hint": ("价格指数持续走低是压缩投放量、控量稳价的常用信号。",
                        "A falling price index is the standard signal to cut a product's release (控量稳价)."),
    "prices.none_low": ("没有规格低于预警线。", "No product is below the threshold."),
    "prices.to_allocation": ("去紧俏货源投放页面调整投放", "Adjust release on the allocation page"),
    "prices.previous_index": ("上期指数", "Previous index"),
    "prices.index_change": ("指数变化", "Index change"),
    "prices.outliers": ("异常价格（{period}）", "Outlier prices ({period})"),
    "prices.outliers_hint": ("与该规格当期中位价相比，稳健 z 分数绝对值超过 {z} 的单次采集：可能是录入错误，或客户低价倾销/加价。",
                             "Single observations whose robust z-score against the product's median in the period exceeds {z}: "
                             "a data error, or a client undercutting (or overcharging)."),
    "prices.none_odd": ("没有异常价格。", "No outlier prices."),
    "prices.date": ("采集日期", "Date"),
    "prices.retail_price": ("零售价（元/条）", "Retail price (CNY/carton)"),
    "prices.guided_price": ("指导价（元/条）", "Guided price (CNY/carton)"),
    "prices.robust_z": ("稳健 z", "Robust z"),
    "prices.direction": ("方向", "Direction"),
    "prices.dir_high": ("偏高", "High"),
    "prices.dir_low": ("偏低", "Low"),
    "overview.rates": ("五率与价格指数（{period}，对比去年同期）", "Five rates and price index ({period}, vs the same period last year)"),
    # aggregates written by an older version, rebuilt by dashboard.state before the pages read them
    "wh.rebuilding": ("汇总表由旧版本生成（{tables}），正在重建…", "The aggregates were made by an older version ({tables}); rebuilding…"),
    "wh.rebuild_waiting": ("正在重建汇总表，请稍候…", "The aggregates are being rebuilt; one moment…"),
    "wh.rebuilt": ("汇总表已重建。", "Aggregates rebuilt."),
    "wh.rebuild_failed": ("汇总表重建失败：{msg}", "Rebuilding the aggregates failed: {msg}"),
    "prices.mean_card": ("均价（元/条）", "Mean price (CNY)"),
    "brand.trend_rates": ("覆盖率、上柜率、动销率、断货率", "Coverage, shelf, sell-through and stock-out"),
    "rates.empty_in_table": ("“—” 表示分母为 0（没有可统计的客户），比率为空而不是 0。",
                             "“—” means the denominator is 0 (no clients to count): the rate is empty, not 0."),
}
