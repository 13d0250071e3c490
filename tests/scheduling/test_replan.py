"""Intraday re-plan: breaks move, overtime and VTO are suggested, the past stays frozen."""

from __future__ import annotations

import numpy as np

from scheduling.replan import DayShift, replan_day


def _agents(n, breaks_at, start=16, end=32, window=(22, 26)):
    return [DayShift(f"a{i}", start, end, ((b, 1, *window),)) for i, b in zip(range(n), breaks_at)]


def test_breaks_that_collide_are_staggered_and_the_past_is_frozen():
    req = np.zeros(48, int)
    req[16:32] = 3
    shifts = _agents(4, [24, 24, 24, 24])
    shifts[0] = DayShift("a0", 16, 32, ((19, 1, 18, 20),))  # a break already taken before now
    res = replan_day(shifts, req, now=21, interval_minutes=30, max_overtime_slots=0)
    assert res.short_before == 2  # slot 24: 3 agents on break together leave 1 of 3 needed
    assert res.short_after == 0
    moved = {c["agent_id"] for c in res.changes if c["breaks_moved"]}
    assert "a0" not in moved and len(moved) >= 2
    starts = sorted(s.breaks[0][0] for s in res.shifts[1:])
    assert len(set(starts)) == 3 and all(22 <= b <= 26 and b >= 21 for b in starts)
    assert res.shifts[0].breaks[0][0] == 19


def test_overtime_covers_a_late_peak_and_vto_releases_a_surplus():
    req = np.zeros(48, int)
    req[16:32] = 2
    req[32:34] = 2   # demand runs an hour past the shifts' end
    shifts = _agents(2, [22, 26])
    res = replan_day(shifts, req, now=20, interval_minutes=30, max_overtime_slots=2)
    assert res.short_after < res.short_before
    assert sum(c["overtime_minutes"] for c in res.changes) > 0

    req2 = np.zeros(48, int)
    req2[16:28] = 3
    req2[28:32] = 1  # the afternoon collapses: two of three agents are surplus from 14:00
    res2 = replan_day(_agents(3, [22, 23, 24]), req2, now=20, interval_minutes=30, max_overtime_slots=0)
    assert sum(c["vto_minutes"] for c in res2.changes) == 2 * 4 * 30
    assert res2.over_after == 0 and res2.short_after == res2.short_before
