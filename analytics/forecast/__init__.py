"""Seasonal demand forecasts that know the Chinese calendar, and the review of how good they were.

Modules, one concern each (05-forecasting.md):

``features``   calendar features per week or month (lunar festivals, official working days)
``series``     demand series from the warehouse aggregates at any product x region level
``panel``      series as a series x period matrix, the form every model works on
``interface``  the one small model interface (fit a panel, predict h periods)
``baselines``  naive, seasonal naive and the industry rule 前三月平均 x 季节系数
``adjust``     each series' calendar profile (festivals, working days, season), pooled by class
``ets``        exponential smoothing (statsmodels) on a calendar-adjusted series
``gbm``        one gradient-boosting model across all series (scikit-learn)
``models``     the registry, the combination and the automatic choice
``backtest``   rolling-origin backtests
``intervals``  80 % and 95 % intervals from backtest errors
``reconcile``  bottom-up sums, so every level adds up
``metrics``    WAPE, bias, MAPE, MASE, share within ±10 %
``pipeline``   the forecast and accuracy tables behind ``python -m analytics forecast|accuracy``
``accuracy``   model vs rule vs seasonal naive vs the customer managers; forecast value added
"""
