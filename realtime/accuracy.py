"""Forecast accuracy (COPC Annex 2) and the Standard's continuous-improvement test.

All functions take forecast and actual values aligned on the same rows (intervals) and,
where a per-period figure is asked for, the period of each row (day or week labels).
Errors are reported as fractions (0.05 = 5 %). The glossary's error form is
(forecast − actual) ÷ forecast; the MAPE-style deviations use the actual as base, as the
Standard's "mean absolute % deviation between the forecast and the actual requirement".
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def _pair(forecast, actual) -> tuple[np.ndarray, np.ndarray]:
    f = np.asarray(forecast, dtype=float)
    a = np.asarray(actual, dtype=float)
    if f.shape != a.shape:
        raise ValueError(f"forecast and actual must align: {f.shape} vs {a.shape}")
    if np.any(~np.isfinite(f)) or np.any(~np.isfinite(a)):
        raise ValueError("forecast and actual must be finite (drop or fill missing intervals first)")
    return f, a


def glossary_error(forecast, actual) -> np.ndarray:
    """(forecast − actual) ÷ forecast per row (NaN where the forecast is 0)."""
    f, a = _pair(forecast, actual)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(f != 0, (f - a) / f, np.nan)


def volume_errors(forecast, actual) -> dict[str, float]:
    """WAPE (Σ|F − A| ÷ ΣA), bias (Σ(F − A) ÷ ΣA) and MAPE over rows with A > 0."""
    f, a = _pair(forecast, actual)
    total = a.sum()
    nz = a > 0
    return {"wape": float(np.abs(f - a).sum() / total) if total > 0 else float("nan"),
            "bias": float((f - a).sum() / total) if total > 0 else float("nan"),
            "mape_nonzero": float(np.mean(np.abs(f[nz] - a[nz]) / a[nz])) if nz.any() else float("nan")}


def staff_forecast_accuracy(forecast_fte, actual_fte, period) -> pd.DataFrame:
    """Per period (week or day): forecast and actual staff requirement (summed over the
    period's rows) and the absolute % deviation |F − A| ÷ A; ``attrs['mean_deviation']`` is
    the Standard's mean absolute % deviation and ``attrs['accuracy']`` = 1 − it."""
    f, a = _pair(forecast_fte, actual_fte)
    df = pd.DataFrame({"forecast": f, "actual": a, "period": np.asarray(period)}).groupby("period").sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        df["deviation"] = np.where(df["actual"] > 0, (df["forecast"] - df["actual"]).abs() / df["actual"], np.nan)
    mean = float(df["deviation"].mean())
    df.attrs.update(mean_deviation=mean, accuracy=1 - mean)
    return df


def schedule_forecast_accuracy(forecast_fte, actual_fte, *, over: float = 0.10, under: float = 0.10) -> float:
    """Share of intervals whose actual requirement lies within +``over`` / −``under`` of the
    forecast requirement (an interval forecast at 0 counts when the actual is 0 too)."""
    f, a = _pair(forecast_fte, actual_fte)
    if over < 0 or under < 0:
        raise ValueError("over and under must be >= 0")
    inside = (a <= f * (1 + over) + 1e-12) & (a >= f * (1 - under) - 1e-12)
    return float(inside.mean()) if len(f) else float("nan")


def peak_forecast_accuracy(forecast, actual, day, *, tolerance: float = 0.10) -> float:
    """Share of days whose actual peak interval value lies within ± ``tolerance`` of the
    forecast peak (peaks compared by value, wherever in the day they fall)."""
    f, a = _pair(forecast, actual)
    df = pd.DataFrame({"f": f, "a": a, "day": np.asarray(day)}).groupby("day").max()
    ok = (df["a"] - df["f"]).abs() <= tolerance * df["f"] + 1e-12
    return float(ok.mean()) if len(df) else float("nan")


def steady_state_arrival_accuracy(forecast, actual, day, *, tolerance: float = 0.10, core_share: float = 0.5
                                  ) -> float:
    """Share of days whose actual arrival rate over the day's steady-state intervals (those
    whose forecast is at least ``core_share`` of the day's forecast peak) lies within
    ± ``tolerance`` of the forecast rate over the same intervals."""
    f, a = _pair(forecast, actual)
    df = pd.DataFrame({"f": f, "a": a, "day": np.asarray(day)})
    peak = df.groupby("day")["f"].transform("max")
    core = df[(df["f"] >= core_share * peak) & (peak > 0)].groupby("day")[["f", "a"]].mean()
    ok = (core["a"] - core["f"]).abs() <= tolerance * core["f"] + 1e-12
    return float(ok.mean()) if len(core) else float("nan")


def continuous_improvement(values, *, higher_is_better: bool = True, target: float | None = None) -> list[int]:
    """Positions i where points i, i+1, i+2 are each better than the mean of the three points
    before i (the Standard's test); points at or beyond ``target`` count as better."""
    v = np.asarray(values, dtype=float)
    hits = []
    for i in range(3, len(v) - 2):
        base = v[i - 3:i].mean()
        window = v[i:i + 3]
        better = window > base if higher_is_better else window < base
        if target is not None:
            better |= (window >= target) if higher_is_better else (window <= target)
        if better.all():
            hits.append(i)
    return hits
