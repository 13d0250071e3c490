"""Named agents on designed shifts: a CP-SAT assignment under every contract rule.

Hard rules (never violated): the shift's queue is one of the agent's skills; its length is
one of the contract's; it starts (local time) inside the contract's start window and not on
one of the agent's days off; one shift per local day; at most ``days_per_week_max`` shifts
and ``weekly_hours_max`` paid hours per ISO week; a block of ``consecutive_days_off`` days
without a shift in each ISO week; at least ``min_rest_hours`` between shifts (counting
shifts already booked elsewhere). Soft terms, each named in the penalty report
(rule, agent, week, amount): a shift left open (per paid minute, weight ``open_weight``),
paid minutes short of ``weekly_hours_min`` (``short_hours_weight``), and the spread of start
times over the week beyond ``start_spread_minutes`` (``spread_weight`` per minute).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from ortools.sat.python import cp_model

from scheduling.design import SolveOptions
from scheduling.greedy import assign_agents


@dataclass(frozen=True)
class RosterWeights:
    """Penalty per paid minute of an open shift, per minute short of a contract's weekly
    minimum, and per minute of start-time spread beyond ``start_spread_minutes``."""

    open_weight: float = 10.0
    short_hours_weight: float = 1.0
    spread_weight: float = 0.2
    start_spread_minutes: int = 120


def assign_roster(shifts: pd.DataFrame, agents: list[Any], timezone_of: dict[str, str],
                  booked: dict[str, list[tuple[pd.Timestamp, pd.Timestamp]]] | None = None,
                  weights: RosterWeights = RosterWeights(), options: SolveOptions = SolveOptions(time_limit_seconds=30)
                  ) -> tuple[pd.DataFrame, int, pd.DataFrame]:
    """Give ``shifts`` (shift_key, queue_id, start, end, paid_seconds; UTC) to ``agents``
    (:class:`scheduling.RosterAgent`). Returns the shifts with ``agent_id`` (None = open),
    the number of open shifts and the soft-penalty report (rule, agent_id, week, amount,
    unit, penalty). ``booked`` carries shifts already given and is updated."""
    from wfm.model import WEEKDAYS

    booked = booked if booked is not None else {}
    out = shifts.sort_values(["start", "shift_key"]).reset_index(drop=True)
    n = len(out)
    starts = pd.DatetimeIndex(out["start"]).tz_convert("UTC")
    ends = pd.DatetimeIndex(out["end"]).tz_convert("UTC")
    s_sec = np.asarray((starts - pd.Timestamp(0, tz="UTC")).total_seconds())
    e_sec = np.asarray((ends - pd.Timestamp(0, tz="UTC")).total_seconds())
    span_min = np.round((e_sec - s_sec) / 60).astype(int)
    paid_min = np.round(out["paid_seconds"].to_numpy(float) / 60).astype(int)
    queues = out["queue_id"].to_numpy()
    local_cache: dict[str, tuple] = {}

    def local(tz: str):
        if tz not in local_cache:
            loc = starts.tz_convert(tz)
            iso = loc.isocalendar()
            local_cache[tz] = (np.asarray(loc.date), np.asarray(iso["year"] * 100 + iso["week"]),
                               np.asarray([WEEKDAYS[d] for d in loc.day_of_week]), np.asarray(loc.strftime("%H:%M")),
                               np.asarray(loc.hour * 60 + loc.minute))
        return local_cache[tz]

    m = cp_model.CpModel()
    y: dict[tuple[int, int], cp_model.IntVar] = {}
    by_shift: list[list] = [[] for _ in range(n)]
    terms: list[tuple[Any, int, tuple]] = []  # (var, coefficient, (rule, agent, week, unit))
    scale = 100
    for ai, a in enumerate(agents):
        c = a.contract
        days, weeks, dows, hhmm, minute = local(timezone_of[a.site])
        ok = (np.isin(queues, list(a.skills)) & np.isin(span_min, list(c.shift_lengths_minutes))
              & (hhmm >= c.earliest_start) & (hhmm <= c.latest_start) & ~np.isin(dows, list(a.days_off)))
        rest = c.min_rest_hours * 3600
        for s0, e0 in booked.get(a.id, []):  # shifts already booked elsewhere: no overlap, rest kept
            b0, b1 = s0.timestamp(), e0.timestamp()
            ok &= ~((s_sec < b1 + rest) & (b0 < e_sec + rest))
            ok &= days != s0.tz_convert(timezone_of[a.site]).date()
        cand = np.flatnonzero(ok)
        if not len(cand):
            continue
        for i in cand:
            y[ai, i] = v = m.new_bool_var(f"y_{a.id}_{i}")
            by_shift[i].append(v)
        # one shift per local day; rest between shifts (any two closer than the rest conflict)
        for day in np.unique(days[cand]):
            same = [y[ai, i] for i in cand if days[i] == day]
            if len(same) > 1:
                m.add_at_most_one(same)
        # shifts of one later day are already exclusive, so all those too close after shift i
        # go into one constraint with it
        order = cand[np.argsort(s_sec[cand])]
        for j, i in enumerate(order):
            later: dict[Any, list] = {}
            for k in order[j + 1:]:
                if s_sec[k] >= e_sec[i] + rest:
                    break
                if days[k] != days[i]:
                    later.setdefault(days[k], []).append(y[ai, k])
            for group in later.values():
                m.add_at_most_one([y[ai, i], *group])
        pre_weeks: dict[int, tuple[int, float]] = {}
        for s0, e0 in booked.get(a.id, []):
            ls = s0.tz_convert(timezone_of[a.site]).isocalendar()
            wk = ls[0] * 100 + ls[1]
            d_, h_ = pre_weeks.get(wk, (0, 0.0))
            pre_weeks[wk] = (d_ + 1, h_ + (e0 - s0).total_seconds() / 60)
        booked_days = {s0.tz_convert(timezone_of[a.site]).date() for s0, _ in booked.get(a.id, [])}
        for wk in np.unique(weeks[cand]):
            in_wk = [i for i in cand if weeks[i] == wk]
            pre_days, pre_min = pre_weeks.get(int(wk), (0, 0.0))
            m.add(sum(y[ai, i] for i in in_wk) <= c.days_per_week_max - pre_days)
            k = getattr(c, "consecutive_days_off", 0)
            if k:  # a block of k days off inside the ISO week (Monday..Sunday)
                monday = days[in_wk[0]] - pd.Timedelta(days=days[in_wk[0]].weekday())
                week = [(monday + pd.Timedelta(days=j)) for j in range(7)]
                blocks = []
                for j in range(8 - k):
                    block = week[j:j + k]
                    if any(d in booked_days for d in block):
                        continue
                    b = m.new_bool_var(f"off_{a.id}_{wk}_{j}")
                    for i in in_wk:
                        if days[i] in block:
                            m.add_implication(b, y[ai, i].Not())
                    blocks.append(b)
                if blocks:  # (none left: shifts booked elsewhere already break the rule)
                    m.add_bool_or(blocks)
            worked = sum(int(paid_min[i]) * y[ai, i] for i in in_wk)
            m.add(worked <= int(c.weekly_hours_max * 60 - pre_min))
            if c.weekly_hours_min > 0:
                need = int(round(c.weekly_hours_min * 60 - pre_min))
                short = m.new_int_var(0, max(need, 0), f"short_{a.id}_{wk}")
                m.add(short >= need - worked)
                terms.append((short, round(weights.short_hours_weight * scale), ("weekly_hours_min", a.id, int(wk),
                                                                                 "minutes short")))
            if weights.spread_weight > 0 and len(in_wk) > 1:
                lo = m.new_int_var(0, 1440, f"lo_{a.id}_{wk}")
                hi = m.new_int_var(0, 1440, f"hi_{a.id}_{wk}")
                for i in in_wk:
                    m.add(lo <= int(minute[i])).only_enforce_if(y[ai, i])
                    m.add(hi >= int(minute[i])).only_enforce_if(y[ai, i])
                over = m.new_int_var(0, 1440, f"spread_{a.id}_{wk}")
                m.add(over >= hi - lo - weights.start_spread_minutes)
                terms.append((over, round(weights.spread_weight * scale), ("start_time_spread", a.id, int(wk),
                                                                           "minutes beyond the allowed spread")))
    for i in range(n):
        if by_shift[i]:
            m.add_at_most_one(by_shift[i])
        taken = sum(by_shift[i]) if by_shift[i] else 0
        is_open = m.new_bool_var(f"open_{i}")
        m.add(is_open == 1 - taken)
        terms.append((is_open, round(weights.open_weight * int(paid_min[i]) * scale), ("open_shift", None, None,
                                                                                      "paid minutes")))
    m.minimize(sum(c * v for v, c, _ in terms if c))
    # start from the greedy assignment (it keeps the same hard rules), so there is always a
    # schedule to improve and to fall back on
    greedy, _ = assign_agents(out, agents, timezone_of, {k: list(v) for k, v in booked.items()})
    greedy_of = {k: (v if isinstance(v, str) else None) for k, v in zip(greedy["shift_key"], greedy["agent_id"])}
    index_of = {a.id: ai for ai, a in enumerate(agents)}
    for i, key in enumerate(out["shift_key"]):
        who = greedy_of.get(key)
        if who is not None and (index_of[who], i) in y:
            m.add_hint(y[index_of[who], i], 1)
    solver = options.solver()
    status = solver.solve(m)
    agent_ids: list[Any] = [None] * n
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):  # no solution in the budget: the greedy one
        agent_ids = [greedy_of.get(k) for k in out["shift_key"]]
        value = lambda v: 0  # noqa: E731 - soft terms are not reported for the fallback
    else:
        value = solver.value
        for (ai, i), v in y.items():
            if solver.value(v):
                agent_ids[i] = agents[ai].id
    for i, who in enumerate(agent_ids):
        if who is not None:
            booked.setdefault(who, []).append((starts[i], ends[i]))
    out["agent_id"] = agent_ids
    rows = []
    for v, c, (rule, agent, week, unit) in terms:
        amount = value(v)
        if amount and rule != "open_shift":
            rows.append((rule, agent, week, amount, unit, amount * c / scale))
    for i, who in enumerate(agent_ids):
        if who is None:
            rows.append(("open_shift", None, int(out["shift_key"].iloc[i]), int(paid_min[i]), "paid minutes",
                         weights.open_weight * int(paid_min[i])))
    penalties = pd.DataFrame(rows, columns=["rule", "agent_id", "week_or_shift", "amount", "unit", "penalty"])
    return out.sort_values("shift_key"), int(sum(a is None for a in agent_ids)), penalties
