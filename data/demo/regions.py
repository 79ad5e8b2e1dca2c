"""The region hierarchy of the demo city: districts, market departments, territories, managers.

City > district (urban 区 and rural 县) > market department (3–5 per district) > territory (one
customer manager, 100–250 clients at realistic sizes). Clients are placed at the same time because
territory boundaries follow where the clients are.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from data.demo import names

URBAN_DISTRICT_SHARE = 0.64  # share of clients in urban districts; the rest live in counties
URBAN_IN_URBAN = 0.95  # share of 城网 clients in an urban district
URBAN_IN_COUNTY = 0.40  # county towns are 城网 too, villages 农网: overall ~0.75 urban
TERRITORY_SIZE = 165  # target clients per territory


def _n_districts(n_clients: int) -> int:
    # ~6 at 2,000 clients, 10 at 20,000: cities grow by denser districts more than by new ones.
    return int(np.clip(round(6 * (n_clients / 2000) ** 0.22), 3, 10))


def person_names(rng: np.random.Generator, n: int) -> list[str]:
    """Chinese personal names: a surname and one or two given-name characters."""
    sur = rng.choice(np.array(names.SURNAMES), n)
    g1 = rng.choice(np.array(names.GIVEN_CHARS), n)
    g2 = rng.choice(np.array(names.GIVEN_CHARS), n)
    two = rng.random(n) < 0.7
    return [s + a + (b if t else "") for s, a, b, t in zip(sur, g1, g2, two)]


def build_geography(n_clients: int, rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Place ``n_clients`` clients in districts, departments and territories.

    Args:
        n_clients: number of clients.
        rng: the generator.

    Returns:
        ``(geo, managers)``: geo has one row per client (in client order) with city, district,
        market_dept, territory, manager_id, market_type, lon, lat; managers has manager_id, name,
        territory, market_dept (the managers table).
    """
    n_d = _n_districts(n_clients)
    # Urban districts are denser, so they outnumber counties a little: with ~64 % of clients in
    # 60 % of the districts, departments come out at similar sizes in both.
    n_urban = max(1, min(len(names.URBAN_DISTRICTS), int(np.ceil(n_d * 0.6))))
    n_rural = min(len(names.RURAL_COUNTIES), n_d - n_urban)
    districts = list(names.URBAN_DISTRICTS[:n_urban]) + list(names.RURAL_COUNTIES[:n_rural])
    is_urban_d = np.array([True] * n_urban + [False] * n_rural)

    weights = rng.uniform(0.85, 1.15, len(districts))
    weights[is_urban_d] *= URBAN_DISTRICT_SHARE / weights[is_urban_d].sum()
    weights[~is_urban_d] *= (1 - URBAN_DISTRICT_SHARE) / weights[~is_urban_d].sum()
    district = rng.choice(len(districts), n_clients, p=weights / weights.sum())

    # District centres: urban districts ring the centre, counties lie 25–60 km out.
    angle = rng.uniform(0, 2 * np.pi, len(districts))
    radius = np.where(is_urban_d, rng.uniform(0.02, 0.07, len(districts)),
                      rng.uniform(0.25, 0.6, len(districts)))
    c_lon = names.CITY_CENTRE[0] + radius * np.cos(angle)
    c_lat = names.CITY_CENTRE[1] + radius * np.sin(angle) * 0.8
    spread = np.where(is_urban_d, 0.025, 0.12)[district]
    lon = c_lon[district] + rng.normal(0, 1, n_clients) * spread
    lat = c_lat[district] + rng.normal(0, 1, n_clients) * spread * 0.8
    urban_p = np.where(is_urban_d, URBAN_IN_URBAN, URBAN_IN_COUNTY)[district]
    market_type = np.where(rng.random(n_clients) < urban_p, "urban", "rural")

    dept_name = np.empty(n_clients, dtype=object)
    territory = np.empty(n_clients, dtype=object)
    terr_rows: list[tuple[str, str]] = []
    for d, (short, full) in enumerate(districts):
        members = np.flatnonzero(district == d)
        # 3–5 departments, fewer only when the district is too small to fill them.
        k = int(min(rng.integers(3, 6), max(3, len(members) // 110)))
        parts = names.URBAN_DEPT_PARTS if is_urban_d[d] else names.RURAL_DEPT_PARTS
        # Departments and territories are compass sectors around the district centre.
        theta = np.arctan2(lat[members] - c_lat[d], lon[members] - c_lon[d])
        members = members[np.argsort(theta, kind="stable")]
        for j, block in enumerate(np.array_split(members, k)):
            dept = f"{full}{parts[j]}市场部"
            dept_name[block] = dept
            n_t = max(1, round(len(block) / TERRITORY_SIZE))
            for t, sub in enumerate(np.array_split(block, n_t)):
                terr = f"{short}{parts[j]}{t + 1}片区"
                territory[sub] = terr
                terr_rows.append((terr, dept))

    width = max(3, len(str(len(terr_rows))))
    managers = pd.DataFrame({
        "manager_id": [f"M{i + 1:0{width}d}" for i in range(len(terr_rows))],
        "name": person_names(rng, len(terr_rows)),
        "territory": [t for t, _ in terr_rows],
        "market_dept": [d for _, d in terr_rows],
    })
    manager_of = dict(zip(managers["territory"], managers["manager_id"]))
    geo = pd.DataFrame({
        "city": names.CITY,
        "district": np.array([full for _, full in districts], dtype=object)[district],
        "market_dept": dept_name,
        "territory": territory,
        "manager_id": [manager_of[t] for t in territory],
        "market_type": market_type,
        "lon": np.round(lon, 6),
        "lat": np.round(lat, 6),
    })
    return geo, managers
