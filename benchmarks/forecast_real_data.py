"""Rolling-origin forecast accuracy on the two real centres of ../shared/data/ (not copied here).

Horizons (every origin at local midnight, models refitted on the history before it):

* ``next_day``   — the next day at interval level, one origin per day of the last 3 weeks;
* ``next_week``  — the next 7 days at interval level, one origin per week over the last 8 weeks;
* ``4w_daily``   — the next 28 daily totals, one origin per week, 6 origins ending 4 weeks
  before the end of the data.

Models, all run in this script on the same origins:

* ``seasonal_naive`` — same local weekday and time one week earlier (same weekday for daily);
* ``mstl`` — statsforecast MSTL, seasons = a day and a week of intervals (weekly of days at
  daily level), trend by its default AutoETS(ZZN);
* ``autoets`` — statsforecast AutoETS; daily horizon only, season = the centre's week in
  days (statsforecast's ETS allows no season longer than 24, so it cannot hold an intraday
  cycle of 48/57 intervals);
* ``ours`` — ``forecasting.DayTypeModel`` with the country's holiday calendar
  (``forecasting.holiday_day_types``): the only model that knows holidays, which is the point.

statsforecast needs a gap-free series: the US weekdays-only series is fed as consecutive
open intervals (57 a day, 285 a week of 5 days) with the 4 missing weekdays filled by the
same slots a week earlier; the Israeli 24-h series is complete. Our model gets the raw
history with its gaps. WAPE = Σ|F − A| ÷ ΣA over all origins; seconds = total fit + predict.

    .venv/bin/python benchmarks/forecast_real_data.py [--quick]
"""
from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from forecasting import DayTypeModel, forecast, holiday_day_types

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
CENTRES = {"us_bank_15min": ("us_bank_2003_5min.csv", "America/New_York", 15, "US"),
           "il_bank_30min": ("il_bank_1999_6min.csv", "Asia/Jerusalem", 30, "IL")}


def load(path: Path, tz: str, minutes: int) -> pd.Series:
    """Counts per ``minutes``-interval, indexed by tz-aware interval start (local grid)."""
    d = pd.read_csv(path)
    ts = pd.to_datetime(d["datetime"]).dt.tz_localize(tz, ambiguous="NaT", nonexistent="NaT")
    s = pd.Series(d["calls"].to_numpy(float), index=ts)
    s = s[s.index.notna()]
    key = s.index.floor(f"{minutes}min", ambiguous="NaT", nonexistent="NaT")
    return s.groupby(key).sum()


def wide(s: pd.Series, tz: str) -> pd.DataFrame:
    """day × local minute table (fall-back repeats averaged)."""
    local = s.index.tz_convert(tz)
    f = pd.DataFrame({"y": s.to_numpy(), "day": local.date, "minute": local.hour * 60 + local.minute})
    return f.groupby(["day", "minute"])["y"].mean().unstack()


def contiguous(train: pd.Series, tz: str, open_weekdays: list[int]) -> tuple[np.ndarray, int, int, list]:
    """Gap-free array for statsforecast: every open day × every slot ever seen, missing days
    filled by the same weekday a week earlier. Returns (y, slots per day, days per week, slots)."""
    w = wide(train, tz)
    slots = list(w.columns)
    days = pd.date_range(min(w.index), max(w.index), freq="D").date
    days = [d for d in days if d.weekday() in open_weekdays]
    w = w.reindex(days)
    per_week = len(open_weekdays)
    vals = w.to_numpy()
    for i in range(len(vals)):
        miss = ~np.isfinite(vals[i])
        if miss.any():
            vals[i, miss] = vals[i - per_week, miss] if i >= per_week else np.nanmean(vals[:, miss], axis=0)
    vals = np.nan_to_num(vals)
    return vals.reshape(-1), len(slots), per_week, slots


def interval_truth(s: pd.Series, start, days: int) -> pd.Series:
    end = start + pd.Timedelta(days=days)
    return s[(s.index >= start) & (s.index < end)]


def run_interval(s, tz, country, origins, days, models):
    cal = holiday_day_types(country, range(1998, 2005))
    open_wd = sorted({d.weekday() for d in wide(s, tz).index})
    err = {m: 0.0 for m in models}
    secs = {m: 0.0 for m in models}
    total = 0.0
    for o in origins:
        train, test = s[s.index < o], interval_truth(s, o, days)
        if test.empty:
            continue
        a = test.to_numpy()
        total += a.sum()
        local = test.index.tz_convert(tz)
        keys = list(zip(local.date, local.hour * 60 + local.minute))
        for m in models:
            t0 = time.perf_counter()
            if m == "ours":
                f = DayTypeModel(tz, cal).fit(train).predict(test.index)
            elif m == "seasonal_naive":
                w = wide(train, tz)
                look = {}
                for d in set(local.date):
                    src = d - pd.Timedelta(days=7).to_pytimedelta()
                    while src not in w.index and src > w.index[0]:
                        src -= pd.Timedelta(days=7).to_pytimedelta()
                    look[d] = src
                f = np.array([w.at[look[d], mi] if look[d] in w.index and mi in w.columns else 0.0
                              for d, mi in keys])
                f = np.nan_to_num(f)
            elif m == "mstl":
                from statsforecast.models import MSTL
                y, spd, per_week, slots = contiguous(train, tz, open_wd)
                fdays = [d for d in pd.date_range(o.tz_convert(tz).date(), periods=days, freq="D").date
                         if d.weekday() in open_wd]
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    mean = MSTL(season_length=[spd, spd * per_week]).forecast(y=y, h=spd * len(fdays))["mean"]
                table = pd.DataFrame(mean.reshape(len(fdays), spd), index=fdays, columns=slots)
                f = np.array([table.at[d, mi] if d in table.index and mi in table.columns else 0.0 for d, mi in keys])
                f = np.maximum(f, 0.0)
            secs[m] += time.perf_counter() - t0
            err[m] += np.abs(f - a).sum()
    return {m: (err[m] / total, secs[m]) for m in models}


