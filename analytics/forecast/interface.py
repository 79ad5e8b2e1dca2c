"""The one small interface every forecasting model has, so backtests and reviews can loop over them.

Like statsforecast's models, a model is fitted on history and asked for ``h`` periods ahead;
unlike them it works on a whole ``Panel`` at once, because the global model learns across series
and the simple ones are a single array slice for all series together. Intervals are not the
model's business: ``intervals`` derives them the same way for every model, from its own
rolling-origin errors, so an interval means the same thing whichever model drew it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

from analytics.forecast.panel import Panel


class Model(ABC):
    """A forecasting model.

    Attributes:
        name: how the model is called in tables and on the command line.
    """

    name: str = "model"

    @abstractmethod
    def fit(self, panel: Panel) -> Model:
        """Learn from the history in ``panel`` (every period of it is history). Returns self."""

    @abstractmethod
    def predict(self, h: int) -> np.ndarray:
        """Point forecasts for the ``h`` periods after the history, shape (series, h), ≥ 0 and
        finite (a series without history forecasts 0)."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def last_values(y: np.ndarray) -> np.ndarray:
    """The last value of each series (NaN only before a start, so the last column), 0 if none."""
    return np.nan_to_num(y[:, -1]) if y.shape[1] else np.zeros(y.shape[0])


def finish(forecast: np.ndarray) -> np.ndarray:
    """Demand is never negative and a table never shows NaN: clip and zero-fill."""
    return np.clip(np.nan_to_num(forecast, nan=0.0, posinf=0.0, neginf=0.0), 0.0, None)
