"""Per-channel forecasts of the pipeline's forecast stage: outbound connect rate by time of day,
shrinkage by category (planned + unplanned add up to the total)."""
import tomllib
from datetime import date

import numpy as np
import pandas as pd
import pytest

import capacity
from wfm.config import parse_config
from wfm.grid import intervals
from wfm.pipeline import QueuePlan, forecast_queue

CONFIG = """
[[sites]]
id = "paris"
timezone = "Europe/Paris"

[[queues]]
id = "dialler"
site = "paris"
channel = "outbound"
interval_minutes = 60
open_hours = { default = "09:00-18:00", sat = "closed", sun = "closed" }
  [queues.outbound]
  right_party_connect_rate = 0.30
  non_connect_seconds = 30
  utilisation_target = 0.85

[[contracts]]
id = "ft"
"""
TZ = "Europe/Paris"


def history(first: date, days: int, rng) -> pd.DataFrame:
    idx = intervals(first, first + pd.Timedelta(days=days).to_pytimedelta(), TZ, 60)
    local = idx.tz_convert(TZ)
    open_ = (local.hour >= 9) & (local.hour < 18) & (local.day_of_week < 5)
    idx, local = idx[open_], local[open_]
    attempts = np.full(len(idx), 400.0)
    rate = np.where(local.hour < 12, 0.15, np.where(local.hour >= 16, 0.45, 0.30))  # evenings connect more
    connects = rng.binomial(400, rate).astype(float)
    planned = np.round(rng.uniform(0.15, 0.25, len(idx)), 3)
    unplanned = np.round(rng.uniform(0.05, 0.10, len(idx)), 3)
    return pd.DataFrame({"queue_id": "dialler", "interval_start": idx.tz_convert("UTC"), "interval_minutes": 60,
                         "offered": attempts, "answered": connects, "abandoned": np.nan,
                         "answered_within_threshold": np.nan, "handle_seconds": connects * 240.0,
                         "wait_seconds": np.nan, "abandon_wait_seconds": np.nan, "concurrency": np.nan,
                         "shrinkage": planned + unplanned, "shrinkage_planned": planned,
                         "shrinkage_unplanned": unplanned})


def test_outbound_connect_rate_by_time_of_day_drives_the_requirement():
    cfg = parse_config(tomllib.loads(CONFIG))
    q = cfg.queues[0]
    plan = QueuePlan(q, TZ, date(2026, 3, 2), 7, history(date(2026, 1, 5), 56, np.random.default_rng(1)), (), 0,
                     cfg.scheduling, (0.95, 1.15))
    fc = forecast_queue(plan)["forecast"]
    local = pd.DatetimeIndex(fc["interval_start"]).tz_convert(TZ)
    open_ = (local.hour >= 9) & (local.hour < 18) & (local.day_of_week < 5)
    morning = fc["connect_rate"][open_ & (local.hour < 12)]
    evening = fc["connect_rate"][open_ & (local.hour >= 16)]
    assert morning.mean() == pytest.approx(0.15, abs=0.01) and evening.mean() == pytest.approx(0.45, abs=0.01)
    # shrinkage categories forecast separately and adding up to the total
    o = fc[open_]
    assert (o["shrinkage_planned"] + o["shrinkage_unplanned"]).to_numpy() == pytest.approx(o["shrinkage"].to_numpy())
    assert o["shrinkage_planned"].mean() == pytest.approx(0.20, abs=0.01)
    assert "connect rate" in fc["model"].iloc[0] and "planned + unplanned" in fc["model"].iloc[0]
    # the requirement uses each interval's forecast rate: by hand for one evening hour
    req = capacity.requirements(fc, q, open_mask=np.asarray(open_), timezone=TZ)
    i = int(np.flatnonzero(open_ & (local.hour == 17))[0])
    r, a, v = fc["connect_rate"].iloc[i], fc["aht_seconds"].iloc[i], fc["volume"].iloc[i]
    assert req["agents_net"].iloc[i] == np.ceil(v * (r * a + (1 - r) * 30) / (3600 * 0.85) - 1e-9)
    assert "forecast connect rate" in req["model"].iloc[i]
