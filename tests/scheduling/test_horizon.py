"""A queue horizon scheduled with CP-SAT on the real-time axis: DST days, opening hours,
breaks as activities, paid time."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

import scheduling
from wfm.grid import intervals, open_mask

TZ = "Europe/Paris"
LUNCH = scheduling.BreakSpec(30, 180, 300, 360, paid=False, activity="lunch")
OPTS = scheduling.SolveOptions(time_limit_seconds=20, deterministic_time=2.0)


def _design(first, last, hours, req_fn, *, lengths=(480,), breaks=(LUNCH,), step=30, iv=30):
    idx = intervals(first, last, TZ, iv)
    local = idx.tz_convert(TZ)
    mask = open_mask(idx, {"default": hours}, iv)
    req = np.where(mask, [req_fn(t) for t in local], 0).astype(float)
    shifts, cov, rep = scheduling.design_horizon(req, local, iv, shift_lengths_minutes=list(lengths),
                                                 start_step_minutes=step, breaks=list(breaks),
                                                 weights=scheduling.Weights(3, 1), options=OPTS, open_mask=mask)
    return idx, local, mask, req, shifts, cov, rep


def test_spring_forward_night_shift_lasts_eight_real_hours():
    # a 24-hour queue over the night clocks go forward (2026-03-29, Paris): 46 half-hours
    idx, local, mask, req, shifts, cov, rep = _design(date(2026, 3, 28), date(2026, 3, 31), "00:00-24:00",
                                                      lambda t: 2)
    assert (pd.Series(local.date).value_counts()[date(2026, 3, 29)]) == 46
    frames, acts = scheduling.shifts_frames(shifts, local, 30, "q")
    spans = (frames["end"] - frames["start"]).dt.total_seconds()
    assert (spans == 8 * 3600).all()  # eight real hours even across the missing hour
    assert (frames["paid_seconds"] == 7.5 * 3600).all()  # the unpaid lunch is not paid
    lunches = acts[acts["activity"] == "lunch"]
    assert len(lunches) == len(frames)
    offset = (lunches.set_index("shift_key")["start"] - frames.set_index("shift_key")["start"]).dt.total_seconds()
    assert offset.between(3 * 3600, 5 * 3600).all()
    # coverage reported = coverage rebuilt from the activity frames (breaks excluded)
    assert np.allclose(scheduling.coverage_from_activities(acts, idx, 30), cov)


def test_nobody_is_scheduled_while_closed_and_breaks_stagger():
    idx, local, mask, req, shifts, cov, rep = _design(
        date(2026, 1, 5), date(2026, 1, 6), "08:00-20:00", lambda t: 6 if 10 <= t.hour < 16 else 3)
    assert rep["status"] in ("optimal", "feasible")
    assert (cov[~mask] == 0).all()
    assert all(mask[s.start] and mask[s.end - 1] for s in shifts)
    # 6 agents needed over the midday: lunches must not all fall in the same half-hour
    lunch_slots = [b[0] for s in shifts for b in s.breaks]
    assert max(np.bincount(lunch_slots)) < len(shifts)
    short = int(np.maximum(req - cov, 0).sum())
    assert short == rep["components"]["under_minutes"] // 30


def test_fifteen_minute_rest_breaks_only_where_the_grid_can_hold_them():
    rest = scheduling.BreakSpec(15, 90, 150, 360, paid=True, activity="break")
    *_, shifts15, _, rep15 = _design(date(2026, 1, 5), date(2026, 1, 6), "08:00-20:00", lambda t: 3,
                                     breaks=(LUNCH, rest), iv=15)
    assert all(sorted(b[2] for b in s.breaks) == ["break", "lunch"] for s in shifts15)
    *_, shifts30, _, rep30 = _design(date(2026, 1, 5), date(2026, 1, 6), "08:00-20:00", lambda t: 3,
                                     breaks=(LUNCH, rest), iv=30)
    assert all([b[2] for b in s.breaks] == ["lunch"] for s in shifts30)
    assert any("15-min break is not a whole number of 30-min intervals" in n for n in rep30["notes"])


def test_contract_caps_keep_every_designed_shift_staffable():
    """Evening demand: full-timers (8 h, start 07:00–12:00, 6 a day) and part-timers (4 h, any
    start, 5 a day, none on Wednesday). Without caps the design uses late 8-h shifts no contract
    allows; with them every shift fits a contract, and no day asks more of a contract set than
    it has agents (Hall's condition, checked by brute force here)."""
    groups = [scheduling.ContractGroup(6, (6,) * 7, (480,), 7 * 60, 12 * 60, 5),
              scheduling.ContractGroup(5, (5, 5, 0, 5, 5, 5, 5), (240,), 0, 23 * 60 + 59, 5)]
    idx = intervals(date(2026, 1, 5), date(2026, 1, 8), TZ, 30)
    local = idx.tz_convert(TZ)
    mask = open_mask(idx, {"default": "08:00-22:00"}, 30)
    req = np.where(mask, [8 if t.hour >= 15 else 3 for t in local], 0).astype(float)

    def design(caps):
        return scheduling.design_horizon(req, local, 30, shift_lengths_minutes=[240, 480], start_step_minutes=30,
                                         breaks=[], weights=scheduling.Weights(3, 1), options=OPTS, open_mask=mask,
                                         contract_groups=groups if caps else None)

    def allowed(s):
        minute, minutes = local[s.start].hour * 60 + local[s.start].minute, (s.end - s.start) * 30
        return {i for i, g in enumerate(groups) if minutes in g.lengths_minutes
                and g.earliest_start_minute <= minute <= g.latest_start_minute}

    free, _, _ = design(False)
    assert any(not allowed(s) for s in free)  # the uncapped design asks for shifts nobody can work
    capped, cov, rep = design(True)
    assert rep["status"] in ("optimal", "feasible") and capped
    assert all(allowed(s) for s in capped)
    for d in sorted(set(local.date)):
        day_shifts = [allowed(s) for s in capped if local[s.start].date() == d]
        for K in ({0}, {1}, {0, 1}):
            need = sum(1 for a in day_shifts if a <= K)
            assert need <= sum(groups[i].available_by_weekday[d.weekday()] for i in K)
    wed = [s for s in capped if local[s.start].date() == date(2026, 1, 7)]
    assert all(allowed(s) == {0} for s in wed)  # no part-timer on Wednesday
