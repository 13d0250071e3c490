from datetime import date

import numpy as np
import pandas as pd

import scheduling
from wfm.grid import intervals, open_mask
from wfm.model import Contract

TZ = "Europe/Paris"
RULES = scheduling.ShiftRules(shift_lengths_minutes=(240, 480), start_step_minutes=30, lunch_minutes=30,
                              lunch_after_minutes=360)


def _day(req_by_hour, day=date(2026, 1, 5)):
    idx = intervals(day, day.replace(day=day.day + 1), TZ, 30)
    local = idx.tz_convert(TZ)
    req = np.array([req_by_hour.get(h, 0) for h in local.hour], dtype=float)
    mask = open_mask(idx, {"default": "07:00-21:00"}, 30)
    return idx, req, mask


def test_cover_meets_every_open_interval_and_respects_rules():
    idx, req, mask = _day({7: 3, 8: 8, 9: 12, 10: 15, 11: 12, 12: 9, 13: 10, 14: 14, 15: 12, 16: 8, 17: 6,
                           18: 4, 19: 3, 20: 2})
    shifts, coverage = scheduling.cover(req, idx, 30, RULES, mask)
    assert (coverage >= req).all()
    assert (coverage[~mask] == 0).all()
    sdf, acts = scheduling.shifts_frames(shifts, idx, 30, "q")
    # independent recount of coverage from the activity blocks
    recount = scheduling.coverage_from_activities(acts, idx, 30)
    np.testing.assert_allclose(recount, coverage)
    local_start = pd.DatetimeIndex(sdf["start"]).tz_convert(TZ)
    assert set(((sdf["end"] - sdf["start"]).dt.total_seconds() / 60).astype(int)) <= {240, 480}
    assert (local_start.minute % 30 == 0).all() and (local_start.hour >= 7).all()
    assert (pd.DatetimeIndex(sdf["end"]).tz_convert(TZ).hour <= 21).all()
    long = sdf[(sdf["end"] - sdf["start"]) >= pd.Timedelta(hours=6)]
    lunches = acts[acts["activity"] == "lunch"]
    assert len(lunches) == len(long)
    assert set(sdf.loc[sdf["end"] - sdf["start"] < pd.Timedelta(hours=6), "paid_seconds"]) <= {4 * 3600.0}
    assert set(long["paid_seconds"]) == {7.5 * 3600}
    # lunches are staggered, not all at one time
    assert lunches["start"].nunique() > 1


def test_cover_handles_dst_day():
    idx = intervals(date(2026, 3, 29), date(2026, 3, 30), TZ, 30)
    req = np.where(open_mask(idx, {"default": "08:00-20:00"}, 30), 5.0, 0.0)
    shifts, coverage = scheduling.cover(req, idx, 30, RULES, req > 0)
    assert len(idx) == 46 and (coverage >= req).all()


def _Agent(id, skills, days_off=()):
    return scheduling.RosterAgent(id, "s", tuple(skills), tuple(days_off),
                                  Contract(id="c", shift_lengths_minutes=[480], days_per_week_max=5,
                                           weekly_hours_max=40, min_rest_hours=11, earliest_start="06:00",
                                           latest_start="14:00"))


def test_assignment_respects_hard_rules():
    rows = []
    for d in range(7):  # one 07:00 and one 13:00 8-hour shift every day of a week
        for h in (7, 13):
            start = pd.Timestamp(f"2026-01-{5 + d:02d} {h:02d}:00", tz=TZ).tz_convert("UTC")
            rows.append((len(rows), "q", None, start, start + pd.Timedelta(hours=8), 7.5 * 3600))
    rows.append((len(rows), "other", None, rows[0][3], rows[0][4], 7.5 * 3600))   # nobody has this skill
    late = pd.Timestamp("2026-01-06 15:00", tz=TZ).tz_convert("UTC")
    rows.append((len(rows), "q", None, late, late + pd.Timedelta(hours=8), 7.5 * 3600))  # after latest start
    shifts = pd.DataFrame(rows, columns=["shift_key", "queue_id", "agent_id", "start", "end", "paid_seconds"])
    agents = [_Agent(f"a{i}", ["q"], days_off=["sun"] if i == 0 else []) for i in range(4)]
    out, open_shifts = scheduling.assign_agents(shifts, agents, {"s": TZ})
    assert pd.isna(out["agent_id"].iloc[14]) and pd.isna(out["agent_id"].iloc[15])
    got = out.dropna(subset=["agent_id"])
    for aid, g in got.groupby("agent_id"):
        local = pd.DatetimeIndex(g["start"]).tz_convert(TZ)
        assert local.normalize().is_unique                      # one shift a day
        assert len(g) <= 5 and g["paid_seconds"].sum() / 3600 <= 40
        s = g.sort_values("start")
        gaps = (s["start"].iloc[1:].to_numpy() - s["end"].iloc[:-1].to_numpy()) / np.timedelta64(1, "h")
        assert (gaps >= 11).all()                               # minimum rest
        if aid == "a0":
            assert not (local.day_of_week == 6).any()            # day off honoured
    assert open_shifts == int(out["agent_id"].isna().sum())
