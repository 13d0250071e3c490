"""Intraday re-plan from a published day schedule: a busy morning leads to overtime and moved
breaks for the rest of the day; the past is never changed."""
import tomllib

import numpy as np
import pandas as pd

from realtime import day_shifts, replan_rest_of_day
from scheduling.design import SolveOptions
from wfm.config import parse_config

CONFIG = """
[[sites]]
id = "paris"
timezone = "Europe/Paris"

[[queues]]
id = "voice"
site = "paris"
channel = "voice"
interval_minutes = 30
open_hours = { default = "08:00-20:00" }
  [queues.targets]
  service_level = 0.80
  service_level_threshold_seconds = 20

[[contracts]]
id = "ft"

[scheduling]
lunch_minutes = 30
lunch_earliest_offset_minutes = 180
lunch_latest_offset_minutes = 300
"""
TZ = "Europe/Paris"
DAY = pd.Timestamp("2026-03-10", tz=TZ)


def schedule(n_early=12, n_late=12) -> pd.DataFrame:
    """Early shifts 08:00-16:30 (lunch 12:00), late 11:30-20:00 (lunch 15:00)."""
    rows = []
    for i in range(n_early + n_late):
        early = i < n_early
        start = DAY + pd.Timedelta(hours=8 if early else 11.5)
        lunch = start + pd.Timedelta(hours=4 if early else 3.5)
        end = start + pd.Timedelta(hours=8.5)
        for a, b, act in ((start, lunch, "on_contact"), (lunch, lunch + pd.Timedelta(minutes=30), "lunch"),
                          (lunch + pd.Timedelta(minutes=30), end, "on_contact")):
            rows.append({"agent_id": f"a{i:02d}", "start": a.tz_convert("UTC"), "end": b.tz_convert("UTC"),
                         "activity": act})
    return pd.DataFrame(rows)


def test_busy_morning_gives_overtime_and_moved_breaks_never_touching_the_past():
    cfg = parse_config(tomllib.loads(CONFIG))
    q = cfg.queues[0]
    idx = pd.date_range(DAY + pd.Timedelta(hours=8), DAY + pd.Timedelta(hours=20), freq="30min", inclusive="left")
    fc = pd.DataFrame({"interval_start": idx.tz_convert("UTC"), "volume": 60.0, "aht_seconds": 300.0,
                       "shrinkage": 0.0, "concurrency": 1.0})
    now = DAY + pd.Timedelta(hours=11)
    past = idx[idx < now]
    actuals = pd.DataFrame({"interval_start": past.tz_convert("UTC"), "offered": 90.0, "answered": 88.0,
                            "handle_seconds": 88.0 * 300})
    seg = schedule()
    rep = replan_rest_of_day(q, fc, actuals, seg, now, timezone=TZ, rules=cfg.scheduling,
                             available_codes=["on_contact"],
                             options=SolveOptions(time_limit_seconds=20, workers=1, deterministic_time=2.0))
    s = rep.summary
    assert s["status"] in ("optimal", "feasible") and s["volume_significant"] and s["volume_ratio"] == 1.5
    # scheduled before = agents on contact at each interval start, counted from the segments directly
    on = seg[seg["activity"] == "on_contact"]
    direct = [int(((on["start"] <= t) & (on["end"] > t)).sum()) for t in idx.tz_convert("UTC")]
    assert rep.intervals["scheduled_before"].tolist() == direct
    # the past is frozen
    el = rep.intervals["elapsed"].to_numpy()
    assert el.sum() == 6
    assert (rep.intervals["scheduled_after"][el] == rep.intervals["scheduled_before"][el]).all()
    # fewer short agent-minutes after, by overtime (the morning ran 50 % above forecast)
    assert s["short_agent_minutes_after"] < s["short_agent_minutes_before"]
    assert s["overtime_minutes"] > 0  # (and VTO where early and late shifts overlap beyond the need)
    assert (rep.changes["change"].str.startswith("overtime")).any()
    # every suggested time is local and from now on
    for col in ("from", "to"):
        times = pd.to_datetime(rep.changes[col].dropna(), utc=False)
        assert all(pd.Timestamp(x).utcoffset() == pd.Timedelta(hours=1) for x in rep.changes[col].dropna())
        assert (pd.DatetimeIndex([pd.Timestamp(x) for x in rep.changes[col].dropna()]) >= now).all(), times
    moved = rep.changes[rep.changes["change"] == "move break"]
    for r in moved.itertuples():  # a lunch moves only inside its window (shift start + 3 h … + 5 h)
        start = seg[seg["agent_id"] == r.agent_id]["start"].min().tz_convert(TZ)
        assert start + pd.Timedelta(hours=3) <= pd.Timestamp(r.to) <= start + pd.Timedelta(hours=5)


def test_breaks_off_the_grid_stay_put_and_are_reported():
    cfg = parse_config(tomllib.loads(CONFIG))
    seg = schedule(1, 0)
    seg.loc[seg["activity"] == "lunch", "start"] += pd.Timedelta(minutes=10)
    idx = pd.date_range(DAY + pd.Timedelta(hours=8), DAY + pd.Timedelta(hours=20), freq="30min", inclusive="left")
    shifts, notes = day_shifts(seg, idx, 30, cfg.scheduling, ["on_contact"])
    (s,) = shifts
    assert s.start == 0 and s.end == 17
    (b,) = s.breaks
    assert b[2] == b[3] == b[0]  # fixed: no window
    assert notes and "off the interval grid" in notes[0]
    assert np.isfinite(b[1])
