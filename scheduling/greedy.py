"""Greedy shift cover: the simplest correct scheduler (``[scheduling] solver = "greedy"``);
its agent assignment also seeds and backs up the CP-SAT roster (:mod:`scheduling.roster`).

Walks each block of opening hours left to right; at the first interval still short of
the requirement it starts one shift there (or at the latest allowed start before it when
a full shift would run past closing), of the longest allowed length that fits, with an
unpaid lunch placed where the schedule has the most surplus in the middle of the shift
(so lunches stagger). It repeats until every interval is covered. The result covers every
requirement (coverage ≥ required wherever open) unless a block is shorter than any shift.
Agents on lunch do not count. Then :func:`assign_agents` gives shifts to named agents
under their contracts (one shift per local day, days off, days per week, minimum rest);
shifts nobody can take stay open (``agent_id`` None) and are reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class ShiftRules:
    """Shift shapes, in minutes."""

    shift_lengths_minutes: tuple[int, ...] = (480,)
    start_step_minutes: int = 30
    lunch_minutes: int = 30
    lunch_after_minutes: int = 360


@dataclass(frozen=True)
class RosterAgent:
    """An agent as the assignment sees it: home site, skills (queue ids), fixed days off and
    contract (:class:`wfm.model.Contract`)."""

    id: str
    site: str
    skills: tuple[str, ...]
    days_off: tuple[str, ...]
    contract: Any


@dataclass(frozen=True)
class PlannedShift:
    """A shift in interval positions of the planning index: [start, end), lunch [l0, l1) or
    ``breaks`` as (start, end, activity code, paid) positions."""

    start: int
    end: int
    lunch_start: int | None = None
    lunch_end: int | None = None
    breaks: tuple[tuple[int, int, str, bool], ...] = ()

    def all_breaks(self) -> list[tuple[int, int, str, bool]]:
        if self.breaks:
            return sorted(self.breaks)
        return [(self.lunch_start, self.lunch_end, "lunch", False)] if self.lunch_start is not None else []


def _blocks(open_mask: np.ndarray, index: pd.DatetimeIndex, interval_minutes: int) -> list[tuple[int, int]]:
    """Maximal runs of consecutive open intervals (contiguous in real time)."""
    blocks = []
    step = pd.Timedelta(minutes=interval_minutes)
    start = None
    for i, is_open in enumerate(open_mask):
        contiguous = i > 0 and index[i] - index[i - 1] == step
        if is_open and start is None:
            start = i
        elif start is not None and (not is_open or not contiguous):
            blocks.append((start, i))
            start = i if is_open else None
    if start is not None:
        blocks.append((start, len(open_mask)))
    return blocks


def _best_shift(t: int, b0: int, b1: int, lengths: list[int], aligned: np.ndarray,
                req: np.ndarray, coverage: np.ndarray) -> tuple[int, int]:
    """The shift covering interval ``t`` that covers most still-short intervals per paid
    interval (ties: longer, then later start). Starts on the start-step grid when possible;
    a block shorter than every allowed length gets one shift over the whole block."""
    short = (req > coverage).astype(float)
    best, best_score = None, -1.0
    fits = [L for L in lengths if L <= b1 - b0] or [b1 - b0]
    for L in fits:
        for start in range(max(b0, t - L + 1), min(t, b1 - L) + 1):
            if not aligned[start] and start != b0:
                continue
            score = short[start:start + L].sum() / L
            if score > best_score + 1e-12 or (abs(score - best_score) <= 1e-12 and best is not None
                                                and L >= best[1] - best[0]):
                best, best_score = (start, start + L), score
    if best is None:  # no aligned start reaches t: start exactly at t
        L = fits[0]
        start = min(t, b1 - L) if t + L > b1 else t
        best = (max(start, b0), min(max(start, b0) + L, b1))
    return best


def cover(required: np.ndarray, index: pd.DatetimeIndex, interval_minutes: int, rules: ShiftRules,
          open_mask: np.ndarray | None = None) -> tuple[list[PlannedShift], np.ndarray]:
    """Shifts covering ``required`` agents per interval of ``index`` (tz-aware local, contiguous
    or with closed gaps); returns the shifts and the coverage (agents working, lunch excluded)."""
    required = np.asarray(required, dtype=float)
    if np.isnan(required).any():
        raise ValueError(f"{int(np.isnan(required).sum())} interval(s) have no requirement (NaN: targets no "
                         "staffing meets); fix the targets or set max_agents")
    req = np.ceil(required - 1e-9).astype(int)
    n = len(req)
    is_open = np.ones(n, bool) if open_mask is None else np.asarray(open_mask, bool)
    req = np.where(is_open, req, 0)
    local = pd.DatetimeIndex(index)
    minute = np.asarray(local.hour * 60 + local.minute)
    aligned = minute % rules.start_step_minutes == 0
    lengths = sorted({max(1, round(m / interval_minutes)) for m in rules.shift_lengths_minutes}, reverse=True)
    lunch_len = round(rules.lunch_minutes / interval_minutes)
    coverage = np.zeros(n, dtype=int)
    shifts: list[PlannedShift] = []
    for b0, b1 in _blocks(is_open, local, interval_minutes):
        while True:  # rescan from the block start: a lunch may open a gap behind t
            short = np.flatnonzero(req[b0:b1] > coverage[b0:b1])
            if short.size == 0:
                break
            t = b0 + int(short[0])
            start, end = _best_shift(t, b0, b1, lengths, aligned, req, coverage)
            lunch = None
            if lunch_len > 0 and (end - start) * interval_minutes >= rules.lunch_after_minutes:
                lo = start + int(0.35 * (end - start))
                hi = start + int(0.65 * (end - start)) - lunch_len
                cands = [s for s in range(max(lo, start + 1), max(hi, lo) + 1) if s + lunch_len <= end and
                         not (s <= t < s + lunch_len)]
                if cands:
                    surplus = [int((coverage[s:s + lunch_len] - req[s:s + lunch_len]).min()) for s in cands]
                    lunch = cands[int(np.argmax(surplus))]
            coverage[start:end] += 1
            if lunch is not None:
                coverage[lunch:lunch + lunch_len] -= 1
                shifts.append(PlannedShift(start, end, lunch, lunch + lunch_len))
            else:
                shifts.append(PlannedShift(start, end))
    return shifts, coverage


def shifts_frames(shifts: list[PlannedShift], index: pd.DatetimeIndex, interval_minutes: int,
                  queue_id: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Planned shifts → ``shifts`` (shift_key, queue_id, agent_id, start, end, paid_seconds) and
    ``activities`` (shift_key, start, end, activity) frames with UTC timestamps."""
    utc = pd.DatetimeIndex(index).tz_convert("UTC")
    step = pd.Timedelta(minutes=interval_minutes)

    def at(pos: int) -> pd.Timestamp:
        return utc[pos] if pos < len(utc) else utc[-1] + step

    srows, arows = [], []
    for k, s in enumerate(shifts):
        start, end = at(s.start), at(s.end - 1) + step
        paid = (end - start).total_seconds()
        cursor = start
        for b0, b1, activity, is_paid in s.all_breaks():
            l0, l1 = at(b0), at(b1 - 1) + step
            if not is_paid:
                paid -= (l1 - l0).total_seconds()
            arows += [(k, cursor, l0, "on_contact"), (k, l0, l1, activity)]
            cursor = l1
        arows.append((k, cursor, end, "on_contact"))
        srows.append((k, queue_id, None, start, end, paid))
    shifts_df = pd.DataFrame(srows, columns=["shift_key", "queue_id", "agent_id", "start", "end", "paid_seconds"])
    acts = pd.DataFrame(arows, columns=["shift_key", "start", "end", "activity"])
    acts = acts[acts["end"] > acts["start"]].reset_index(drop=True)
    return shifts_df, acts


