"""Translations of the 需求预测 Forecast and 预测准确度 Forecast-accuracy pages (merged into
``dashboard.i18n.STRINGS``).

Model names follow ``analytics.forecast.models``, review stages and metrics
``analytics.forecast.accuracy`` and ``analytics.forecast.metrics``.
"""

from __future__ import annotations

STRINGS: dict[str, tuple[str, str]] = {
    "page.forecast": ("需求预测", "Forecast"),
    "page.forecast_accuracy": ("预测准确度", "Forecast accuracy"),
    # models (analytics.forecast.models.NAMES)
    "fc.model.auto": ("自动（按回测选择）", "Automatic (by backtest)"),
    "fc.model.naive": ("朴素预测（上期值）", "Naive (last period)"),
    "fc.model.seasonal_naive": ("季节朴素（去年同期）", "Seasonal naive (same period last year)"),
    "fc.model.rule": ("前三月平均 × 季节系数", "3-month mean × seasonal coefficient (rule)"),
    "fc.model.ets": ("ETS（农历日历调整）", "ETS (lunar-calendar adjusted)"),
    "fc.model.gbm": ("全局梯度提升模型", "Global gradient boosting"),
    "fc.model.gbm+ets": ("梯度提升 + ETS 组合", "Boosting + ETS combination"),
    # short names for the cards
    "fc.model_short.naive": ("朴素", "Naive"),
    "fc.model_short.seasonal_naive": ("季节朴素", "Seasonal naive"),
    "fc.model_short.rule": ("前三月规则", "Rule"),
    "fc.model_short.ets": ("ETS", "ETS"),
    "fc.model_short.gbm": ("梯度提升", "Boosting"),
    "fc.model_short.gbm+ets": ("提升+ETS", "Boost + ETS"),
    # region levels
    "fc.region.district": ("区县", "District"),
    "fc.region.market_dept": ("市场部", "Market department"),
    "fc.region.territory": ("片区", "Territory"),
    "fc.region.city": ("全市", "Whole city"),
    # festivals marked on the charts
    "fc.festival.spring_festival": ("春节", "Spring Festival"),
    "fc.festival.mid_autumn": ("中秋", "Mid-Autumn"),
    "fc.festival.national_day": ("国庆", "National Day"),
    # forecast page
    "fc.intro": ("按卷烟层级 × 区域层级预测需求量（条），给出 80% 和 95% 区间，并标出春节、中秋、国庆。"
                 "预测以侧栏日期范围的结束日为截止日：只用截止日及之前的历史。下方计划表可导出。",
                 "Demand (cartons, 条) for any product level x region level, with 80 % and 95 % intervals and the "
                 "Spring Festival, Mid-Autumn and National Day marked. The end of the sidebar's date range is the "
                 "cutoff: only history up to it is used. The plan table below exports."),
    "fc.region_level": ("区域层级", "Region level"),
    "fc.freq": ("频率", "Frequency"),
    "fc.horizon": ("预测期数（{freq}）", "Horizon ({freq}s)"),
    "fc.model": ("模型", "Model"),
    "fc.series": ("序列（共 {n} 条，按去年需求量从大到小）", "Series ({n}, largest last-year demand first)"),
    "fc.fitting": ("正在拟合模型并回测…", "Fitting the models and backtesting…"),
    "fc.no_history": ("截至 {cutoff} 没有订单数据，无法预测。", "No orders up to {cutoff}: nothing to forecast."),
    "fc.short_history": ("截至 {last} 只有 {n} 个{g}的历史，预测 {h} 期至少需要 {need} 期（一年学季节，再留出预测期做回测）。"
                         "请缩短预测期，或把侧栏日期范围的结束日往后移。",
                         "Only {n} {g}s of history up to {last}; forecasting {h} ahead needs at least {need} (a year "
                         "to learn the season and the horizon to test on). Shorten the horizon or move the end of "
                         "the sidebar's date range later."),
    "fc.empty_scope": ("所选范围内没有需求数据，无法预测。请放宽侧栏的区域、客户分类或卷烟筛选。",
                       "No demand in this scope to forecast. Widen the sidebar's region, segment or product filters."),
    "fc.as_of": ("历史截至 {last}，预测自 {first} 起；{n} 条序列；模型：{model}。",
                 "History up to {last}, forecasts from {first}; {n} series; model: {model}."),
    "fc.auto_note": ("自动选择：在滚动回测中 WAPE 最低的模型（本次为「{model}」），所有层级用同一模型，因此各层级加总一致。",
                     "Automatic: the model with the lowest WAPE in rolling-origin backtests (here “{model}”); one "
                     "model for every level, so levels add up."),
    "fc.card_model": ("所用模型", "Model used"),
    "fc.card_model_help": ("区间来自该模型在本层级的回测误差。", "Intervals come from this model's backtest errors at this level."),
    "fc.card_next": ("{period} 预测", "Forecast {period}"),
    "fc.card_interval": ("80% 区间：{lo} – {hi} 条", "80 % interval: {lo} – {hi} cartons"),
    "fc.vs_last_year": ("变化为相对去年同期实际需求。", "The change is against the actual demand of the same periods last year."),
    "fc.card_total": ("未来 {h} 个{g}合计", "Next {h} {g}s in total"),
    "fc.card_wape": ("回测 WAPE（本层级）", "Backtest WAPE (this level)"),
    "fc.card_wape_help": ("加权绝对百分比误差 = Σ|预测 − 实际| ÷ Σ实际，滚动回测中本层级全部序列。",
                          "Weighted absolute percentage error = Σ|forecast − actual| ÷ Σ actual over every series of "
                          "this level in the rolling-origin backtests."),
    "fc.chart_title": ("历史与预测：{series}", "History and forecast: {series}"),
    "fc.chart_note": ("阴影为 80%（深）和 95%（浅）预测区间；竖虚线为春节、中秋、国庆。",
                      "Shaded: the 80 % (dark) and 95 % (light) intervals; dotted lines: Spring Festival, "
                      "Mid-Autumn, National Day."),
    "fc.actual": ("实际需求", "Actual demand"),
    "fc.forecast_of": ("预测（{model}）", "Forecast ({model})"),
    "fc.interval_80": ("80% 区间", "80 % interval"),
    "fc.interval_95": ("95% 区间", "95 % interval"),
    "fc.axis_demand": ("需求量（条）", "Demand (cartons, 条)"),
    "fc.axis_period": ("期间（{freq}）", "Period ({freq})"),
    "fc.plan_title": ("计划表：{n} 条序列 × 未来 {h} 个{g}（条）", "Plan: {n} series x next {h} {g}s (cartons)"),
    "fc.total": ("合计", "Total"),
    "fc.backtest_title": ("模型是怎么选的：本层级回测准确度", "How the model was chosen: backtest accuracy at this level"),
    "fc.backtest_note": ("{windows} 个滚动回测窗口，每个向前预测 {h} 个{g}；WAPE、偏差、MAPE、±10% 内占比为百分数，MASE 为比值（<1 优于季节朴素的样本内误差）。",
                         "{windows} rolling-origin windows, each forecasting {h} {g}s ahead; WAPE, bias, MAPE and "
                         "within ±10 % in percent, MASE as a ratio (< 1 beats seasonal naive's in-sample error)."),
    # forecast-accuracy page: stages (analytics.forecast.accuracy.STAGES) and metrics
    "fa.stage.naive": ("朴素预测", "Naive"),
    "fa.stage.seasonal_naive": ("季节朴素", "Seasonal naive"),
    "fa.stage.rule": ("前三月平均规则", "3-month-mean rule"),
    "fa.stage.model": ("模型", "Model"),
    "fa.stage.manager": ("客户经理预测", "Customer managers"),
    "fa.metric.wape": ("WAPE", "WAPE"),
    "fa.metric.bias": ("偏差", "Bias"),
    "fa.metric.mape": ("MAPE", "MAPE"),
    "fa.metric.mase": ("MASE", "MASE"),
    "fa.metric.within_10": ("±10% 内占比", "Within ±10 %"),
    "fa.kind": ("比较对象", "Compare"),
    "fa.kind.total": ("客户总量", "Client totals"),
    "fa.kind.product": ("分规格", "By specification"),
    "fa.by": ("分组", "Group by"),
    "fa.by.manager_id": ("客户经理", "Customer manager"),
    "fa.by.territory": ("片区", "Territory"),
    "fa.by.brand": ("品牌", "Brand"),
    "fa.by.month": ("月份", "Month"),
    "fa.stage": ("预测来源", "Forecast"),
    "fa.manager_name": ("姓名", "Name"),
    "fa.intro": ("回看过去几个月的预测有多准：季节朴素、前三月平均 × 季节系数规则、模型，以及客户经理自己的需求预测（商定总量）。"
                 "每个月都只用该月之前的数据向前预测一个月，与客户经理月初预测的条件相同。",
                 "How good last months' forecasts were: seasonal naive, the 3-month-mean x seasonal-coefficient "
                 "rule, the model, and the customer managers' own forecasts. Each month is forecast one month "
                 "ahead from the months before it, as the managers forecast it."),
    "fa.computing": ("正在逐月回测…", "Backtesting month by month…"),
    "fa.no_manager_table": ("数据仓库中没有客户经理预测表（manager_forecasts），无法比较客户经理的预测。请在「数据」页导入需求预测。",
                            "The warehouse has no manager_forecasts table, so the managers' forecasts cannot be "
                            "reviewed. Import the demand forecasts on the Data page."),
    "fa.no_manager_forecasts": ("所选月份和范围内没有客户经理预测：下面只比较模型和规则。",
                                "No customer-manager forecasts in these months and this scope: only the model and "
                                "the rules are compared below."),
    "fa.short_history": ("需要先有一年的历史才能回测：最早可回看 {first}，而侧栏日期范围只到 {end}。请把日期范围往后移。",
                         "A year of history must come first: the earliest month to review is {first}, but the "
                         "sidebar's date range ends with {end}. Move the date range later."),
    "fa.empty_scope": ("所选范围内没有可回看的预测。请放宽侧栏的区域或客户分类筛选。",
                       "Nothing to review in this scope. Widen the sidebar's region or segment filters."),
    "fa.window": ("回看 {start} 至 {end}（{n} 个月），{kind}。", "Reviewing {start} to {end} ({n} months), {kind}."),
    "fa.headline": ("总体准确度", "Overall accuracy"),
    "fa.card_wape": ("{stage} WAPE", "{stage} WAPE"),
    "fa.card_bias": ("偏差 {bias}（正数表示预测偏高）", "Bias {bias} (positive: forecasts too high)"),
    "fa.card_fva_model": ("模型相对规则的增值", "Value added by the model over the rule"),
    "fa.card_fva_manager": ("客户经理调整的增值", "Value added by the managers' adjustment"),
    "fa.card_fva_help": ("预测增值（FVA）= 上一步的 WAPE − 这一步的 WAPE，单位为百分点；正数表示这一步让预测更准，负数表示更差。",
                         "Forecast value added = the WAPE of the step before minus this step's, in percentage points; "
                         "positive: the step made the forecast better, negative: worse."),
    "fa.fva_chart": ("朴素 → 规则 → 模型 → 客户经理：每一步的 WAPE", "Naive → rule → model → managers: WAPE at each step"),
    "fa.axis_wape": ("WAPE（%）", "WAPE (%)"),
    "fa.by_title": ("按{by}", "By {by}"),
    "fa.fva_table": ("预测增值", "Forecast value added"),
    "fa.fva_note": ("增值列单位为百分点：规则相对朴素、模型相对规则、客户经理相对模型，以及全程（朴素 → 客户经理）。",
                    "Value-added columns in percentage points: rule over naive, model over rule, managers over the "
                    "model, and the whole chain (naive → managers)."),
    "fa.wape_of": ("{stage} WAPE", "{stage} WAPE"),
    "fa.bias_of": ("{stage}偏差", "{stage} bias"),
    "fa.fva_rule": ("规则增值（百分点）", "Rule adds (pp)"),
    "fa.fva_model": ("模型增值（百分点）", "Model adds (pp)"),
    "fa.fva_manager": ("客户经理增值（百分点）", "Managers add (pp)"),
    "fa.fva_total": ("全程增值（百分点）", "Whole chain (pp)"),
    "fa.actual_total": ("实际需求（条）", "Actual demand (cartons)"),
    "fa.metrics_table": ("各预测来源的准确度", "Accuracy of each forecast"),
    "fa.drill_title": ("下钻到序列", "Drill to a series"),
    "fa.drill_note": ("按「{stage}」的 WAPE 从差到好排列；选中一条查看每种预测与实际的对比。",
                      "Ordered by the WAPE of “{stage}”, worst first; pick one to see every forecast against the "
                      "actual."),
    "fa.drill_pick": ("序列", "Series"),
    "fa.list_sep": ("、", ", "),
    "fa.festivals": ("图中标出的节日：{days}", "Festivals marked: {days}"),
}
