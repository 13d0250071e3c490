"""Daily total × intraday profile, and recency-weighted same-slot averages.

Both key every interval on the local wall clock (weekday, minute of day), so DST, closed
hours and weekdays-only centres need nothing special, and both keep holidays (and other
listed days) out of what they learn.

* :class:`DailyProfile` — each weekday's daily total is an exponentially weighted mean of
  that weekday's recent totals (half-life ``halflife_weeks``); its intraday shape is the
  weighted mean share of the day's volume per slot over the same weeks. Forecast = total ×
  share. Days with no history for their weekday get nothing (closed days).
* :class:`RecentSlotAverage` — each slot's exponentially weighted mean over recent weeks.
"""

from __future__ import annotations

from datetime import date
from typing import Iterable

import numpy as np
import pandas as pd

from forecasting.naive import _drop_days, slot_keys


def _local(index: pd.DatetimeIndex, timezone: str) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(index).tz_convert(timezone)


def _age_weeks(days: np.ndarray, last: date) -> np.ndarray:
    return np.array([(last - d).days // 7 for d in days], dtype=float)


class RecentSlotAverage:
    """Forecast = weighted mean of the same local (weekday, time) slot over the last
    ``weeks`` weeks, weight 0.5^(age in weeks ÷ ``halflife_weeks``)."""

    name = "recent_slot_average"

    def __init__(self, timezone: str, weeks: int = 6, halflife_weeks: float = 2.0,
                 exclude_days: Iterable[date] | None = None):
        self.timezone, self.weeks, self.halflife = timezone, weeks, halflife_weeks
        self.exclude_days = set(exclude_days or ())

    def fit(self, history: pd.Series) -> "RecentSlotAverage":
        h = _drop_days(history.dropna().sort_index(), self.timezone, self.exclude_days)
        if h.empty:
            raise ValueError("history is empty after removing excluded days")
        local = _local(h.index, self.timezone)
        last = local.max().date()
        age = _age_weeks(np.asarray(local.date), last)
        keep = age < self.weeks
        w = 0.5 ** (age[keep] / self.halflife)
        keys = slot_keys(h.index[keep], self.timezone)
        frame = pd.DataFrame({"vw": h.to_numpy(float)[keep] * w, "w": w}, index=keys).groupby(level=[0, 1]).sum()
        self.slot_ = frame["vw"] / frame["w"]
        return self

    def predict(self, index: pd.DatetimeIndex) -> np.ndarray:
        vals = self.slot_.reindex(slot_keys(index, self.timezone)).to_numpy()
        return np.where(np.isfinite(vals), vals, 0.0)


class DailyProfile:
    """Forecast = weekday's weighted recent daily total × weekday's weighted intraday share."""

    name = "daily_total_x_profile"

    def __init__(self, timezone: str, weeks: int = 8, halflife_weeks: float = 3.0, shape_weeks: int = 8,
                 exclude_days: Iterable[date] | None = None):
        self.timezone, self.weeks, self.halflife, self.shape_weeks = timezone, weeks, halflife_weeks, shape_weeks
        self.exclude_days = set(exclude_days or ())

    def fit(self, history: pd.Series) -> "DailyProfile":
        h = _drop_days(history.dropna().sort_index(), self.timezone, self.exclude_days)
        if h.empty:
            raise ValueError("history is empty after removing excluded days")
        local = _local(h.index, self.timezone)
        days = np.asarray(local.date)
        frame = pd.DataFrame({"y": h.to_numpy(float), "day": days, "dow": local.day_of_week,
                              "minute": local.hour * 60 + local.minute})
        # a fall-back day repeats an hour of wall-clock slots: average the repeats so its
        # total compares with ordinary days
        frame = frame.groupby(["day", "minute"], as_index=False).agg(y=("y", "mean"), dow=("dow", "first"))
        totals = frame.groupby("day").agg(total=("y", "sum"), dow=("dow", "first"))
        last = max(totals.index)
        totals["age"] = _age_weeks(np.asarray(totals.index), last)
        totals = totals[totals["age"] < self.weeks]
        totals["w"] = 0.5 ** (totals["age"] / self.halflife)
        self.total_ = (totals["total"] * totals["w"]).groupby(totals["dow"]).sum() / \
            totals["w"].groupby(totals["dow"]).sum()
        frame = frame.join(totals[["total", "w"]], on="day").dropna(subset=["w"])
        frame = frame[(frame["total"] > 0)]
        frame["share"] = frame["y"] / frame["total"]
        frame["age"] = _age_weeks(np.asarray(frame["day"]), last)
        frame = frame[frame["age"] < self.shape_weeks]
        g = (frame["share"] * frame["w"]).groupby([frame["dow"], frame["minute"]]).sum() / \
            frame["w"].groupby([frame["dow"], frame["minute"]]).sum()
        self.shape_ = g
        return self

    def predict(self, index: pd.DatetimeIndex) -> np.ndarray:
        local = _local(index, self.timezone)
        dow = np.asarray(local.day_of_week)
        keys = pd.MultiIndex.from_arrays([dow, np.asarray(local.hour * 60 + local.minute)])
        share = self.shape_.reindex(keys).to_numpy()
        share = np.where(np.isfinite(share), share, 0.0)
        # renormalise the shares of each forecast day (a DST day has other slots than its history)
        day = np.asarray(local.date)
        sums = pd.Series(share).groupby(day).transform("sum").to_numpy()
        share = np.divide(share, sums, out=np.zeros_like(share), where=sums > 0)
        total = self.total_.reindex(dow).to_numpy()
        return np.where(np.isfinite(total), total, 0.0) * share
