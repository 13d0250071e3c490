"""Intraday re-plan for the desk: from the day's published schedule, the plan's forecast and
the actuals so far, suggest what to change for the rest of the day.

1. :func:`realtime.intraday_signals` re-forecasts volume and AHT for the rest of the day and
   recomputes the net requirement (agents on contacts) with the queue's model and targets;
2. the day's schedule becomes :class:`scheduling.replan.DayShift` s: each agent's shift on the
   interval grid, its breaks and lunches (movable inside the window of their rule in
   ``[scheduling]``; other off-phone activities — meetings, training — stay where they are);
3. :func:`scheduling.replan_day` re-optimises from ``now`` with the past frozen: breaks moved,
   overtime (shift extended, or started earlier if not started) and voluntary time off.

Everything is a suggestion: nothing is stored. Changes are returned as timestamps in the
queue's timezone, with the under/over-staffing (agent-minutes, from ``now`` on) before and
after.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

import numpy as np
import pandas as pd

from realtime.signals import intraday_signals
from scheduling.design import SolveOptions
from scheduling.replan import DayShift, day_coverage, replan_day


@dataclass
class ReplanReport:
    """``intervals``: per interval start (UTC) ``elapsed``, ``required_net`` (re-forecast),
    ``scheduled_before`` / ``scheduled_after`` (agents on contacts); ``changes``: one row per
    suggested change (``agent_id, change, from, to, minutes``; times local ISO); ``summary``:
    status, short/over agent-minutes before and after, overtime and VTO minutes, the
    re-forecast ratios; ``fixed``: activities left where they are and why."""

    intervals: pd.DataFrame
    changes: pd.DataFrame
    summary: dict[str, Any]
    fixed: list[str] = field(default_factory=list)


def _break_windows(rules: Any) -> dict[str, tuple[int, int]]:
    """Activity → (earliest, latest) start offset in minutes from the shift start."""
    out = {"lunch": (rules.lunch_earliest_offset_minutes, rules.lunch_latest_offset_minutes)}
    for b in rules.breaks:
        out.setdefault(b.activity, (b.earliest_offset_minutes, b.latest_offset_minutes))
    return out


def day_shifts(segments: pd.DataFrame, index: pd.DatetimeIndex, interval_minutes: int, rules: Any,
               available_codes: Iterable[str]) -> tuple[list[DayShift], list[str]]:
    """The day's shifts on the grid ``index`` (interval starts) from activity segments
    (``agent_id, start, end, activity``, tz-aware). Breaks and lunches become movable breaks
    inside their rule's window; other unavailable activities become fixed breaks. Returns
    the shifts and notes on what could not be moved (off the grid)."""
    step = pd.Timedelta(minutes=interval_minutes)
    t0 = index[0]
    n = len(index)
    windows = _break_windows(rules)
    available = set(available_codes)
    shifts, notes = [], []

    def slot(ts: pd.Timestamp) -> float:
        return (pd.Timestamp(ts) - t0) / step

    for agent, g in segments.groupby("agent_id", sort=True):
        start, end = slot(g["start"].min()), slot(g["end"].max())
        if end <= 0 or start >= n:
            continue
        s0, s1 = int(np.floor(start)), int(np.ceil(end))
        breaks = []
        for r in g[~g["activity"].isin(available)].itertuples():
            b0, b1 = slot(r.start), slot(r.end)
            length = int(round(b1 - b0))
            aligned = abs(b0 - round(b0)) < 1e-9 and abs(b1 - round(b1)) < 1e-9 and length > 0
            if r.activity in windows and aligned:
                lo, hi = windows[r.activity]
                earliest = s0 + int(np.ceil(lo / interval_minutes - 1e-9))
                latest = max(s0 + int(np.floor(hi / interval_minutes + 1e-9)), earliest)
                breaks.append((int(round(b0)), length, min(earliest, int(round(b0))), max(latest, int(round(b0)))))
            else:
                b0i, b1i = int(np.floor(b0)), int(np.ceil(b1))
                breaks.append((b0i, max(b1i - b0i, 1), b0i, b0i))
                notes.append(f"{agent}: {r.activity} {pd.Timestamp(r.start).isoformat()} stays "
                             + ("(off the interval grid)" if r.activity in windows else "(not a break or lunch)"))
        shifts.append(DayShift(str(agent), s0, s1, tuple(sorted(breaks))))
    return shifts, notes


def replan_rest_of_day(queue: Any, forecast: pd.DataFrame, actuals: pd.DataFrame, segments: pd.DataFrame,
                       now: pd.Timestamp, *, timezone: str, rules: Any, available_codes: Iterable[str],
                       open_mask: np.ndarray | None = None, max_overtime_minutes: int = 120,
                       options: SolveOptions = SolveOptions(time_limit_seconds=10, deterministic_time=2.0)
                       ) -> ReplanReport:
    """Suggested changes for the rest of the day from ``now`` (see the module docstring).
    ``forecast``: the day's plan per interval (``interval_start, volume, aht_seconds,
    shrinkage, concurrency``); ``actuals``: intervals before ``now``; ``segments``: the day's
    schedule of the queue's agents."""
    m = queue.interval_minutes
    f = forecast.sort_values("interval_start").reset_index(drop=True)
    index = pd.DatetimeIndex(f["interval_start"])
    now = pd.Timestamp(now)
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    now_slot = int((index < now).sum())  # intervals starting before now (index sorted)
    act = actuals[pd.DatetimeIndex(actuals["interval_start"]) < now] if len(actuals) else actuals
    shifts, notes = day_shifts(segments, index, m, rules, available_codes)
    before = day_coverage(shifts, len(index)).astype(float)
    sig = intraday_signals(queue, f, act, before, timezone=timezone, open_mask=open_mask)
    required = np.ceil(np.nan_to_num(sig["required_net"].to_numpy(float)) - 1e-9).astype(np.int64)
    plan = replan_day(shifts, required, now_slot, interval_minutes=m,
                      max_overtime_slots=max(max_overtime_minutes // m, 0),
                      under_weight=rules.under_weight, over_weight=rules.over_weight, options=options)
    local = index.tz_convert(timezone)

    def at(slot: int) -> str:
        return (local[slot] if slot < len(local) else local[-1] + pd.Timedelta(minutes=m)).isoformat()

    rows = []
    old = {s.agent_id: s for s in shifts}
    for new in plan.shifts:
        s = old[new.agent_id]
        if new.start < s.start:
            rows.append({"agent_id": s.agent_id, "change": "overtime: start earlier", "from": at(s.start),
                         "to": at(new.start), "minutes": (s.start - new.start) * m})
        if new.end > s.end:
            rows.append({"agent_id": s.agent_id, "change": "overtime: stay later", "from": at(s.end),
                         "to": at(new.end), "minutes": (new.end - s.end) * m})
        if new.end < s.end:
            rows.append({"agent_id": s.agent_id, "change": "voluntary time off: leave early", "from": at(s.end),
                         "to": at(new.end), "minutes": (s.end - new.end) * m})
        if len(new.breaks) < len(s.breaks):
            rows.append({"agent_id": s.agent_id, "change": "break dropped: the shift now ends before its window",
                         "from": None, "to": None, "minutes": 0})
    lengths = {(s.agent_id, b[0]): b[1] for s in shifts for b in s.breaks}
    for c in plan.changes:
        for b_old, b_new in c["breaks_moved"]:
            rows.append({"agent_id": c["agent_id"], "change": "move break", "from": at(b_old), "to": at(b_new),
                         "minutes": lengths[(c["agent_id"], b_old)] * m})
    changes = pd.DataFrame(rows, columns=["agent_id", "change", "from", "to", "minutes"])
    after = plan.coverage_after.astype(float) if plan.coverage_after is not None else before
    intervals = pd.DataFrame({"interval_start": index.tz_convert("UTC"), "elapsed": np.arange(len(index)) < now_slot,
                              "required_net": required, "scheduled_before": before, "scheduled_after": after})
    summary = {"status": plan.status, "now": now.tz_convert(timezone).isoformat(), "timezone": timezone,
               "interval_minutes": m, "short_agent_minutes_before": plan.short_before * m,
               "short_agent_minutes_after": plan.short_after * m, "over_agent_minutes_before": plan.over_before * m,
               "over_agent_minutes_after": plan.over_after * m,
               "overtime_minutes": int(changes.loc[changes["change"].str.startswith("overtime"), "minutes"].sum()),
               "vto_minutes": int(changes.loc[changes["change"].str.startswith("voluntary"), "minutes"].sum()),
               "volume_ratio": sig.attrs["volume_ratio"], "volume_significant": sig.attrs["volume_significant"],
               "aht_ratio": sig.attrs["aht_ratio"], "aht_significant": sig.attrs["aht_significant"],
               "requirement_model": sig.attrs["model"], "agents": len(shifts)}
    return ReplanReport(intervals, changes, summary, notes)
