"""Rolling-origin backtests of volume forecasts, with the accuracy measures planners and
COPC Annex 2 ask for (the measures themselves live in :mod:`realtime.accuracy`, shared with
the real-time desk).

Each origin is a local midnight; the model is refitted on the history before it and
forecasts ``horizon_days`` ahead through :func:`forecasting.forecast` (so the prediction
interval is the one a planner gets). Per horizon and model:

* ``wape`` Σ|F − A| ÷ ΣA, ``bias`` Σ(F − A) ÷ ΣA, ``mape_nonzero`` over intervals with A > 0;
* ``within_share`` — share of intervals whose actual lies within ±``within`` of the forecast
  (the interval form of COPC schedule forecast accuracy);
* ``daily_mape`` — mean absolute % deviation of daily totals (the daily form of COPC staff
  forecast accuracy); ``peak_accuracy`` — share of days whose actual peak lies within
  ±``within`` of the forecast peak;
* ``pi_coverage`` — share of actuals inside the prediction interval (nominal ``level``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Iterable, Mapping

import numpy as np
import pandas as pd

from forecasting.models import forecast

HORIZONS = {"next_day": 1, "next_week": 7}


@dataclass
class Backtest:
    """``metrics``: one row per (horizon, model); ``detail``: every forecast interval with its
    actual (horizon, origin, model, interval_start, forecast, lower, upper, actual)."""

    metrics: pd.DataFrame
    detail: pd.DataFrame
    timezone: str
    interval_minutes: int
    level: float

    def plot(self, path: Path, horizon: str = "next_week") -> Path:
        """Forecast vs actual of the latest origin of ``horizon``, one line per model (PNG)."""
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        d = self.detail[self.detail["horizon"] == horizon]
        if d.empty:
            raise ValueError(f"no backtest rows for horizon {horizon!r}")
        d = d[d["origin"] == d["origin"].max()]
        fig, ax = plt.subplots(figsize=(12, 4))
        def on_grid(g: pd.DataFrame) -> pd.DataFrame:  # NaN over closed hours, so lines break there
            g = g.set_index(pd.DatetimeIndex(g["interval_start"]).tz_convert(self.timezone))
            full = pd.date_range(g.index.min(), g.index.max(), freq=f"{self.interval_minutes}min")
            return g.reindex(full)[["forecast", "lower", "upper", "actual"]]

        first = on_grid(d[d["model"] == d["model"].iloc[0]])
        ax.plot(first.index, first["actual"], color="black", lw=1.2, label="actual")
        for model, g in d.groupby("model"):
            g = on_grid(g)
            ax.plot(g.index, g["forecast"], lw=1, label=model)
            if model == "day_type_profile":
                ax.fill_between(g.index, g["lower"], g["upper"], alpha=0.2, label=f"{self.level:.0%} interval")
        ax.set_ylabel(f"contacts per {self.interval_minutes} min")
        ax.set_title(f"{horizon} from {d['origin'].max():%Y-%m-%d} ({self.timezone}, {self.interval_minutes}-min)")
        ax.legend(loc="upper right", fontsize=8)
        fig.tight_layout()
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=110)
        plt.close(fig)
        return path


def backtest_origins(history: pd.Series, timezone: str, horizon_days: int, count: int) -> list[pd.Timestamp]:
    """The last ``count`` local midnights from which ``horizon_days`` fit inside history,
    stepping by the horizon (a day or a week), newest last; a one-day horizon only starts on
    days with contacts (not on closed days)."""
    h = history.dropna()
    local_day = np.asarray(pd.DatetimeIndex(h.index).tz_convert(timezone).date)
    totals = pd.Series(h.to_numpy(float)).groupby(local_day).sum()
    days = sorted(totals.index)
    if not days:
        return []
    end = days[-1] + timedelta(days=1)
    step = max(horizon_days, 1)
    have = set(totals.index[totals.to_numpy() > 0])
    out, k = [], 1
    while len(out) < count and end - timedelta(days=step * k) > days[0] + timedelta(weeks=3):
        d = end - timedelta(days=step * k)
        if horizon_days > 1 or d in have:
            out.append(d)
        k += 1
        if k > count * 10:
            break
    return [pd.Timestamp(d).tz_localize(timezone) for d in sorted(out)]


def backtest(history: pd.Series, *, timezone: str, models: Iterable[str] = ("seasonal_naive", "day_type_profile"),
             origins: int = 4, horizons: Mapping[str, int] = HORIZONS, holidays: Iterable[date] | None = None,
             special_days: Mapping[date, str] | None = None, prior_factors: Mapping[str, float] | None = None,
             within: float = 0.10, level: float = 0.8) -> Backtest:
    """Rolling-origin backtest of ``models`` over ``horizons`` (name → days), ``origins``
    origins each, on ``history`` (contacts per interval start, tz-aware). See the module doc."""
    from realtime.accuracy import peak_forecast_accuracy, schedule_forecast_accuracy, staff_forecast_accuracy, \
        volume_errors

    if not 0 <= within < 1:
        raise ValueError(f"within must be in [0, 1), got {within}")
    h = history.dropna().sort_index()
    steps = np.diff(h.index) / pd.Timedelta(minutes=1)  # any datetime resolution
    interval_minutes = int(round(np.min(steps[steps > 0]))) if (steps > 0).any() else 0
    rows, metrics = [], []
    for name, days in horizons.items():
        for origin in backtest_origins(h, timezone, days, origins):
            train = h[h.index < origin]
            test = h[(h.index >= origin) & (h.index < origin + pd.Timedelta(days=days))]
            if test.empty:
                continue
            for m in models:
                fc = forecast(train, test.index, timezone=timezone, model=m, holidays=holidays,
                              special_days=special_days, prior_factors=prior_factors, level=level)
                rows.append(pd.DataFrame({"horizon": name, "origin": origin, "model": m,
                                          "interval_start": test.index, "forecast": fc["forecast"].to_numpy(),
                                          "lower": fc["lower"].to_numpy(), "upper": fc["upper"].to_numpy(),
                                          "actual": test.to_numpy(float)}))
    detail = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(
        columns=["horizon", "origin", "model", "interval_start", "forecast", "lower", "upper", "actual"])
    for (name, m), g in detail.groupby(["horizon", "model"], sort=False):
        f, a = g["forecast"].to_numpy(float), g["actual"].to_numpy(float)
        day = np.asarray(pd.DatetimeIndex(g["interval_start"]).tz_convert(timezone).date)
        err = volume_errors(f, a)
        metrics.append({"horizon": name, "model": m, "origins": int(g["origin"].nunique()), "intervals": len(g),
                        **err, "within_share": schedule_forecast_accuracy(f, a, over=within, under=within),
                        "daily_mape": staff_forecast_accuracy(f, a, day).attrs["mean_deviation"],
                        "peak_accuracy": peak_forecast_accuracy(f, a, day, tolerance=within),
                        "pi_coverage": float(((a >= g["lower"]) & (a <= g["upper"])).mean())})
    out = pd.DataFrame(metrics)
    out.attrs.update(timezone=timezone, interval_minutes=interval_minutes, level=level, within=within)
    return Backtest(out, detail, timezone, interval_minutes, level)
