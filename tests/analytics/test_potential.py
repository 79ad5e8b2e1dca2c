"""The under-covered (high-potential) clients of a brand, on a hand-made city."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from analytics.potential import under_covered


def _rows(period: dt.date, clients: list[dict]) -> pd.DataFrame:
    return pd.DataFrame([{"period_start": period, **c} for c in clients])


def test_under_covered_definition_on_a_hand_made_city():
    march = dt.date(2025, 3, 1)
    # six convenience stores of grades 6-10: four bought the brand, two did not; a closed one
    # (not active in the last period) and a grocery group where nobody buys are never listed
    people = [dict(client_id=f"c{i}", name=f"c{i}", district="d", market_dept="m", territory="t",
                   manager_id="M1", business_format="convenience", grade=6 + i, grade_band="6-10",
                   market_type="urban", active_clients=1, qty_ordered=10 * (i + 1)) for i in range(6)]
    people += [dict(client_id=f"g{i}", name=f"g{i}", district="d", market_dept="m", territory="t",
                    manager_id="M1", business_format="grocery", grade=3, grade_band="1-5",
                    market_type="urban", active_clients=1, qty_ordered=5) for i in range(6)]
    all_rows = _rows(march, people)
    all_rows = pd.concat([all_rows, _rows(dt.date(2025, 2, 1), [{**people[0], "client_id": "gone"}])])
    brand_rows = pd.DataFrame({"client_id": ["c0", "c1", "c2", "c3", "gone"], "buying_clients": [1, 1, 1, 1, 1]})
    out = under_covered(brand_rows, all_rows, min_peer_rate=0.5)
    assert list(out["client_id"]) == ["c5", "c4"]  # same peer rate: higher grade first
    assert out["peer_rate"].tolist() == pytest.approx([4 / 6, 4 / 6])
    assert out["peers"].tolist() == [6, 6]
    assert under_covered(brand_rows, all_rows, min_peer_rate=0.7).empty
    assert under_covered(brand_rows.iloc[0:0], all_rows, 0.5).empty  # nobody buys: no prospects