def run_daily(s, tz, country, origins, days, models):
    cal = holiday_day_types(country, range(1998, 2005))
    w = wide(s, tz)
    totals = w.sum(axis=1, min_count=1)
    open_wd = sorted({d.weekday() for d in totals.index})
    err = {m: 0.0 for m in models}
    secs = {m: 0.0 for m in models}
    total = 0.0
    for o in origins:
        od = o.tz_convert(tz).date()
        hist = totals[totals.index < od]
        fut = totals[(totals.index >= od) & (totals.index < od + pd.Timedelta(days=days).to_pytimedelta())]
        a = fut.to_numpy()
        total += a.sum()
        alldays = [d for d in pd.date_range(min(hist.index), od - pd.Timedelta(days=1), freq="D").date
                   if d.weekday() in open_wd]
        y = hist.reindex(alldays)
        per_week = len(open_wd)
        yv = y.to_numpy(float)
        for i in range(len(yv)):
            if not np.isfinite(yv[i]):
                yv[i] = yv[i - per_week] if i >= per_week else np.nanmean(yv)
        fdays = [d for d in pd.date_range(od, periods=days, freq="D").date if d.weekday() in open_wd]
        for m in models:
            t0 = time.perf_counter()
            if m == "ours":
                f = DayTypeModel(tz, cal).fit_daily(hist).daily_totals(fut.index).to_numpy()
            else:
                if m == "seasonal_naive":
                    fc = np.array([yv[len(yv) - per_week + (i % per_week)] for i in range(len(fdays))])
                else:
                    from statsforecast.models import MSTL, AutoETS
                    model = MSTL(season_length=per_week) if m == "mstl" else AutoETS(season_length=per_week)
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        fc = model.forecast(y=yv, h=len(fdays))["mean"]
                f = pd.Series(fc, index=fdays).reindex(fut.index).to_numpy()
            secs[m] += time.perf_counter() - t0
            err[m] += np.abs(f - a).sum()
    return {m: (err[m] / total, secs[m]) for m in models}


def pi_coverage(s, tz, country, origins, days, level=0.8) -> float:
    """Share of actual intervals inside the façade's ``level`` prediction interval
    (``forecasting.forecast``, day-type model, intervals from its own backtest residuals)."""
    cal = holiday_day_types(country, range(1998, 2005))
    inside = n = 0
    for o in origins:
        train, test = s[s.index < o], interval_truth(s, o, days)
        fc = forecast(train, test.index, timezone=tz, model="day_type_profile", special_days=cal, level=level)
        a = test.to_numpy()
        inside += int(((a >= fc["lower"].to_numpy()) & (a <= fc["upper"].to_numpy())).sum())
        n += len(a)
    return inside / n


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="ours and seasonal naive only")
    ap.add_argument("--shift-weeks", type=int, default=0,
                    help="move every origin this many weeks earlier (a hold-out check on origins the "
                         "model's settings were not chosen on)")
    args = ap.parse_args()
    rows = []
    for name, (file, tz, minutes, country) in CENTRES.items():
        s = load(DATA / file, tz, minutes)
        end = s.index.max().tz_convert(tz).date() + pd.Timedelta(days=1 - 7 * args.shift_weeks).to_pytimedelta()
        open_wd = sorted({d.weekday() for d in wide(s, tz).index})

        def midnight(days_before: int) -> pd.Timestamp:
            return pd.Timestamp(end - pd.Timedelta(days=days_before).to_pytimedelta()).tz_localize(tz)
        day_origins = [midnight(k) for k in range(21, 0, -1) if midnight(k).weekday() in open_wd]
        week_origins = [midnight(7 * k) for k in range(8, 0, -1)]
        month_origins = [midnight(7 * k) for k in range(9, 3, -1)]
        base = ["seasonal_naive", "ours"] + ([] if args.quick else ["mstl"])
        for horizon, res in (("next_day", run_interval(s, tz, country, day_origins, 1, base)),
                             ("next_week", run_interval(s, tz, country, week_origins, 7, base)),
                             ("4w_daily", run_daily(s, tz, country, month_origins, 28,
                                                    base + ([] if args.quick else ["autoets"])))):
            for m, (wape, secs) in res.items():
                rows.append({"centre": name, "horizon": horizon, "model": m, "wape": wape, "seconds": secs})
            print(name, horizon, {m: (round(v[0], 4), round(v[1], 2)) for m, v in res.items()}, flush=True)
        print(name, "next_week 80% prediction interval coverage:",
              round(pi_coverage(s, tz, country, week_origins, 7), 3), flush=True)
    t = pd.DataFrame(rows)
    piv = t.pivot_table(index=["centre", "horizon"], columns="model", values="wape")
    piv["vs_naive"] = 1 - piv["ours"] / piv["seasonal_naive"]
    if "mstl" in piv:
        piv["vs_mstl"] = 1 - piv["ours"] / piv["mstl"]
    print()
    print(piv.round(4).to_string())
    print()
    print(t.pivot_table(index=["centre", "horizon"], columns="model", values="seconds").round(2).to_string())


if __name__ == "__main__":
    main()
