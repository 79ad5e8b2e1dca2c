"""Where a brand is under-covered: active clients that did not order it although their peers do.

Definition (shown on the Brand page):

    peers(c)        = the active clients of the scope in c's grade band x business format
    bought(c)       = c ordered the brand (Σ qty_ordered > 0) in some period of the window
    peer_rate(c)    = share of peers(c) with bought
    high potential  = c active in the window's last period, not bought(c),
                      peer_rate(c) ≥ the chosen threshold, and at least ``MIN_PEERS`` peers
    ranked by         peer rate, then grade, then the client's volume of all products in the window

Input frames are per-client rows of ``kpi_table`` (by client_id; the dashboard's
``queries.client_kpis``), so "active" and "ordered" mean exactly what they mean in the coverage
rate.
"""

from __future__ import annotations

import pandas as pd

from data.schema import CARTONS_PER_CASE

MIN_PEERS = 5  # a peer group smaller than this says nothing about what a client "should" buy
PEER_KEYS = ["grade_band", "business_format"]
COLUMNS = ["client_id", "name", "district", "market_dept", "territory", "manager_id", "business_format",
           "grade", "grade_band", "market_type", "peers", "peer_rate", "qty_all", "cases_all"]


def under_covered(brand_rows: pd.DataFrame, all_rows: pd.DataFrame, min_peer_rate: float = 0.5) -> pd.DataFrame:
    """The high-potential clients not buying a brand, best prospects first.

    Args:
        brand_rows: per period x client rows for the brand (``client_kpis(level='brand')``) with
            buying_clients.
        all_rows: per period x client rows for all products (``client_kpis(level='all',
            extra=('grade_band', 'business_format'))``) with active_clients, qty_ordered and the
            client attributes.
        min_peer_rate: the smallest peer rate (0..1) that makes a non-buyer a prospect.

    Returns:
        ``COLUMNS``: the client, its peers (count), peer_rate (0..1), qty_all and cases_all
        (cartons and cases of all products ordered in the window). Empty when nothing qualifies.
    """
    if all_rows.empty:
        return pd.DataFrame(columns=COLUMNS)
    last = all_rows["period_start"].max()
    active = all_rows[(all_rows["period_start"] == last) & (all_rows["active_clients"] > 0)]
    active = active.drop(columns=["qty_ordered"]).drop_duplicates("client_id")
    bought = set(brand_rows.loc[brand_rows["buying_clients"] > 0, "client_id"]) if not brand_rows.empty else set()
    active = active.assign(bought=active["client_id"].isin(bought))
    groups = active.groupby(PEER_KEYS, dropna=False)["bought"]
    active = active.assign(peers=groups.transform("size"), peer_rate=groups.transform("mean"))
    volume = all_rows.groupby("client_id", as_index=False)["qty_ordered"].sum().rename(
        columns={"qty_ordered": "qty_all"})
    out = active[~active["bought"] & (active["peer_rate"] >= min_peer_rate) & (active["peers"] >= MIN_PEERS)]
    out = out.merge(volume, on="client_id", how="left")
    out["cases_all"] = out["qty_all"] / CARTONS_PER_CASE
    out = out.sort_values(["peer_rate", "grade", "qty_all", "client_id"], ascending=[False, False, False, True])
    return out.reset_index(drop=True)[COLUMNS]
