"""The forecasting façade: every model is listed here and reached through :func:`forecast`."""

from __future__ import annotations

from datetime import date
from typing import Iterable

import numpy as np
import pandas as pd

from forecasting.naive import SeasonalNaive, SlotAverage
from forecasting.profile import DailyProfile, RecentSlotAverage


class Ensemble:
    """Mean of the daily-total × profile and recent same-slot forecasts."""

    name = "ensemble"

    def __init__(self, timezone: str, exclude_days: Iterable[date] | None = None, **_):
        self.members = [DailyProfile(timezone, exclude_days=exclude_days),
                        RecentSlotAverage(timezone, exclude_days=exclude_days)]

    def fit(self, history: pd.Series) -> "Ensemble":
        for m in self.members:
            m.fit(history)
        return self

    def predict(self, index: pd.DatetimeIndex) -> np.ndarray:
        return np.mean([m.predict(index) for m in self.members], axis=0)


MODELS = {"seasonal_naive": SeasonalNaive, "recent_slot_average": RecentSlotAverage,
          "daily_profile": DailyProfile, "ensemble": Ensemble}
AUTO_ORIGINS_WEEKS = (2, 1)  # rolling origins of the selection backtest, weeks before the end of history


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


def _point(model: str, timezone: str, holidays, history: pd.Series, index: pd.DatetimeIndex) -> np.ndarray:
    out = MODELS[model](timezone=timezone, exclude_days=holidays).fit(history).predict(index)
    return out["forecast"].to_numpy() if isinstance(out, pd.DataFrame) else np.asarray(out, dtype=float)


def rolling_backtest(history: pd.Series, *, timezone: str, models: Iterable[str], holidays=None,
                     origins_weeks: Iterable[int] = AUTO_ORIGINS_WEEKS, horizon_days: int = 7) -> dict[str, dict]:
    """Re-forecast the weeks after each origin (``origins_weeks`` before the end of history)
    from the history before it; per model: ``wape`` and the scaled residuals
    (actual − forecast) ÷ √max(forecast, 1) used for prediction intervals."""
    end = history.index.max()
    out: dict[str, dict] = {m: {"abs": 0.0, "total": 0.0, "resid": []} for m in models}
    for k in origins_weeks:
        origin = (end - pd.Timedelta(weeks=k)).tz_convert(timezone).normalize() + pd.Timedelta(days=1)
        train = history[history.index < origin]
        test = history[(history.index >= origin) & (history.index < origin + pd.Timedelta(days=horizon_days))]
        if len(test) == 0 or len(train) == 0 or train.index.max() - train.index.min() < pd.Timedelta(weeks=2):
            continue
        for m in models:
            f = _point(m, timezone, holidays, train, pd.DatetimeIndex(test.index))
            a = test.to_numpy(float)
            out[m]["abs"] += float(np.abs(f - a).sum())
            out[m]["total"] += float(a.sum())
            out[m]["resid"].append((a - f) / np.sqrt(np.maximum(f, 1.0)))
    return {m: {"wape": v["abs"] / v["total"] if v["total"] > 0 else np.nan,
                "resid": np.concatenate(v["resid"]) if v["resid"] else np.array([])} for m, v in out.items()}


def forecast(history: pd.Series, index: pd.DatetimeIndex, *, timezone: str, model: str = "auto",
             holidays: Iterable[date] | None = None, level: float = 0.8) -> pd.DataFrame:
    """Forecast contacts per interval at ``index`` from ``history`` (counts per interval start).

    ``model``: one of :data:`MODELS` or ``"auto"`` (the lowest WAPE in a rolling-origin
    backtest over the last weeks of history). Returns ``forecast``, ``lower``, ``upper``
    (central prediction interval of ``level``, from the backtest's residuals scaled by
    √forecast) indexed by ``index``; ``attrs`` record the model, the candidates' backtest
    WAPE and the level. Days in ``holidays`` are not used as the pattern for ordinary days.
    """
    _check_history(history)
    if model != "auto" and model not in MODELS:
        raise ValueError(f"unknown model {model!r}; available: auto, {', '.join(sorted(MODELS))}")
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")
    holidays = list(holidays or [])
    candidates = list(MODELS) if model == "auto" else [model]
    scores = rolling_backtest(history.dropna(), timezone=timezone, models=candidates, holidays=holidays)
    usable = {m: v for m, v in scores.items() if np.isfinite(v["wape"])}
    chosen = min(usable, key=lambda m: usable[m]["wape"]) if usable else (
        "seasonal_naive" if model == "auto" else model)
    idx = pd.DatetimeIndex(index)
    point = np.maximum(_point(chosen, timezone, holidays, history, idx), 0.0)
    factor, seen = holiday_factor(history, timezone, holidays)
    on_holiday = np.isin(np.asarray(idx.tz_convert(timezone).date), np.array(sorted(holidays), dtype=object))
    if on_holiday.any() and seen:
        point = np.where(on_holiday, point * factor, point)
    resid = scores.get(chosen, {}).get("resid", np.array([]))
    alpha = (1 - level) / 2
    lo_q, hi_q = np.quantile(resid, [alpha, 1 - alpha]) if len(resid) >= 20 else (-1.2816, 1.2816)
    scale = np.sqrt(np.maximum(point, 1.0))
    out = pd.DataFrame({"forecast": point, "lower": np.where(point > 0, np.maximum(point + lo_q * scale, 0.0), 0.0),
                        "upper": np.where(point > 0, point + hi_q * scale, 0.0)}, index=idx)
    out.attrs.update(model=chosen, level=level, timezone=timezone,
                     backtest_wape={m: v["wape"] for m, v in scores.items()},
                     slots_without_history=int((point == 0).sum()),
                     holiday_intervals=int(on_holiday.sum()),
                     holiday_factor=float(factor) if seen else None)
    return out


def holiday_factor(history: pd.Series, timezone: str, holidays: Iterable[date]) -> tuple[float, int]:
    """Median ratio of a past holiday's volume to the mean of the same weekday in the four
    weeks around it (holidays excluded), and how many past holidays it rests on. Holidays in
    the horizon are forecast at their weekday's level times this factor (1 when none seen)."""
    hol = set(holidays)
    if not hol or history.empty:
        return 1.0, 0
    local = pd.DatetimeIndex(history.index).tz_convert(timezone)
    totals = pd.Series(history.to_numpy(float)).groupby(np.asarray(local.date)).sum()
    ratios = []
    for d in sorted(hol & set(totals.index)):
        around = [d + pd.Timedelta(weeks=k).to_pytimedelta() for k in (-2, -1, 1, 2)]
        normal = [totals[a] for a in around if a in totals.index and a not in hol]
        if normal and np.mean(normal) > 0:
            ratios.append(totals[d] / np.mean(normal))
    return (float(np.median(ratios)), len(ratios)) if ratios else (1.0, 0)


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
