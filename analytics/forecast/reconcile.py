"""Bottom-up reconciliation: every level is the sum of the base series, so levels add up.

Every forecast is made for the base series (specification x territory) and summed up the
product x region hierarchy with one sparse summing matrix. A district's forecast is then the sum
of its brands' and of its market departments', whatever level a page or a command asks for.
Bottom-up with one global model is a sound choice here: the base series share one model that
already pools what the levels above would add (the calendar, the class's season), and it keeps
the numbers of different requests identical, which a reconciliation per request could not.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse

from analytics.forecast.panel import Panel, _blank_before_start
from analytics.forecast.series import REGION_KEYS, series_keys


def summing_matrix(keys: pd.DataFrame, level: str, region: str) -> tuple[pd.DataFrame, sparse.csr_matrix]:
    """Which base series make up each series of ``level`` x ``region``.

    Args:
        keys: one row per base series (``series.BASE_KEYS``).
        level, region: the target level, as ``series.parse_level`` returns them.

    Returns:
        (target keys: one row per series, sorted: series_id, level_key and the region column if
        any; S: a 0/1 matrix of shape (targets, base series) with S[i, j] = 1 when base series j
        belongs to target i).
    """
    labels = series_keys(keys, level, region)
    targets = labels.drop_duplicates("series_id").sort_values("series_id", ignore_index=True)
    row = pd.Index(targets["series_id"]).get_indexer(labels["series_id"])
    s = sparse.csr_matrix((np.ones(len(keys)), (row, np.arange(len(keys)))), shape=(len(targets), len(keys)))
    return targets, s


def sum_up(s: sparse.spmatrix, values: np.ndarray) -> np.ndarray:
    """S @ values for values of shape (base, ...) with NaN read as 0 (a base series not yet
    started adds nothing)."""
    flat = np.nan_to_num(values.reshape(values.shape[0], -1))
    return np.asarray(s @ flat).reshape((s.shape[0], *values.shape[1:]))


def aggregate(panel: Panel, level: str, region: str) -> tuple[Panel, sparse.csr_matrix]:
    """The panel of ``level`` x ``region`` series summed from a base panel.

    Returns:
        (the target panel, whose keys are ``summing_matrix``'s targets; the summing matrix).
    """
    targets, s = summing_matrix(panel.keys, level, region)
    y = _blank_before_start(sum_up(s, panel.y))
    price_sum = None if panel.price_sum is None else sum_up(s, panel.price_sum)
    price_base = None if panel.price_base is None else sum_up(s, panel.price_base)
    return Panel(targets, panel.periods, panel.freq, y, price_sum, price_base), s


def is_coherent(fine: pd.DataFrame, coarse: pd.DataFrame, by: list[str], value: str = "forecast",
                rtol: float = 1e-9) -> bool:
    """True when ``coarse[value]`` equals the sum of ``fine[value]`` grouped by ``by`` (for
    checks and tests: e.g. a district's forecast vs the sum of its brands')."""
    total = fine.groupby(by)[value].sum()
    other = coarse.set_index(by)[value].reindex(total.index)
    return bool(np.allclose(total.to_numpy(), other.to_numpy(), rtol=rtol, atol=1e-6))
