"""``generate``: build the whole demo city into an open DuckDB connection."""

from __future__ import annotations

from collections.abc import Callable

import duckdb
import numpy as np

from data.demo.city import build_city
from data.demo.forecasts import write_forecasts
from data.demo.params import DemoParams, resolve
from data.demo.planting import truth_frame
from data.demo.simulate import simulate
from data.demo.supply import supply_plan_frame
from data.demo.writer import Sink
from data.schema import TABLES

Progress = Callable[[float, str], None]

# Shares of the progress bar per stage (the simulation dominates).
_SETUP, _SIM_END, _FORECASTS = 0.08, 0.94, 0.98


def generate(con: duckdb.DuckDBPyConnection, params: DemoParams,
             progress: Progress | None = None) -> dict[str, int]:
    """Create every warehouse table in ``con`` and fill the demo tables.

    The connection must hold an empty database; the caller owns the transaction (this function
    never commits, checkpoints or closes). Same ``params`` give identical data, except that a
    default ``end`` depends on today's date.

    Args:
        con: an open read-write DuckDB connection.
        params: what to generate.
        progress: optional callback ``(fraction 0..1, message)``.

    Returns:
        Row counts per table, for every table of the schema.
    """
    report = progress or (lambda fraction, message: None)
    resolved = resolve(params)
    rng = np.random.default_rng(resolved.seed)
    report(0.0, f"Drawing a city of {resolved.clients:,} clients and {resolved.products} products")
    city = build_city(resolved, rng)

    with Sink(con, city.clients["client_id"].tolist(), city.products["product_id"].tolist(),
              resolved.start) as sink:
        sink.create_tables()
        sink.frame("clients", city.clients)
        sink.frame("products", city.products)
        sink.frame("managers", city.managers)
        sink.frame("supply_plans", supply_plan_frame(city.supply, city.products,
                                                     city.first_monday))
        sink.frame("truth_facts", truth_frame(city.plants, city.pairs, city.clients,
                                              city.products, city.managers, resolved.start,
                                              resolved.days))
        report(_SETUP, f"Simulating {resolved.days} days of {len(city.pairs):,} client x product "
                       "pairs")

        def sim_progress(fraction: float, message: str) -> None:
            report(_SETUP + (_SIM_END - _SETUP) * fraction, message)

        ledger = simulate(city, sink, rng, sim_progress)
        report(_SIM_END, "Writing manager forecasts")
        write_forecasts(city, ledger, sink, rng)
        report(_FORECASTS, "Finishing writes")
    counts = {name: sink.counts.get(name, 0) for name in TABLES}
    report(1.0, f"Generated {counts['orders']:,} order lines")
    return counts
