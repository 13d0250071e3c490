"""Weekly totals 12–18 months ahead, for capacity plans (hiring and training lead times).

The week's calendar is handled by the day-type model's daily part
(:meth:`forecasting.DayTypeModel.fit_daily`): weekday factors, the monthly cycle, holidays,
eves and closed days. What remains — the underlying weekly level — is what moves over months,
so it alone is extrapolated: a statsmodels ``ETSModel`` on the log of the deseasonalised
weekly level, with an additive damped trend from 12 full weeks of history, and a 52-week
yearly season when the history holds two full years (otherwise none: a season cannot be
learned from one cycle). At least 4 full weeks are needed. The forecast of a
week = its level × the sum of its days' calendar factors, so a week with Christmas or a
bank holiday gets fewer contacts than its neighbours. Prediction intervals come from the
ETS model's forecast variance (log scale) and widen with the horizon.
"""

from __future__ import annotations

import warnings
from datetime import date, timedelta
from typing import Iterable, Mapping

import numpy as np
import pandas as pd

from forecasting.daily import DayTypeModel


MIN_WEEKS = 4
"full weeks of history below which no weekly forecast is made"
TREND_WEEKS = 12
"full weeks of history from which a (damped) trend is fitted"


def _week_start(d: date) -> date:
    return d - timedelta(days=d.weekday())


def weekly_totals(history: pd.Series, *, timezone: str, weeks: int = 78,
                  special_days: Mapping[date, str] | Iterable[date] | None = None,
                  prior_factors: Mapping[str, float] | None = None, level: float = 0.8) -> pd.DataFrame:
    """Contacts per local week (Monday start) for the ``weeks`` weeks after the last full week
    of ``history`` (contacts per interval start, tz-aware, or per local day with a date index).
    Returns ``forecast``, ``lower``, ``upper`` (central ``level`` interval) indexed by week
    start; ``attrs`` record the model, whether a yearly season was used and the weeks fitted."""
    if weeks < 1:
        raise ValueError(f"weeks must be at least 1, got {weeks}")
    h = history.dropna()
    if h.empty:
        raise ValueError("history is empty: nothing to forecast from")
    if isinstance(h.index, pd.DatetimeIndex) and h.index.tz is not None:
        local = np.asarray(h.index.tz_convert(timezone).date)
        daily = pd.Series(h.to_numpy(float)).groupby(local).sum()
    else:
        daily = pd.Series(h.to_numpy(float), index=[pd.Timestamp(d).date() for d in h.index]).groupby(level=0).sum()
    first, last = min(daily.index), max(daily.index)
    # full weeks only, and every calendar day present (a day without data is a closed day: 0)
    start = _week_start(first) + (timedelta(weeks=1) if first.weekday() else timedelta(0))
    end = _week_start(last + timedelta(days=1))  # first day of the first week not fully seen
    days = [start + timedelta(days=i) for i in range((end - start).days)]
    if len(days) < 7 * MIN_WEEKS:
        raise ValueError(f"need at least {MIN_WEEKS} full weeks of history for weekly totals, got {len(days) // 7}")
    daily = daily.reindex(days, fill_value=0.0)
    model = DayTypeModel(timezone, special_days, prior_factors=prior_factors).fit_daily(daily)
    # calendar factor of every day (level 0 on log scale): past for deseasonalising, future for totals
    future_days = [end + timedelta(days=i) for i in range(7 * weeks)]
    cal = model.daily_totals(days + future_days) / np.exp(model.level_)
    past = pd.DataFrame({"y": daily.to_numpy(), "cal": cal.reindex(days).to_numpy(),
                         "week": [_week_start(d) for d in days]}).groupby("week").sum()
    usable = past[(past["cal"] > 0) & (past["y"] > 0)]
    level_w = np.log(usable["y"] / usable["cal"])
    seasonal = len(level_w) >= 104
    trend = len(level_w) >= TREND_WEEKS
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = ETSModel(pd.Series(level_w.to_numpy()), error="add", trend="add" if trend else None, damped_trend=trend,
                       seasonal="add" if seasonal else None, seasonal_periods=52 if seasonal else None).fit(disp=False)
        pred = fit.get_prediction(start=len(level_w), end=len(level_w) + weeks - 1).summary_frame(alpha=1 - level)
    future_weeks = [end + timedelta(weeks=k) for k in range(weeks)]
    cal_w = pd.DataFrame({"cal": cal.reindex(future_days).to_numpy(),
                          "week": [_week_start(d) for d in future_days]}).groupby("week")["cal"].sum()
    cal_w = cal_w.reindex(future_weeks).to_numpy()
    out = pd.DataFrame({"forecast": np.exp(pred["mean"].to_numpy()) * cal_w,
                        "lower": np.exp(pred["pi_lower"].to_numpy()) * cal_w,
                        "upper": np.exp(pred["pi_upper"].to_numpy()) * cal_w},
                       index=pd.Index(future_weeks, name="week_start"))
    out.attrs.update(model="weekly level: statsmodels ETSModel (additive error, "
                     + ("damped additive trend" if trend else f"no trend: under {TREND_WEEKS} weeks of history")
                     + (", 52-week season" if seasonal else ", no season: under two years of history") + ") on log "
                     "level; calendar: day-type model (weekday, monthly cycle, holidays)", yearly_season=seasonal,
                     weeks_fitted=int(len(level_w)), level=level, timezone=timezone,
                     damping=float(getattr(fit, "damping_trend", np.nan)))
    return out
