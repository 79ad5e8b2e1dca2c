"""Customer managers' monthly forecasts (需求预测 / 商定总量), made the way people make them.

For each month the manager takes the client's stated demand of the last three complete months,
averages it, adjusts by feel (a few percent either way), applies their own optimism (zero for most,
+10–25 % for the optimistic ones planted in truth_facts) and rounds: client totals to tens of 条,
scarce specifications to whole 条. No seasonality: that is what the models must beat.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from data.demo.city import City
from data.demo.simulate import Ledger
from data.demo.writer import Sink

FEEL = 0.04  # spread of the manager's gut adjustment


def _month_starts(city: City, n: int) -> np.ndarray:
    """Day index (relative to the start) of the first day of months 0..n-1."""
    first = city.params.start.replace(day=1)
    out = []
    for m in range(n):
        y, mo = divmod(first.month - 1 + m, 12)
        out.append((dt.date(first.year + y, mo + 1, 1) - city.params.start).days)
    return np.array(out)


def write_forecasts(city: City, ledger: Ledger, sink: Sink, rng: np.random.Generator) -> None:
    """Write manager_forecasts: client totals (product_id NULL) and per scarce product.

    Args:
        city: the city.
        ledger: monthly stated demand from the simulation.
        sink: the writer.
        rng: the generator.
    """
    n_hist = ledger.client_month.shape[1]
    starts = _month_starts(city, n_hist + 2)
    complete = (starts[:n_hist] >= 0) & (starts[1:n_hist + 1] <= city.n_days)
    cl = city.clients
    open_day, close_day = cl["_open_day"].to_numpy(), cl["_close_day"].to_numpy()
    # A client is open in a month it overlaps; only fully open months feed the average.
    full = ((open_day[:, None] <= starts[None, :n_hist])
            & (close_day[:, None] >= starts[None, 1:n_hist + 1]))
    overlaps = ((open_day[:, None] < starts[None, 1:])
                & (close_day[:, None] > starts[None, :-1]))
    mgr_index = {m: i for i, m in enumerate(city.managers["manager_id"])}
    bias = city.plants.manager_bias[cl["manager_id"].map(mgr_index).to_numpy()]
    pr = city.pairs

    for m in range(3, n_hist + 1):
        window = np.arange(m - 3, m)
        if not complete[window].all():
            continue
        ok = full[:, window]
        counted = ok.sum(axis=1)
        total = (ledger.client_month[:, window] * ok).sum(axis=1)
        avg = np.divide(total, counted, out=np.zeros(len(cl)), where=counted > 0)
        who = np.flatnonzero((counted >= 2) & overlaps[:, m] & (avg > 0))
        feel = rng.normal(1.0, FEEL, len(who))
        qty = np.round(avg[who] * (1 + bias[who]) * feel / 10) * 10
        sink.add("manager_forecasts", {"month": np.full(len(who), starts[m]), "client_id": who,
                                       "product_id": np.full(len(who), -1),
                                       "qty_forecast": qty.astype(np.int64)})

        sp = ledger.scarce_pairs
        c = pr.client[sp]
        s_ok = ok[c]
        s_counted = s_ok.sum(axis=1)
        s_total = (ledger.scarce_month[:, window] * s_ok).sum(axis=1)
        s_avg = np.divide(s_total, s_counted, out=np.zeros(len(sp)), where=s_counted > 0)
        keep = np.flatnonzero((s_counted >= 2) & overlaps[c, m] & (s_avg > 0)
                              & (pr.order_to[sp] > starts[m]))
        s_feel = rng.normal(1.0, FEEL, len(keep))
        s_qty = np.round(s_avg[keep] * (1 + bias[c[keep]]) * s_feel)
        sink.add("manager_forecasts", {"month": np.full(len(keep), starts[m]),
                                       "client_id": c[keep], "product_id": pr.product[sp[keep]],
                                       "qty_forecast": s_qty.astype(np.int64)})
    sink.flush("manager_forecasts")
