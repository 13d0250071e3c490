"""A queue's planning horizon as a scheduling instance, on the real-time axis.

The pipeline plans a queue over consecutive local days whose intervals are timezone-aware
(daylight-saving days have 46 or 50 half-hours). Here the whole horizon is one axis of its
actual intervals, so shift lengths and breaks are exact in real time on every day; shifts
start on the start-step grid of the local clock, inside one block of opening hours, and
end by its close (no one is scheduled while the queue is closed).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from scheduling.design import SolveOptions, solve
from scheduling.greedy import PlannedShift, _blocks
from scheduling.instance import BreakRule, Instance, ShiftType, Weights


@dataclass(frozen=True)
class BreakSpec:
    """A break every shift of at least ``min_shift_minutes`` gets: ``minutes`` long, starting
    ``earliest_offset_minutes``..``latest_offset_minutes`` after the shift start; logged as
    ``activity`` (an activity code)."""

    minutes: int
    earliest_offset_minutes: int
    latest_offset_minutes: int
    min_shift_minutes: int = 0
    paid: bool = True
    activity: str = "break"


@dataclass(frozen=True)
class ContractGroup:
    """Agents of one contract who can work a queue: how many, how many are available on each
    weekday (Mon…Sun, fixed days off removed), the shift lengths (minutes) and the local start
    window (minutes after midnight) their contract allows, and their most days per week."""

    agents: int
    available_by_weekday: tuple[int, ...]
    lengths_minutes: tuple[int, ...]
    earliest_start_minute: int
    latest_start_minute: int
    days_per_week: int


def contract_caps(inst: Instance, index: pd.DatetimeIndex, interval_minutes: int, groups: list[ContractGroup]
                  ) -> list[tuple[set[tuple[int, int, int]], int]]:
    """Hall's condition for giving each designed shift to an agent whose contract allows it,
    agents being alike within a contract: for every set K of contracts and every local day, the
    shifts starting that day that only contracts of K allow number at most the agents of K
    available that day; over the horizon, at most their days per week × weeks. Shifts no
    contract allows get cap 0. (Upper bounds: rest rules and agents shared with other queues
    can still leave a shift open.)"""
    from itertools import combinations

    local = pd.DatetimeIndex(index)
    minute = np.asarray(local.hour * 60 + local.minute)
    day = np.asarray(local.date)
    weeks = max(1, -(-len(set(day)) // 7))
    compat = {(0, s, L): frozenset(i for i, g in enumerate(groups)
                                   if L * interval_minutes in g.lengths_minutes
                                   and g.earliest_start_minute <= minute[s] <= g.latest_start_minute)
              for s, L, _ in inst.shift_options()}
    caps = [({k for k, allowed in compat.items() if not allowed}, 0)]
    for r in range(1, len(groups) + 1):
        for K in combinations(range(len(groups)), r):
            inside = {k for k, allowed in compat.items() if allowed and allowed <= set(K)}
            if not inside:
                continue
            caps.append((inside, sum(groups[i].agents * groups[i].days_per_week * weeks for i in K)))
            for d in sorted(set(day)):
                on_day = {k for k in inside if day[k[1]] == d}
                if on_day:
                    caps.append((on_day, sum(groups[i].available_by_weekday[d.weekday()] for i in K)))
    return caps


def break_rules(specs: list[BreakSpec], interval_minutes: int) -> tuple[list[BreakRule], list[str]]:
    """Break rules in intervals; breaks that are not whole intervals cannot be placed on the
    grid and are skipped with a note."""
    rules, notes = [], []
    for b in specs:
        if b.minutes % interval_minutes:
            notes.append(f"{b.minutes}-min {b.activity} is not a whole number of {interval_minutes}-min intervals: "
                         "not scheduled on this queue")
            continue
        rules.append(BreakRule(b.activity, b.minutes // interval_minutes, -(-b.earliest_offset_minutes // interval_minutes),
                               b.latest_offset_minutes // interval_minutes, b.paid,
                               -(-b.min_shift_minutes // interval_minutes)))
    return rules, notes


def horizon_instance(required: np.ndarray, index: pd.DatetimeIndex, interval_minutes: int, *,
                     shift_lengths_minutes: list[int], start_step_minutes: int, breaks: list[BreakSpec],
                     weights: Weights, open_mask: np.ndarray | None = None, name: str = "queue"
                     ) -> tuple[Instance, list[str]]:
    """The instance of one queue horizon: ``required`` agents per interval of ``index`` (local,
    tz-aware, contiguous or with closed gaps), shift types per block of opening hours."""
    req = np.ceil(np.nan_to_num(np.asarray(required, float)) - 1e-9).astype(np.int64)
    is_open = np.ones(len(req), bool) if open_mask is None else np.asarray(open_mask, bool)
    req = np.where(is_open, np.maximum(req, 0), 0)
    local = pd.DatetimeIndex(index)
    minute = np.asarray(local.hour * 60 + local.minute)
    aligned = minute % start_step_minutes == 0
    rules, notes = break_rules(breaks, interval_minutes)
    lengths = sorted({max(1, round(m / interval_minutes)) for m in shift_lengths_minutes})
    types = []
    for b0, b1 in _blocks(is_open, local, interval_minutes):
        fits = [L for L in lengths if L <= b1 - b0] or [b1 - b0]
        for L in fits:
            starts = [s for s in range(b0, b1 - L + 1) if aligned[s]] or [b0]
            steps = set(np.diff(starts))
            if len(steps) <= 1:  # a regular grid: one shift type for the block and length
                step = int(steps.pop()) if steps else 1
                types.append(ShiftType(f"b{b0}L{L}", starts[0], starts[-1], L, L, step, tuple(rules)))
            else:
                types += [ShiftType(f"b{b0}s{s}L{L}", s, s, L, L, 1, tuple(rules)) for s in starts]
    inst = Instance(name=name, interval_minutes=interval_minutes, days=1, intervals_per_day=len(req),
                    requirement=req[None, :], shift_types=types, weights=weights, cyclic=False)
    return inst, notes


def design_horizon(required: np.ndarray, index: pd.DatetimeIndex, interval_minutes: int, *,
                   shift_lengths_minutes: list[int], start_step_minutes: int, breaks: list[BreakSpec],
                   weights: Weights, options: SolveOptions, open_mask: np.ndarray | None = None,
                   service: Any = None,
                   contract_groups: list[ContractGroup] | None = None
                   ) -> tuple[list[PlannedShift], np.ndarray, dict[str, Any]]:
    """CP-SAT shifts with breaks for one queue horizon: the planned shifts (positions in
    ``index``), the coverage (agents working, breaks excluded) and a report (status,
    objective, bound, slots short, notes). ``service``: a
    :class:`scheduling.ServiceObjective` over the horizon's slots (scheduled agents);
    ``contract_groups``: the agents who can work the queue by contract, so that each local day
    holds no more shifts of a start and length than agents whose contracts allow them (see
    :func:`contract_caps`)."""
    inst, notes = horizon_instance(required, index, interval_minutes, shift_lengths_minutes=shift_lengths_minutes,
                                   start_step_minutes=start_step_minutes, breaks=breaks, weights=weights,
                                   open_mask=open_mask)
    if not inst.shift_types:
        return [], np.zeros(len(index), np.int64), {"status": "closed", "notes": notes}
    option_caps = contract_caps(inst, index, interval_minutes, contract_groups) if contract_groups else None
    sched = solve(inst, options, service=service, option_caps=option_caps)
    planned = []
    for s in sched.shifts:
        t = inst.shift_type_of(s.start, s.length)
        labelled = t.label_breaks(s.start, s.length, s.breaks)
        for _ in range(s.count):
            planned.append(PlannedShift(s.start, s.start + s.length,
                                        breaks=tuple((b0, b0 + bl, r.name, r.paid) for b0, bl, r in labelled)))
    report = {"status": sched.status, "objective": sched.objective, "bound": sched.bound,
              "components": sched.components, "slots_short": len(sched.unmet), "notes": notes + sched.notes,
              "solve_seconds": round(sched.solve_seconds, 2)}
    return planned, sched.coverage, report
