"""The forecasting façade: every model is listed here and reached through :func:`forecast`."""

from __future__ import annotations

from datetime import date
from typing import Iterable, Mapping

import numpy as np
import pandas as pd

from forecasting.calendar import as_day_types
from forecasting.daily import DayTypeModel
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
          "daily_profile": DailyProfile, "ensemble": Ensemble, "day_type_profile": DayTypeModel}
DAY_TYPE_AWARE = {"day_type_profile"}
"models that forecast special days themselves (the others get the holiday factor)"
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


def _fitted(model: str, timezone: str, holidays, history: pd.Series, special_days=None, prior_factors=None):
    if model in DAY_TYPE_AWARE:
        return MODELS[model](timezone=timezone, special_days=special_days, exclude_days=holidays,
                             prior_factors=prior_factors).fit(history)
    return MODELS[model](timezone=timezone, exclude_days=holidays).fit(history)


def _point(model: str, timezone: str, holidays, history: pd.Series, index: pd.DatetimeIndex,
           special_days=None, prior_factors=None) -> np.ndarray:
    out = _fitted(model, timezone, holidays, history, special_days, prior_factors).predict(index)
    return out["forecast"].to_numpy() if isinstance(out, pd.DataFrame) else np.asarray(out, dtype=float)


def model_params(fitted) -> dict:
    """What a planner needs to trace a forecast: the fitted model's parameters."""
    if isinstance(fitted, DayTypeModel):
        plan = getattr(fitted, "last_plan_", None)
        return {"level_alpha": fitted.alpha_, "weekday_factors": {
                    ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][k]: round(float(np.exp(fitted.season_[k])), 4)
                    for k in fitted.open_weekdays_},
                "monthly_cycle_order": int(len(fitted.month_beta_) // 2),
                "day_type_effects": {k: round(float(np.exp(v)), 4) for k, v in fitted.effects_.items()},
                "own_day_types": sorted(fitted.own_types_),
                "prior_factors": fitted.prior_factors,
                "day_type_counts": fitted.effect_counts_,
                "closed_day_types": sorted(fitted.closed_labels_),
                "cleaned_days": {d.isoformat(): r for d, r in fitted.outlier_reasons_.items()},
                "special_days_in_horizon": {} if plan is None else {
                    d.isoformat(): (row["day_type"] or ",".join(row["labels"])) + (" (closed)" if row["closed"] else "")
                    + ((f" ({row['unseen_label']} never seen: prior factor {row['prior_factor']:.2f})"
                        if row["prior_factor"] else f" ({row['unseen_label']} never seen: ordinary day)")
                       if row["unseen_label"] else "")
                    for d, row in plan.iterrows() if row["labels"] or row["closed"]}}
    return {}


def rolling_backtest(history: pd.Series, *, timezone: str, models: Iterable[str], holidays=None,
                     origins_weeks: Iterable[int] = AUTO_ORIGINS_WEEKS, horizon_days: int = 7,
                     special_days=None, prior_factors=None) -> dict[str, dict]:
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
            f = _point(m, timezone, holidays, train, pd.DatetimeIndex(test.index), special_days, prior_factors)
            a = test.to_numpy(float)
            out[m]["abs"] += float(np.abs(f - a).sum())
            out[m]["total"] += float(a.sum())
            out[m]["resid"].append((a - f) / np.sqrt(np.maximum(f, 1.0)))
    return {m: {"wape": v["abs"] / v["total"] if v["total"] > 0 else np.nan,
                "resid": np.concatenate(v["resid"]) if v["resid"] else np.array([])} for m, v in out.items()}


def forecast(history: pd.Series, index: pd.DatetimeIndex, *, timezone: str, model: str = "auto",
             holidays: Iterable[date] | None = None, level: float = 0.8,
             special_days: Mapping[date, str] | None = None,
             prior_factors: Mapping[str, float] | None = None) -> pd.DataFrame:
    """Forecast contacts per interval at ``index`` from ``history`` (counts per interval start).

    ``special_days``: {local date: day type} (holiday, holiday_eve, half_day, event…, e.g.
    from :func:`forecasting.holiday_day_types`), learned and forecast by the day-type model;
    ``holidays`` are special days labelled ``holiday``. ``prior_factors``: {day type: factor
    vs an ordinary day} for day types with no history yet (the planner's expectation).

    ``model``: one of :data:`MODELS` or ``"auto"`` (the lowest WAPE in a rolling-origin
    backtest over the last weeks of history). Returns ``forecast``, ``lower``, ``upper``
    (central prediction interval of ``level``, from the backtest's residuals scaled by
    √forecast) indexed by ``index``; ``attrs`` record the model, the candidates' backtest
    WAPE and the level, ``params`` the fitted parameters (day-type effects, cleaned days…) and
    ``description`` a one-line summary. Special days never shape ordinary days.
    """
    _check_history(history)
    if model != "auto" and model not in MODELS:
        raise ValueError(f"unknown model {model!r}; available: auto, {', '.join(sorted(MODELS))}")
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")
    holidays = list(holidays or [])
    special = as_day_types(special_days)
    candidates = list(MODELS) if model == "auto" else [model]
    scores = rolling_backtest(history.dropna(), timezone=timezone, models=candidates, holidays=holidays,
                              special_days=special, prior_factors=prior_factors)
    usable = {m: v for m, v in scores.items() if np.isfinite(v["wape"])}
    chosen = min(usable, key=lambda m: usable[m]["wape"]) if usable else (
        "seasonal_naive" if model == "auto" else model)
    idx = pd.DatetimeIndex(index)
    fitted = _fitted(chosen, timezone, holidays, history, special, prior_factors)
    raw = fitted.predict(idx)
    point = np.maximum(raw["forecast"].to_numpy() if isinstance(raw, pd.DataFrame) else np.asarray(raw, float), 0.0)
    factor, seen = holiday_factor(history, timezone, holidays)
    on_holiday = np.isin(np.asarray(idx.tz_convert(timezone).date), np.array(sorted(holidays), dtype=object))
    if on_holiday.any() and seen and chosen not in DAY_TYPE_AWARE:
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
                     holiday_factor=float(factor) if seen and chosen not in DAY_TYPE_AWARE else None,
                     params=model_params(fitted))
    wape = scores.get(chosen, {}).get("wape", np.nan)
    out.attrs["description"] = f"{chosen}" + (f", backtest WAPE {wape:.3f}" if np.isfinite(wape) else "")
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
