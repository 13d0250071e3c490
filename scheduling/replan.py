"""Intraday re-plan: re-optimise the rest of a day with the past frozen (CP-SAT).

From slot ``now`` on, for the agents scheduled today: breaks not yet started may move
inside their rule window (never into the past), shifts may be extended (overtime, up to
``max_overtime_slots``; a shift not yet started may instead start earlier) and agents may
be offered voluntary time off (VTO: the shift ends early, from ``now`` at the soonest).
The objective is the re-forecast requirement's weighted under/over-staffing plus the cost
of overtime minus the saving of VTO, per agent-minute. Everything before ``now`` stays as
it was. Positions are slots of the day's interval index.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from ortools.sat.python import cp_model

from scheduling.design import SolveOptions


@dataclass(frozen=True)
class DayShift:
    """One agent's shift today: [start, end) slots, its breaks as (start, length, earliest,
    latest) slots (earliest/latest: the window the break's start may move in)."""

    agent_id: str
    start: int
    end: int
    breaks: tuple[tuple[int, int, int, int], ...] = ()
    overtime_allowed: bool = True
    vto_allowed: bool = True


@dataclass
class Replan:
    """The re-planned day: per agent its new end (and start), moved breaks, overtime and VTO
    in slots; coverage and under/over-staffing (agent-slots from ``now`` on) before and after."""

    shifts: list[DayShift]
    changes: list[dict] = field(default_factory=list)
    coverage_before: np.ndarray | None = None
    coverage_after: np.ndarray | None = None
    short_before: int = 0
    short_after: int = 0
    over_before: int = 0
    over_after: int = 0
    status: str = "unknown"


def day_coverage(shifts: list[DayShift], n: int) -> np.ndarray:
    """Agents on contacts per slot: in a shift and not on a break."""
    cov = np.zeros(n, np.int64)
    for s in shifts:
        cov[max(s.start, 0):min(s.end, n)] += 1
        for b0, bl, _, _ in s.breaks:
            cov[max(b0, 0):min(b0 + bl, n)] -= 1
    return cov


def replan_day(shifts: list[DayShift], required: np.ndarray, now: int, *, interval_minutes: int,
               max_overtime_slots: int = 4, under_weight: float = 3.0, over_weight: float = 1.0,
               overtime_weight: float = 1.5, vto_saving: float = 0.5,
               options: SolveOptions = SolveOptions(time_limit_seconds=10, deterministic_time=2.0)) -> Replan:
    """Re-plan the rest of the day (see the module docstring). Weights per agent-minute:
    under/over-staffing, overtime cost, VTO saving (a negative cost, below ``over_weight`` so
    VTO is only offered where agents are surplus)."""
    req = np.asarray(required, np.int64)
    n = len(req)
    m = cp_model.CpModel()
    work = [[None] * n for _ in shifts]   # 0/1 expressions: agent works slot t (t >= now)
    rest = [[] for _ in range(n)]         # break literals covering slot t (t >= now)
    terms = []
    plan_vars = []
    for ai, s in enumerate(shifts):
        started = s.start < now
        # candidate (start, end) pairs: the past is frozen; overtime after the end, or an
        # earlier start for a shift not yet started; VTO ends early from now at the soonest
        starts = [s.start] if started or not s.overtime_allowed else \
            list(range(max(now, s.start - max_overtime_slots), s.start + 1))
        ends = {s.end}
        if s.overtime_allowed and s.end >= now:
            ends |= set(range(s.end, min(n, s.end + max_overtime_slots) + 1))
        if s.vto_allowed and s.end > now:
            ends |= set(range(max(now, s.start + 1), s.end))
        ends = sorted(e for e in ends if e > s.start or e == s.end)
        pairs = [(a, e) for a in starts for e in ends if e > a and (a == s.start or e >= s.end)]
        lits = {}
        for a, e in pairs:
            lits[a, e] = m.new_bool_var(f"p_{ai}_{a}_{e}")
        m.add_exactly_one(lits.values())
        if (s.start, s.end) in lits:
            m.add_hint(lits[s.start, s.end], 1)
        for (a, e), lit in lits.items():
            ot = (s.start - a) + max(0, e - s.end)
            vto = max(0, s.end - e)
            if ot:
                terms.append((lit, overtime_weight * ot * interval_minutes))
            if vto:
                terms.append((lit, -vto_saving * vto * interval_minutes))
        for t in range(max(now, 0), n):
            covering = [lit for (a, e), lit in lits.items() if a <= t < e]
            work[ai][t] = sum(covering) if covering else 0
        # breaks: those started before now stay; the others choose a start in their window
        brk_choices = []
        for bi, (b0, bl, lo, hi) in enumerate(s.breaks):
            if b0 < now:
                for t in range(max(now, b0), min(b0 + bl, n)):
                    rest[t].append(1)
                brk_choices.append(None)
                continue
            opts = {}
            for o in range(max(now, lo), hi + 1):
                opts[o] = m.new_bool_var(f"b_{ai}_{bi}_{o}")
            skip = m.new_bool_var(f"skip_{ai}_{bi}")
            m.add_exactly_one([*opts.values(), skip])
            if b0 in opts:
                m.add_hint(opts[b0], 1)
            for (a, e), lit in lits.items():
                for o, ol in opts.items():  # a break lies inside the worked shift
                    if o < a or o + bl > e:
                        m.add_bool_or([lit.Not(), ol.Not()])
                if e > lo:  # the break is skipped only when VTO ends the shift before its window
                    m.add_bool_or([lit.Not(), skip.Not()])
            for o, ol in opts.items():
                for t in range(o, min(o + bl, n)):
                    rest[t].append(ol)
            brk_choices.append((opts, bl))
        plan_vars.append((lits, brk_choices))
    scale = 100
    for t in range(max(now, 0), n):
        cov = sum(work[ai][t] for ai in range(len(shifts))) - sum(rest[t])
        under = m.new_int_var(0, int(req[t]), f"u_{t}")
        over = m.new_int_var(0, len(shifts), f"o_{t}")
        m.add(cov - int(req[t]) == over - under)
        terms += [(under, under_weight * interval_minutes), (over, over_weight * interval_minutes)]
    m.minimize(sum(int(round(c * scale)) * v for v, c in terms))
    solver = options.solver()
    status = solver.solve(m)
    before = day_coverage(shifts, n)
    result = Replan(shifts=list(shifts), coverage_before=before, status=solver.status_name(status).lower())
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        result.coverage_after = before
        return result
    new_shifts = []
    for s, (lits, brk_choices) in zip(shifts, plan_vars):
        a, e = next(k for k, lit in lits.items() if solver.value(lit))
        breaks = []
        for (b0, bl, lo, hi), choice in zip(s.breaks, brk_choices):
            if choice is None:
                breaks.append((b0, bl, lo, hi))
                continue
            opts, _ = choice
            o = next((o for o, ol in opts.items() if solver.value(ol)), None)
            if o is not None:
                breaks.append((o, bl, lo, hi))
        new = DayShift(s.agent_id, a, e, tuple(breaks), s.overtime_allowed, s.vto_allowed)
        new_shifts.append(new)
        change = {"agent_id": s.agent_id, "overtime_minutes": ((s.start - a) + max(0, e - s.end)) * interval_minutes,
                  "vto_minutes": max(0, s.end - e) * interval_minutes,
                  "breaks_moved": [(b[0], nb[0]) for b, nb in zip(s.breaks, breaks) if b[0] != nb[0]]}
        if change["overtime_minutes"] or change["vto_minutes"] or change["breaks_moved"]:
            result.changes.append(change)
    after = day_coverage(new_shifts, n)
    future = slice(max(now, 0), n)
    result.shifts, result.coverage_after = new_shifts, after
    result.short_before = int(np.maximum(req - before, 0)[future].sum())
    result.short_after = int(np.maximum(req - after, 0)[future].sum())
    result.over_before = int(np.maximum(before - req, 0)[future].sum())
    result.over_after = int(np.maximum(after - req, 0)[future].sum())
    return result