def coverage_from_activities(activities: pd.DataFrame, index: pd.DatetimeIndex, interval_minutes: int,
                             working: Iterable[str] = ("on_contact", "available")) -> np.ndarray:
    """Scheduled agents per interval (fractional by time) in ``working`` activities."""
    from realtime.timeline import fte_per_interval

    work = activities[activities["activity"].isin(list(working))]
    return fte_per_interval(work["start"], work["end"], index, interval_minutes)


def assign_agents(shifts: pd.DataFrame, agents: list[Any], timezone_of: dict[str, str],
                  booked: dict[str, list[tuple[pd.Timestamp, pd.Timestamp]]] | None = None) -> tuple[pd.DataFrame, int]:
    """Give each shift (in start order) to the eligible agent with the fewest shifts so far.

    ``agents``: :class:`RosterAgent` (or objects with the same attributes). Hard rules: the queue is among the agent's skills, the
    shift's length (start to end, minutes) is one of the contract's, it starts (local time)
    inside the contract's start window, not on a day off, one shift per local day, at most
    ``days_per_week_max`` shifts and ``weekly_hours_max`` paid hours per ISO week, at least
    ``min_rest_hours`` between shifts. ``booked`` carries shifts already given (e.g. on other
    queues) and is updated. Returns the shifts with ``agent_id`` filled where possible and
    the number of open shifts (no eligible agent).
    """
    from wfm.model import WEEKDAYS

    booked = booked if booked is not None else {}
    out = shifts.sort_values(["start", "shift_key"]).copy()
    starts = pd.DatetimeIndex(out["start"]).tz_convert("UTC")
    ends = pd.DatetimeIndex(out["end"]).tz_convert("UTC")
    s_sec = (starts - pd.Timestamp(0, tz="UTC")).total_seconds().to_numpy()
    e_sec = (ends - pd.Timestamp(0, tz="UTC")).total_seconds().to_numpy()
    local: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = {}
    for tz in set(timezone_of[a.site] for a in agents):
        loc = starts.tz_convert(tz)
        iso = loc.isocalendar()
        local[tz] = (np.asarray(loc.date), np.asarray(iso["year"] * 100 + iso["week"]),
                     np.asarray([WEEKDAYS[d] for d in loc.day_of_week]), np.asarray(loc.strftime("%H:%M")))
    span_minutes = np.round((e_sec - s_sec) / 60).astype(int)
    state: dict[str, dict[str, Any]] = {}
    for a in agents:
        tz = timezone_of[a.site]
        st = {"days": set(), "weeks": {}, "hours": {}, "spans": []}
        for s0, e0 in booked.get(a.id, []):
            ls = s0.tz_convert(tz)
            wk = ls.isocalendar()[0] * 100 + ls.isocalendar()[1]
            st["days"].add(ls.date())
            st["weeks"][wk] = st["weeks"].get(wk, 0) + 1
            st["hours"][wk] = st["hours"].get(wk, 0.0) + (e0 - s0).total_seconds() / 3600
            st["spans"].append((s0.timestamp(), e0.timestamp()))
        state[a.id] = st
    paid_hours = out["paid_seconds"].to_numpy(float) / 3600
    queues = out["queue_id"].to_numpy()
    agent_ids: list[Any] = []
    for i in range(len(out)):
        best, best_load = None, None
        for a in agents:
            if queues[i] not in a.skills:
                continue
            days, weeks, dows, hhmm = local[timezone_of[a.site]]
            st = state[a.id]
            if dows[i] in a.days_off or days[i] in st["days"]:
                continue
            c = a.contract
            if span_minutes[i] not in c.shift_lengths_minutes or not c.earliest_start <= hhmm[i] <= c.latest_start:
                continue
            wk = weeks[i]
            if st["weeks"].get(wk, 0) >= a.contract.days_per_week_max:
                continue
            if st["hours"].get(wk, 0.0) + paid_hours[i] > a.contract.weekly_hours_max + 1e-9:
                continue
            rest = a.contract.min_rest_hours * 3600
            if any(s_sec[i] < e + rest and s < e_sec[i] + rest for s, e in st["spans"]):
                continue
            load = len(st["spans"])
            if best is None or load < best_load:
                best, best_load = a, load
        if best is None:
            agent_ids.append(None)
            continue
        st = state[best.id]
        days, weeks, _, _ = local[timezone_of[best.site]]
        st["days"].add(days[i])
        st["weeks"][weeks[i]] = st["weeks"].get(weeks[i], 0) + 1
        st["hours"][weeks[i]] = st["hours"].get(weeks[i], 0.0) + paid_hours[i]
        st["spans"].append((s_sec[i], e_sec[i]))
        booked.setdefault(best.id, []).append((starts[i], ends[i]))
        agent_ids.append(best.id)
    out["agent_id"] = agent_ids
    return out.sort_values("shift_key"), int(sum(a is None for a in agent_ids))
