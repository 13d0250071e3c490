"""100 queues × one year of 15-min history, each forecast 6 weeks ahead (issue 4's scale target:
under 60 s on this 2-core machine).

Synthetic queues (seeded): open 07:00–21:00 Mon–Sat (Sunday closed), level 200–5,000 contacts
a day, weekday factors, a two-peaked intraday shape that differs per queue, a monthly cycle,
French public holidays at 15 % volume, Poisson noise, an outage day per queue. Timed per
queue: volume through ``forecasting.forecast`` (the façade: rolling-origin backtest of the
candidates, prediction interval, parameters) and the volume-weighted AHT forecast.
Baseline in the same run: the same work with the weekly seasonal naive model only.

    .venv/bin/python benchmarks/forecast_scale.py [--queues 100] [--workers 2] [--model auto]
"""
from __future__ import annotations

import argparse
import os
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd

TZ = "Europe/Paris"
START, END = pd.Timestamp("2025-09-01", tz=TZ), pd.Timestamp("2026-09-01", tz=TZ)
HORIZON_DAYS = 42


def queue_history(seed: int) -> tuple[pd.Series, pd.Series]:
    """(offered, handle_seconds) per 15-min interval over open hours of one synthetic queue."""
    import holidays as holidays_lib

    rng = np.random.default_rng(seed)
    idx = pd.date_range(START, END, freq="15min", inclusive="left")
    local = idx.tz_convert(TZ)
    minute = np.asarray(local.hour * 60 + local.minute)
    dow = np.asarray(local.day_of_week)
    open_ = (minute >= 420) & (minute < 1260) & (dow < 6)
    idx, minute, dow, day = idx[open_], minute[open_], dow[open_], np.asarray(local.date)[open_]
    h = minute / 60
    p1, p2 = rng.uniform(9.5, 11.5), rng.uniform(13.5, 17)
    shape = np.exp(-((h - p1) / 1.4) ** 2) + rng.uniform(0.4, 1.0) * np.exp(-((h - p2) / 2) ** 2) + 0.1
    shape = np.where(dow == 5, np.exp(-((h - 11) / 2) ** 2) + 0.05, shape)  # Saturday: one late-morning peak
    daily = rng.uniform(200, 5000)
    weekday = np.array([1.25, 1.1, 1.0, 1.0, 0.95, 0.45, 0.0]) * rng.uniform(0.9, 1.1, 7)
    dom = np.array([d.day for d in day])
    month = 1 + 0.06 * np.cos(2 * np.pi * (dom - 1) / 30)
    hol = holidays_lib.France(years=[2025, 2026])
    factor = np.where(np.isin(day, np.array(list(hol), dtype=object)), 0.15, 1.0)
    day_sum = pd.Series(shape).groupby(day).transform("sum").to_numpy()
    lam = daily * weekday[dow] * month * factor * shape / day_sum
    y = rng.poisson(lam).astype(float)
    outage = day == day[len(day) // 2]
    y[outage & (minute >= 600) & (minute < 780)] = 0
    aht = 280 + 40 * np.sin(2 * np.pi * (h - 7) / 14) + rng.normal(0, 15, len(h))
    return pd.Series(y, index=idx), pd.Series(y * aht, index=idx)


def forecast_queue(args: tuple[int, str]) -> tuple[float, str, float]:
    """Forecast one queue; returns (seconds, model chosen, contacts forecast)."""
    import forecasting
    from forecasting.calendar import holiday_day_types

    seed, model = args
    offered, handle = queue_history(seed)
    t0 = time.perf_counter()
    future = pd.date_range(END, END + pd.Timedelta(days=HORIZON_DAYS), freq="15min", inclusive="left")
    local = future.tz_convert(TZ)
    future = future[(local.hour >= 7) & (local.hour < 21)]
    special = holiday_day_types("FR", [2025, 2026])
    vol = forecasting.forecast(offered, future, timezone=TZ, model=model, special_days=special)
    forecasting.forecast_aht(offered, handle, future, timezone=TZ)
    return time.perf_counter() - t0, vol.attrs["model"], float(vol["forecast"].sum())


def run(queues: int, workers: int, model: str) -> tuple[float, list]:
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    t0 = time.perf_counter()
    if workers == 1:
        out = [forecast_queue((q, model)) for q in range(queues)]
    else:
        with ProcessPoolExecutor(workers) as pool:
            out = list(pool.map(forecast_queue, [(q, model) for q in range(queues)]))
    return time.perf_counter() - t0, out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--queues", type=int, default=100)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--model", default="auto")
    args = ap.parse_args()
    n = len(queue_history(0)[0])
    print(f"{args.queues} queues × {n} 15-min intervals of history (1 year, open hours), {HORIZON_DAYS}-day horizon, "
          f"{args.workers} worker process(es)")
    base, _ = run(args.queues, args.workers, "seasonal_naive")
    wall, out = run(args.queues, args.workers, args.model)
    secs = np.array([o[0] for o in out])
    chosen = pd.Series([o[1] for o in out]).value_counts().to_dict()
    print(f"baseline seasonal_naive only: {base:.1f} s wall (history generation included)")
    print(f"model={args.model}: {wall:.1f} s wall; per queue forecast {secs.mean():.2f} s mean, "
          f"{np.percentile(secs, 95):.2f} s p95; ratio to baseline {wall / base:.2f}; chosen {chosen}")


if __name__ == "__main__":
    main()
