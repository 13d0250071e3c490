"""The forecasting façade: every model is listed here and reached through :func:`forecast`."""

from __future__ import annotations

from datetime import date
from typing import Iterable

import numpy as np
import pandas as pd

from forecasting.naive import SeasonalNaive, SlotAverage

MODELS = {"seasonal_naive": SeasonalNaive}


def _check_history(history: pd.Series, name: str = "history") -> None:
    if not isinstance(history, pd.Series):
        raise TypeError(f"{name} must be a pandas Series indexed by interval start")
    idx = history.index
    if not isinstance(idx, pd.DatetimeIndex) or idx.tz is None:
        raise ValueError(f"{name} must be indexed by timezone-aware interval starts")
    if idx.has_duplicates:
        raise ValueError(f"{name} has duplicate interval starts, e.g. {idx[idx.duplicated()][0]}")
    values = history.to_numpy(float)
    bad = np.isfinite(values) & (values < 0)
    if bad.any():
        raise ValueError(f"{name} has negative values at {list(idx[bad][:3])}")


def forecast(history: pd.Series, index: pd.DatetimeIndex, *, timezone: str, model: str = "seasonal_naive",
             holidays: Iterable[date] | None = None, level: float = 0.8) -> pd.DataFrame:
    """Forecast contacts per interval at ``index`` from ``history`` (counts per interval start).

    Returns a DataFrame indexed by ``index`` with ``forecast``, ``lower`` and ``upper``
    (central prediction interval of ``level``); ``attrs`` records the model. Days in
    ``holidays`` are not used as the pattern for ordinary days.
    """
    _check_history(history)
    if model not in MODELS:
        raise ValueError(f"unknown model {model!r}; available: {sorted(MODELS)}")
    fitted = MODELS[model](timezone=timezone, level=level, exclude_days=holidays).fit(history)
    out = fitted.predict(pd.DatetimeIndex(index))
    out.attrs["timezone"] = timezone
    return out


def forecast_aht(volume: pd.Series, handle_seconds: pd.Series, index: pd.DatetimeIndex, *, timezone: str,
                 weeks: int = 4, holidays: Iterable[date] | None = None) -> pd.Series:
    """AHT (seconds) per interval: handle time ÷ contacts handled per weekly slot over the
    last ``weeks`` weeks (i.e. volume-weighted), falling back to the overall AHT."""
    with np.errstate(divide="ignore", invalid="ignore"):
        aht = handle_seconds.astype(float) / volume.astype(float)
    return SlotAverage(timezone, weeks, holidays).fit(aht, weights=volume).predict(pd.DatetimeIndex(index))


def forecast_slot_mean(values: pd.Series, index: pd.DatetimeIndex, *, timezone: str, weeks: int = 4,
                       weights: pd.Series | None = None, default: float = np.nan) -> pd.Series:
    """Per-slot mean of a ratio series (shrinkage, concurrency) over the last ``weeks`` weeks."""
    v = values.dropna()
    if v.empty:
        return pd.Series(default, index=index, dtype=float)
    return SlotAverage(timezone, weeks).fit(v, weights=None if weights is None else weights.reindex(v.index)) \
        .predict(pd.DatetimeIndex(index))
