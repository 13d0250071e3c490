"""Seasonal naive and recent same-slot averages, keyed on the local wall clock.

Slots are (local weekday, local time of day), so a week's 09:00 Monday maps to next
week's 09:00 Monday across daylight-saving changes, and gaps in history (closed hours,
missing days, weekdays-only centres) are simply absent slots.
"""

from __future__ import annotations

from datetime import date
from typing import Iterable

import numpy as np
import pandas as pd


def slot_keys(index: pd.DatetimeIndex, timezone: str) -> pd.MultiIndex:
    """(local weekday 0=Mon, local minute of day) for each timestamp."""
    local = pd.DatetimeIndex(index).tz_convert(timezone)
    return pd.MultiIndex.from_arrays([local.day_of_week, local.hour * 60 + local.minute], names=["dow", "minute"])


def _drop_days(history: pd.Series, timezone: str, days: Iterable[date] | None) -> pd.Series:
    if not days:
        return history
    local_day = pd.DatetimeIndex(history.index).tz_convert(timezone).date
    return history[~np.isin(local_day, np.array(list(days), dtype=object))]


class SeasonalNaive:
    """Forecast = the latest observed value of the same local weekday and time of day.

    Prediction interval from the empirical quantiles of the history's own week-on-week
    changes (``level`` central coverage, default 0.8). Days in ``exclude_days`` (holidays,
    outages) are never copied forward.
    """

    name = "seasonal_naive_weekly"

    def __init__(self, timezone: str, level: float = 0.8, exclude_days: Iterable[date] | None = None):
        if not 0 < level < 1:
            raise ValueError(f"level must be in (0, 1), got {level}")
        self.timezone = timezone
        self.level = level
        self.exclude_days = set(exclude_days or ())

    def fit(self, history: pd.Series) -> "SeasonalNaive":
        h = _drop_days(history.dropna().sort_index(), self.timezone, self.exclude_days)
        if h.empty:
            raise ValueError("history is empty after removing excluded days: nothing to forecast from")
        keys = slot_keys(h.index, self.timezone)
        by_slot = pd.Series(h.to_numpy(float), index=keys)
        self.last_ = by_slot.groupby(level=[0, 1]).last()
        lag = pd.Series(h.to_numpy(float), index=pd.DatetimeIndex(h.index).tz_convert(self.timezone).tz_localize(None))
        lag = lag[~lag.index.duplicated()]  # the repeated hour of a fall-back day
        prev = lag.reindex(lag.index - pd.Timedelta(days=7))
        diffs = lag.to_numpy() - prev.to_numpy()
        diffs = diffs[np.isfinite(diffs)]
        alpha = (1 - self.level) / 2
        self.residual_quantiles_ = (np.quantile(diffs, [alpha, 1 - alpha]) if len(diffs) >= 10
                                    else np.array([-np.inf, np.inf]))
        self.fallback_ = float(h.mean())
        return self

    def predict(self, index: pd.DatetimeIndex) -> pd.DataFrame:
        keys = slot_keys(index, self.timezone)
        values = self.last_.reindex(keys).to_numpy()
        missing = ~np.isfinite(values)
        values = np.where(missing, 0.0, values)
        lo, hi = self.residual_quantiles_
        # a slot never seen in history (closed hours) is forecast 0 with an empty interval
        out = pd.DataFrame({"forecast": values,
                            "lower": np.where(missing, 0.0, np.maximum(values + lo, 0.0)),
                            "upper": np.where(missing, 0.0, np.maximum(values + hi, 0.0))}, index=index)
        out.attrs.update(model=self.name, level=self.level, slots_without_history=int(missing.sum()))
        return out


class SlotAverage:
    """Weighted mean per (weekday, time) slot over the last ``weeks`` weeks of history.

    With ``weights`` given (e.g. contacts handled), the mean is weighted — the right way to
    average a per-contact quantity such as AHT. Slots never seen fall back to the overall
    weighted mean.
    """

    name = "slot_average"

    def __init__(self, timezone: str, weeks: int = 4, exclude_days: Iterable[date] | None = None):
        self.timezone = timezone
        self.weeks = weeks
        self.exclude_days = set(exclude_days or ())

    def fit(self, values: pd.Series, weights: pd.Series | None = None) -> "SlotAverage":
        v = values.astype(float)
        w = pd.Series(1.0, index=v.index) if weights is None else weights.astype(float).reindex(v.index)
        ok = np.isfinite(v.to_numpy()) & np.isfinite(w.to_numpy()) & (w.to_numpy() > 0)
        v, w = v[ok], w[ok]
        v = _drop_days(v, self.timezone, self.exclude_days)
        w = w.reindex(v.index)
        if len(v):
            start = v.index.max() - pd.Timedelta(weeks=self.weeks)
            v, w = v[v.index > start], w[w.index > start]
        keys = slot_keys(v.index, self.timezone)
        frame = pd.DataFrame({"vw": v.to_numpy() * w.to_numpy(), "w": w.to_numpy()}, index=keys)
        g = frame.groupby(level=[0, 1]).sum()
        self.slot_mean_ = g["vw"] / g["w"]
        self.overall_ = float(frame["vw"].sum() / frame["w"].sum()) if len(frame) else np.nan
        return self

    def predict(self, index: pd.DatetimeIndex) -> pd.Series:
        vals = self.slot_mean_.reindex(slot_keys(index, self.timezone)).to_numpy()
        return pd.Series(np.where(np.isfinite(vals), vals, self.overall_), index=index)
