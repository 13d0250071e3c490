"""Next-week interval WAPE on the two real centres of ../shared/data/ (not copied here),
rolling origin over the last 8 weeks, against weekly seasonal naive in the same run.

First version: our models only (recent same-slot average, daily total x intraday profile,
their ensemble) vs seasonal naive. The comparison with statsforecast MSTL / AutoETS, the
other horizons and the holiday calendars are still to come (issue 4).

    .venv/bin/python benchmarks/forecast_real_data.py
"""
from pathlib import Path

import time

import numpy as np
import pandas as pd

from forecasting.naive import SeasonalNaive
from forecasting.profile import DailyProfile, RecentSlotAverage

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"

def load(path, tz, minutes, col="calls"):
    d = pd.read_csv(path)
    ts = pd.to_datetime(d["datetime"]).dt.tz_localize(tz, ambiguous="NaT", nonexistent="NaT")
    s = pd.Series(d[col].to_numpy(float), index=ts)
    s = s[s.index.notna()]
    local = s.index.tz_convert(tz)
    key = local.floor(f"{minutes}min", ambiguous="NaT", nonexistent="NaT")
    return s.groupby(key).sum()

def evaluate(s, tz, origins, horizon_days=7):
    res = {}
    for name, make in {"naive": lambda: SeasonalNaive(tz), "slot": lambda: RecentSlotAverage(tz),
                       "profile": lambda: DailyProfile(tz)}.items():
        errs, tot = 0.0, 0.0
        t0 = time.perf_counter()
        for o in origins:
            train = s[s.index < o]
            test = s[(s.index >= o) & (s.index < o + pd.Timedelta(days=horizon_days))]
            m = make().fit(train)
            p = m.predict(test.index)
            p = p["forecast"].to_numpy() if isinstance(p, pd.DataFrame) else p
            errs += np.abs(p - test.to_numpy()).sum(); tot += test.sum()
        res[name] = (errs / tot, time.perf_counter() - t0)
    ens_err = 0.0; tot = 0.0
    for o in origins:
        train = s[s.index < o]
        test = s[(s.index >= o) & (s.index < o + pd.Timedelta(days=horizon_days))]
        p = 0.5 * RecentSlotAverage(tz).fit(train).predict(test.index) + 0.5 * DailyProfile(tz).fit(train).predict(test.index)
        ens_err += np.abs(p - test.to_numpy()).sum(); tot += test.sum()
    res["ensemble"] = (ens_err / tot, 0)
    return res


def main() -> None:
    us = load(str(DATA / "us_bank_2003_5min.csv"), "America/New_York", 15)
    il = load(str(DATA / "il_bank_1999_6min.csv"), "Asia/Jerusalem", 30)
    for name, s, tz in (("us", us, "America/New_York"), ("il", il, "Asia/Jerusalem")):
        end = s.index.max()
        origins = [pd.Timestamp((end - pd.Timedelta(weeks=k)).tz_convert(tz).normalize()) for k in range(8, 0, -1)]
        print(name, {k: (round(v[0], 4), round(v[1], 2)) for k, v in evaluate(s, tz, origins).items()})


if __name__ == "__main__":
    main()
