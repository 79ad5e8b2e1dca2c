"""The model registry, the combination, and the automatic choice.

Names are what the command line's ``--model`` and the tables' ``model`` column use:

``naive``, ``seasonal_naive``, ``rule``     the baselines and today's rule (``baselines``)
``ets``                                    ETS on the calendar-adjusted series (``ets``)
``gbm``                                    the global gradient-boosting model (``gbm``)
``gbm+ets``                                the mean of the two: they err differently (the
                                           global model pools the class's festival, the ETS
                                           follows each series' own), so their mean is steadier
``auto``                                   the one of ``AUTO_MENU`` with the lowest WAPE in the
                                           rolling-origin backtests of the run

The automatic choice is one model for the whole run, not one per series: a handful of backtest
windows per series is too few to tell models apart series by series (tried on the demo city:
per-series picks were worse than any single model, because the latest windows rarely hold the
season being forecast), and one choice keeps every level's forecasts adding up. ETS is left out
of the choice on runs too large for a fit per series (``ETS_AUTO_MAX``); ask for it by name.
"""

from __future__ import annotations

import numpy as np

from analytics.forecast.baselines import Naive, Rule, SeasonalNaive
from analytics.forecast.ets import CalendarETS
from analytics.forecast.gbm import GlobalGBM
from analytics.forecast.interface import Model

MODELS: dict[str, type[Model]] = {"naive": Naive, "seasonal_naive": SeasonalNaive, "rule": Rule,
                                  "ets": CalendarETS, "gbm": GlobalGBM}
COMBINATIONS: dict[str, tuple[str, ...]] = {"gbm+ets": ("gbm", "ets")}
AUTO = "auto"
AUTO_MENU = ("gbm", "gbm+ets", "ets", "seasonal_naive", "rule")
ETS_AUTO_MAX = 500  # series; above it the automatic choice does not fit ETS (a fit per series)
NAMES = (*MODELS, *COMBINATIONS, AUTO)


def check_model(name: str) -> None:
    """Refuse an unknown model name (ValueError, one line); 'all' is accepted too."""
    if name not in NAMES and name != "all":
        raise ValueError(f"unknown model {name!r}: use {', '.join(NAMES)} or all")


def make(name: str) -> Model:
    """A fresh model of a registered single name (not a combination or 'auto')."""
    if name not in MODELS:
        raise ValueError(f"{name!r} is not a single model: use {', '.join(MODELS)}")
    return MODELS[name]()


def members(name: str) -> tuple[str, ...]:
    """The single models a name needs fitted: itself, or a combination's members."""
    return COMBINATIONS.get(name, (name,))


def auto_menu(n_series: int) -> tuple[str, ...]:
    """The candidates of the automatic choice for a run of ``n_series`` base series."""
    if n_series > ETS_AUTO_MAX:
        return tuple(n for n in AUTO_MENU if "ets" not in members(n))
    return AUTO_MENU


def needed(names: list[str] | tuple[str, ...], n_series: int) -> list[str]:
    """The single models to fit for ``names`` (with 'auto' expanded to its menu), in order."""
    out: list[str] = []
    for name in names:
        for single in (m for c in (auto_menu(n_series) if name == AUTO else (name,)) for m in members(c)):
            if single not in out:
                out.append(single)
    return out


def combine(name: str, single: dict[str, np.ndarray]) -> np.ndarray:
    """The forecast of ``name`` from the single models' forecasts (a combination's mean)."""
    return np.mean([single[m] for m in members(name)], axis=0)


def choose(candidates: tuple[str, ...], errors: dict[str, float]) -> str:
    """The candidate with the lowest backtest error; ties go to the earlier (preferred) one.

    Args:
        candidates: names in order of preference.
        errors: backtest WAPE (or any error) per name; a name without one is skipped.

    Returns:
        The chosen name ('gbm' when no candidate has an error, e.g. history too short).
    """
    scored = [(errors[c], i, c) for i, c in enumerate(candidates) if np.isfinite(errors.get(c, np.nan))]
    return min(scored)[2] if scored else "gbm"
