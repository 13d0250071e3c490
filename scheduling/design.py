"""Shift design and weekly tours with OR-Tools CP-SAT.

One integer model, whose size does not grow with the number of agents:

* ``x[d, o]`` — shifts of option ``o`` = (start, length) starting on day ``d``; break
  placements are counts per break rule and offset (``sum = x``), or per combination of
  offsets when two rules' windows could overlap. Coverage of a slot = shifts spanning it −
  breaks spanning it.
* With per-agent labour rules, shifts come from **tours**: ``w[τ, L, p, b]`` agents work
  shift type τ of length L on the days of pattern ``p`` (days per week, consecutive days
  off, weekly paid minutes all hold for every agent of the pattern) with every start in
  the band ``[b, b + spread]`` (start-time spread; the band is narrowed so that the
  minimum rest between consecutive days holds for any two starts in it). ``a[d, o, b]``
  splits each day's working agents of a band between its starts. Disaggregating the counts
  into named agents afterwards is exact: every agent of a group satisfies every rule.
  Tours keep one shift type and length per agent for the week (a restriction, stated in
  the result's notes).
* Objective: the instance's weights (under/over agent-minutes, distinct shifts, shift
  instances, paid minutes) and optionally a :class:`scheduling.service.ServiceObjective`:
  expected late contacts per slot as a convex piecewise-linear function of coverage, an
  interval service floor and a day service-level budget.

The model always has a solution (under-staffing is a cost, not a constraint), so the
planner gets the best schedule found and the slots left short, never "infeasible".
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import os
import tempfile
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from ortools.sat import cp_model_pb2
from ortools.sat.python import cp_model
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from scheduling.instance import BreakRule, Instance, Schedule, ScheduledShift, ShiftType
from scheduling.objective import coverage_of, objective_components

if TYPE_CHECKING:
    from scheduling.service import ServiceObjective


@dataclass(frozen=True)
class SolveOptions:
    """CP-SAT budget: wall-clock limit (seconds), worker threads, random seed. With
    ``deterministic_time`` (CP-SAT's deterministic seconds) the search is interleaved and
    reproducible: same seed and inputs → same schedule, whatever the machine load (the
    wall-clock limit still applies as a safety net)."""

    time_limit_seconds: float = 60.0
    workers: int = 8
    seed: int = 0
    deterministic_time: float | None = None
    log: bool = False

    def solver(self) -> cp_model.CpSolver:
        """A CP-SAT solver with these limits (one worker is deterministic by itself; more are
        interleaved when a deterministic budget is asked for)."""
        solver = cp_model.CpSolver()
        p = solver.parameters
        p.max_time_in_seconds = float(self.time_limit_seconds)
        p.num_workers = int(self.workers)
        p.random_seed = int(self.seed)
        p.log_search_progress = self.log
        if self.deterministic_time is not None:
            p.interleave_search = self.workers > 1
            p.max_deterministic_time = float(self.deterministic_time)
        return solver


@dataclass
class _Option:
    start: int
    length: int
    type: ShiftType
    rules: list[BreakRule]
    combos: list[tuple[int, ...]] | None  # offsets per rule when windows may overlap


def _break_structure(length: int, rules: list[BreakRule]) -> tuple[bool, list[tuple[int, ...]] | None]:
    """(usable, combos): combos is None when the rules' windows cannot overlap (offsets are
    then chosen per rule independently), else every non-overlapping combination."""
    ranges = [list(r.offsets(length)) for r in rules]
    if any(not r for r in ranges):
        return False, None
    spans = sorted((min(o), max(o) + r.length) for r, o in zip(rules, ranges))
    if all(a[1] <= b[0] for a, b in zip(spans, spans[1:])):
        return True, None
    combos = []
    for offs in itertools.product(*ranges):
        occupied = sorted((o, o + r.length) for o, r in zip(offs, rules))
        if all(a[1] <= b[0] for a, b in zip(occupied, occupied[1:])):
            combos.append(offs)
        if len(combos) > 5000:
            break
    return bool(combos), combos


def _options(instance: Instance) -> tuple[list[_Option], list[str]]:
    notes, out = [], []
    for s, L, t in instance.shift_options():
        rules = t.break_rules(L)
        ok, combos = _break_structure(L, rules)
        if ok:
            out.append(_Option(s, L, t, rules, combos))
        else:
            notes.append(f"shift {t.name} start {s} length {L}: its break rules do not fit inside it; not used")
    return out, notes


def _slots(instance: Instance, day: int, first: int, length: int) -> list[int]:
    """Flat slots of [first, first + length) on ``day`` (wrapped or dropped past the end)."""
    H = instance.horizon
    out = []
    for j in range(first, first + length):
        a = day * instance.intervals_per_day + j
        if a >= H:
            if not instance.cyclic:
                break
            a %= H
        out.append(a)
    return out


def _patterns(instance: Instance, paid_minutes: int, no_consecutive: bool) -> list[tuple[int, ...]]:
    """Working-day patterns (tuples of 0/1 over a week) every agent rule admits."""
    r = instance.agent_rules
    period = 7 if instance.days >= 7 else instance.days
    out = []
    for bits in itertools.product((0, 1), repeat=period):
        nd = sum(bits)
        if nd == 0:
            continue
        if r.max_days_per_week is not None and nd > r.max_days_per_week:
            continue
        if r.min_days_per_week is not None and nd < r.min_days_per_week and instance.days >= 7:
            continue
        minutes = nd * paid_minutes
        if r.max_minutes_per_week is not None and minutes > r.max_minutes_per_week:
            continue
        if r.min_minutes_per_week is not None and minutes < r.min_minutes_per_week and instance.days >= 7:
            continue
        if r.consecutive_days_off:
            k = r.consecutive_days_off
            if not any(all(bits[(d0 + i) % period] == 0 for i in range(k)) for d0 in range(period)):
                continue
        if no_consecutive and any(bits[d] and bits[(d + 1) % period] for d in range(period)):
            continue
        out.append(bits)
    return out


def _bands(t: ShiftType, length: int, instance: Instance) -> tuple[list[list[int]], bool]:
    """Start bands for one agent of type ``t`` and length ``length``: every start of a band
    lies within the start-time spread, and two starts of a band on consecutive days leave
    the minimum rest. Returns (bands, no_consecutive_days)."""
    r = instance.agent_rules
    starts = list(range(t.start_min, t.start_max + 1, t.start_step))
    spread = r.max_start_spread if r.max_start_spread is not None else math.inf
    no_consecutive = False
    if r.min_rest:
        room = instance.intervals_per_day - length - r.min_rest  # widest spread keeping the rest
        if room < 0:
            no_consecutive = True
        else:
            spread = min(spread, room)
    if spread == math.inf or spread >= starts[-1] - starts[0]:
        return [starts], no_consecutive
    firsts = [b for b in starts if b <= max(starts[0], starts[-1] - spread)]
    return [[s for s in starts if b <= s <= b + spread] for b in firsts], no_consecutive


class _Model:
    """Builds the CP-SAT model of an instance and reads its solution."""

    def __init__(self, instance: Instance, service: ServiceObjective | None):
        self.inst, self.service = instance, service
        self.m = cp_model.CpModel()
        self.options, self.notes = _options(instance)
        self.terms: list[list[tuple[cp_model.IntVar, int]]] = [[] for _ in range(instance.horizon)]
        req = self.req = instance.flat_requirement()
        top = int(req.max()) if req.size else 0
        if service is not None:
            top = max(top, int(max((len(f) - 1 for f in service.late_contacts), default=0)))
        self.ub = max(1, top)
        self.x: dict[tuple[int, int], cp_model.IntVar] = {}
        self.x_ub: dict[tuple[int, int], int] = {}
        self.brk: dict[tuple[int, int], list] = {}
        self.groups: list[tuple[tuple, cp_model.IntVar]] = []
        self.assign: dict[tuple[int, int, int], cp_model.IntVar] = {}
        self.splits: list[tuple[list, list]] = []
        self.slack: list[tuple] = []
        self.used: dict[int, cp_model.IntVar] = {}

    # -- shifts and their breaks ------------------------------------------------------
    def _shift_var(self, d: int, k: int) -> cp_model.IntVar:
        o = self.options[k]
        span = _slots(self.inst, d, o.start, o.length)
        # more shifts of one kind than the largest requirement they span only add surplus; with
        # breaks, a few more can pay (their breaks spread), so the cap is twice that
        top = int(self.req[span].max(initial=0))
        top = self.ub if self.service is not None else (2 * top + 2 if o.rules else top)
        x = self.m.new_int_var(0, top, f"x_{d}_{o.start}_{o.length}")
        self.x[d, k] = x
        self.x_ub[d, k] = top
        for a in span:
            self.terms[a].append((x, 1))
        parts = []
        if o.combos is None:
            for ri, r in enumerate(o.rules):
                zs = []
                for off in r.offsets(o.length):
                    z = self.m.new_int_var(0, self.ub, f"b_{d}_{o.start}_{o.length}_{ri}_{off}")
                    zs.append((off, z))
                    for a in _slots(self.inst, d, o.start + off, r.length):
                        self.terms[a].append((z, -1))
                self.m.add(sum(z for _, z in zs) == x)
                parts.append(zs)
        elif o.rules:
            zs = []
            for ci, combo in enumerate(o.combos):
                z = self.m.new_int_var(0, self.ub, f"c_{d}_{o.start}_{o.length}_{ci}")
                zs.append((combo, z))
                for off, r in zip(combo, o.rules):
                    for a in _slots(self.inst, d, o.start + off, r.length):
                        self.terms[a].append((z, -1))
            self.m.add(sum(z for _, z in zs) == x)
            parts.append(zs)
        self.brk[d, k] = parts
        return x

    def build_shifts(self) -> None:
        for d in range(self.inst.days):
            for k in range(len(self.options)):
                self._shift_var(d, k)

    def build_tours(self) -> None:
        """Tours for per-agent rules (see the module docstring)."""
        inst = self.inst
        period = 7 if inst.days >= 7 else inst.days
        by_type_len: dict[tuple[str, int], list[int]] = {}
        for k, o in enumerate(self.options):
            by_type_len.setdefault((o.type.name, o.length), []).append(k)
        for (tname, L), ks in by_type_len.items():
            t = self.options[ks[0]].type
            paid = (L - t.unpaid_intervals(L)) * inst.interval_minutes
            bands, no_consecutive = _bands(t, L, inst)
            patterns = _patterns(inst, paid, no_consecutive)
            if not patterns:
                self.notes.append(f"shift {tname} of {L} intervals: no working-day pattern meets the agent rules "
                                  f"({paid} paid min per day); not used")
                continue
            k_of_start = {self.options[k].start: k for k in ks}
            for d in range(inst.days):
                for k in ks:
                    self._shift_var(d, k)
            for bi, band in enumerate(bands):
                ws = []
                for p in patterns:
                    w = self.m.new_int_var(0, self.ub, f"w_{tname}_{L}_{bi}_{''.join(map(str, p))}")
                    self.groups.append(((tname, L, bi, p), w))
                    ws.append((p, w))
                for d in range(inst.days):
                    working = [w for p, w in ws if p[d % period]]
                    split = []
                    for s in band:
                        a = self.m.new_int_var(0, self.ub, f"a_{d}_{s}_{L}_{bi}")
                        self.assign[d, k_of_start[s], bi] = a
                        split.append(a)
                    band_keys = [(d, k_of_start[s]) for s in band]
                    self.m.add(sum(split) == sum(working))
                    self.splits.append((list(zip(band_keys, split)), working))
        parts: dict[tuple[int, int], list] = {}
        for (d, k, _), a in self.assign.items():
            parts.setdefault((d, k), []).append(a)
        for key, x in self.x.items():
            self.m.add(x == sum(parts.get(key, [])))

    # -- objective ----------------------------------------------------------------------
    def build_objective(self) -> int:
        """Adds coverage, slack and objective; returns the integer scale of the weights."""
        inst, m = self.inst, self.m
        req = inst.flat_requirement()
        w = inst.weights
        weights = [w.under_minutes, w.over_minutes, w.distinct_shifts, w.shift_instances, w.paid_minutes]
        if self.service is not None:
            weights += [self.service.weight_per_late_contact, self.service.floor_penalty]
        scale = 1 if all(float(v).is_integer() for v in weights) else 1000
        if self.service is not None:
            from scheduling.service import CENTI

            scale *= CENTI  # late contacts are counted in hundredths
        iv = inst.interval_minutes
        obj = []
        self.cover = []
        for a in range(inst.horizon):
            cov = cp_model.LinearExpr.weighted_sum([v for v, _ in self.terms[a]], [c for _, c in self.terms[a]]) \
                if self.terms[a] else 0
            self.cover.append(cov)
            r = int(req[a])
            if w.under_minutes or w.over_minutes:
                under = m.new_int_var(0, max(r, 0), f"u_{a}")
                over = m.new_int_var(0, 10**7, f"o_{a}")
                m.add(cov - r == over - under)
                self.slack.append((a, under, over))
                obj += [(under, round(w.under_minutes * iv * scale)), (over, round(w.over_minutes * iv * scale))]
        if w.distinct_shifts:
            for k, o in enumerate(self.options):
                keys = [(d, k) for d in range(inst.days) if (d, k) in self.x]
                if not keys:
                    continue
                used = self.used[k] = m.new_bool_var(f"used_{o.start}_{o.length}")
                for key in keys:
                    m.add(self.x[key] <= self.x_ub[key] * used)
                obj.append((used, round(w.distinct_shifts * scale)))
        if w.shift_instances or w.paid_minutes:
            for (d, k), x in self.x.items():
                o = self.options[k]
                paid = (o.length - o.type.unpaid_intervals(o.length)) * iv
                obj.append((x, round((w.shift_instances + w.paid_minutes * paid) * scale)))
        if self.service is not None:
            obj += self.service.add_to_model(m, self.cover, scale)
        obj = self.obj_terms = [(v, c) for v, c in obj if c]
        m.minimize(cp_model.LinearExpr.weighted_sum([v for v, _ in obj], [c for _, c in obj]))
        return scale


def _lp_relaxation(m: cp_model.CpModel, time_limit: float) -> tuple[np.ndarray, float] | None:
    """Values and objective of the model's linear relaxation (HiGHS through SciPy), or None
    when the model is not purely linear or the LP does not finish in ``time_limit`` s."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.pb")
        m.export_to_file(path)
        proto = cp_model_pb2.CpModelProto()
        with open(path, "rb") as fh:
            proto.ParseFromString(fh.read())
    n = len(proto.variables)
    lb = np.array([v.domain[0] for v in proto.variables], float)
    ub = np.array([v.domain[-1] for v in proto.variables], float)
    rows, cols, vals, lo, hi = [], [], [], [], []
    for c in proto.constraints:
        if c.WhichOneof("constraint") != "linear" or len(c.enforcement_literal):
            return None
        rows += [len(lo)] * len(c.linear.vars)
        cols += list(c.linear.vars)
        vals += list(c.linear.coeffs)
        lo.append(c.linear.domain[0])
        hi.append(c.linear.domain[-1])
    cost = np.zeros(n)
    np.add.at(cost, np.asarray(proto.objective.vars, int), np.asarray(proto.objective.coeffs, float))
    lo_a, hi_a = np.array(lo, float), np.array(hi, float)
    lo_a[lo_a < -1e18], hi_a[hi_a > 1e18] = -np.inf, np.inf
    A = sparse.csr_matrix((vals, (rows, cols)), shape=(len(lo), n))
    res = milp(cost, constraints=LinearConstraint(A, lo_a, hi_a), bounds=Bounds(lb, ub),
               options={"time_limit": time_limit})
    if res.status != 0 or res.x is None:
        return None
    return res.x, float(res.fun)


def _apportion(total: int, weights: list[float]) -> list[int]:
    """``total`` split into whole numbers in proportion to ``weights`` (largest remainder)."""
    w = np.maximum(np.asarray(weights, float), 0)
    if total <= 0 or not len(w):
        return [0] * len(w)
    if w.sum() <= 0:
        w = np.ones(len(w))
    raw = total * w / w.sum()
    out = np.floor(raw).astype(int)
    for i in np.argsort(-(raw - out), kind="stable")[: total - out.sum()]:
        out[i] += 1
    return out.tolist()


def _rounded_lp(mod: _Model, lp: np.ndarray) -> tuple[dict[int, int], float]:
    """The best of a few roundings of the LP relaxation (threshold 0.3…0.6 on the fractional
    part of each tour or shift count): a complete, feasible solution and its objective."""
    return min((_hint_from_lp(mod, lp, up) for up in (0.3, 0.4, 0.5, 0.6)), key=lambda r: r[1])


def _hint_from_lp(mod: _Model, lp: np.ndarray, up: float = 0.5) -> tuple[dict[int, int], float]:
    """A complete, feasible solution rounded from the LP relaxation (tour or shift counts
    rounded up from fractional part ``up``, then each sum constraint's parts apportioned like
    the LP's) and its objective."""
    value: dict[int, int] = {}
    val = lambda var: lp[var.index]  # noqa: E731
    x_int: dict[tuple[int, int], int] = {}
    rnd = lambda v: int(math.floor(v + 1 - up + 1e-9))  # noqa: E731
    if mod.groups:
        for _, w in mod.groups:
            value[w.index] = rnd(val(w))
        for parts, working in mod.splits:
            total = sum(value[w.index] for w in working)
            for (key, a), n in zip(parts, _apportion(total, [val(a) for _, a in parts])):
                value[a.index] = n
                x_int[key] = x_int.get(key, 0) + n
    else:
        x_int = {key: min(rnd(val(x)), mod.x_ub[key]) for key, x in mod.x.items()}
    for key, x in mod.x.items():
        n = x_int.get(key, 0)
        value[x.index] = n
        for zs in mod.brk[key]:
            for (_, z), c in zip(zs, _apportion(n, [val(z) for _, z in zs])):
                value[z.index] = c
    for k, used in mod.used.items():
        value[used.index] = int(any(x_int.get((d, k), 0) for d in range(mod.inst.days)))
    for a, under, over in mod.slack:
        cov = sum(c * value[v.index] for v, c in mod.terms[a])
        r = int(mod.req[a])
        value[under.index], value[over.index] = max(r - cov, 0), max(cov - r, 0)
    return value, float(sum(c * value.get(v.index, 0) for v, c in mod.obj_terms))


def _break_lists(solver: cp_model.CpSolver, parts: list, rules: list[BreakRule], combos, count: int
                 ) -> list[list[tuple[int, int]]]:
    """Per shift instance, its breaks as (offset, length), from the solved counts."""
    per = [[] for _ in range(count)]
    if combos is None:
        for r, zs in zip(rules, parts):
            offs = [off for off, z in zs for _ in range(solver.value(z))]
            for i, off in enumerate(offs[:count]):
                per[i].append((off, r.length))
    elif parts:
        combos_taken = [c for c, z in parts[0] for _ in range(solver.value(z))]
        for i, combo in enumerate(combos_taken[:count]):
            per[i] = [(off, r.length) for off, r in zip(combo, rules)]
    return per


def solve(instance: Instance, options: SolveOptions = SolveOptions(),
          service: ServiceObjective | None = None,
          option_caps: list[tuple[set[tuple[int, int, int]], int]] | None = None,
          hint: dict[tuple[int, int, int], int] | None = None) -> Schedule:
    """The best schedule CP-SAT finds for ``instance`` within ``options``: anonymous shift
    counts without agent rules, named agents (``a1``, ``a2``, …) from tours with them.
    ``option_caps``: at most ``cap`` shifts among the
    (day, start, length) options of each set (e.g. what the agents whose contracts allow those
    starts and lengths can work on a day); ``hint``: a starting schedule, {(day, start,
    length): count}.

    With a cost per distinct shift and under/over costs (minimum shift design), half the time
    first goes to the same instance with deviations made 50× dearer than a distinct shift:
    CP-SAT then finds exact covers first and trims the distinct shifts among them; that
    schedule starts the search of the real objective (on sd2 #27: 315–345 in five 60-s runs,
    against 330–375 for one search)."""
    t0 = time.perf_counter()
    w = instance.weights
    if hint is None and service is None and instance.agent_rules is None and w.distinct_shifts > 0 \
            and min(w.under_minutes, w.over_minutes) > 0:
        k = max(1.0, 50 * w.distinct_shifts / (instance.interval_minutes * min(w.under_minutes, w.over_minutes)))
        first = dataclasses.replace(instance, weights=dataclasses.replace(w, under_minutes=w.under_minutes * k,
                                                                          over_minutes=w.over_minutes * k))
        half = dataclasses.replace(options, time_limit_seconds=options.time_limit_seconds / 2,
                                   deterministic_time=None if options.deterministic_time is None
                                   else options.deterministic_time / 2)
        warm = solve(first, half, option_caps=option_caps, hint={})
        rest = dataclasses.replace(options, time_limit_seconds=max(0.5, options.time_limit_seconds
                                                                   - (time.perf_counter() - t0)),
                                   deterministic_time=half.deterministic_time)
        sched = solve(instance, rest, option_caps=option_caps,
                      hint={(x.day, x.start, x.length): x.count for x in warm.shifts})
        sched.solve_seconds = time.perf_counter() - t0
        sched.notes.append(f"two phases: a close cover first (deviations ×{k:g}), then the real objective "
                           "starting from it")
        return sched
    mod = _Model(instance, service)
    tours = instance.agent_rules is not None
    if tours:
        mod.build_tours()
        mod.notes.append("tours keep one shift type and length per agent for the week")
    else:
        mod.build_shifts()
    for keys, cap in option_caps or ():
        among = [x for (d, k), x in mod.x.items() if (d, mod.options[k].start, mod.options[k].length) in keys]
        if among:
            mod.m.add(sum(among) <= int(cap))
    scale = mod.build_objective()
    if hint:
        for (d, k), x in mod.x.items():
            o = mod.options[k]
            mod.m.add_hint(x, int(hint.get((d, o.start, o.length), 0)))
        for k, u in mod.used.items():
            o = mod.options[k]
            mod.m.add_hint(u, int(any((d, o.start, o.length) in hint for d in range(instance.days))))
    # The LP relaxation (HiGHS) gives a bound and, rounded, a first solution. CP-SAT first
    # searches the LP's neighbourhood (every count between its LP value's floor and ceiling;
    # 40 % of the time), then the whole model from the best solution found there.
    # (Not with a service objective or a cost per distinct shift: their fixed charges make the
    # LP weak, and CP-SAT alone does better there.)
    use_lp = service is None and not instance.weights.distinct_shifts
    lp = _lp_relaxation(mod.m, max(1.0, options.time_limit_seconds / 4)) if use_lp else None
    rounded = _rounded_lp(mod, lp[0]) if lp is not None else None
    solver = options.solver()
    p = solver.parameters
    left = lambda: max(0.5, float(options.time_limit_seconds) - (time.perf_counter() - t0))  # noqa: E731
    bound = -math.inf
    if rounded is not None:
        # first the neighbourhood of the LP: every count between its LP value's floor and ceiling
        near = mod.m.clone()
        bounded = [w for _, w in mod.groups] + list(mod.x.values()) + list(mod.assign.values()) + [
            z for parts in mod.brk.values() for zs in parts for _, z in zs]
        for var in bounded:
            v = lp[0][var.index]
            twin = near.get_int_var_from_proto_index(var.index)
            near.add(twin >= math.floor(v + 1e-9))
            near.add(twin <= math.ceil(v - 1e-9))
        for index, v in rounded[0].items():
            near.add_hint(near.get_int_var_from_proto_index(index), v)
        p.max_time_in_seconds = left() * 0.4
        if options.deterministic_time is not None:
            p.max_deterministic_time = options.deterministic_time * 0.4
        if solver.solve(near) in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            hint = dict(enumerate(solver.response_proto.solution))
        else:
            hint = rounded[0]
        for index, v in hint.items():
            mod.m.add_hint(mod.m.get_int_var_from_proto_index(index), v)
    p.max_time_in_seconds = left()
    if options.deterministic_time is not None:
        p.max_deterministic_time = options.deterministic_time * (0.6 if rounded is not None else 1.0)
    status = solver.solve(mod.m)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        bound = solver.best_objective_bound
    name = solver.status_name(status).lower()
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        sched = Schedule(instance.name, [], status=name, notes=mod.notes + [
            f"CP-SAT found no schedule within {options.time_limit_seconds} s ({name})"])
        sched.solve_seconds = time.perf_counter() - t0
        return _finish(instance, sched)

    shifts: list[ScheduledShift] = []
    if tours:
        shifts = _agents_from_tours(instance, mod, solver)
    else:
        for (d, k), x in mod.x.items():
            n = solver.value(x)
            if n <= 0:
                continue
            o = mod.options[k]
            per = _break_lists(solver, mod.brk[d, k], o.rules, o.combos, n)
            grouped: dict[tuple, int] = {}
            for b in per:
                key = tuple(sorted((o.start + off, ln) for off, ln in b))
                grouped[key] = grouped.get(key, 0) + 1
            for key, c in sorted(grouped.items()):
                shifts.append(ScheduledShift(d, o.start, o.length, key, count=c, type_name=o.type.name))
    sched = Schedule(instance.name, shifts, status=name, notes=mod.notes)
    sched.bound = max(bound, lp[1] if lp is not None else -math.inf) / scale
    sched.solve_seconds = time.perf_counter() - t0
    return _finish(instance, sched)


def _agents_from_tours(instance: Instance, mod: _Model, solver: cp_model.CpSolver) -> list[ScheduledShift]:
    """Named agents from the solved tour counts: each group's agents take the day's starts of
    their band in order, and each shift instance its break offsets."""
    period = 7 if instance.days >= 7 else instance.days
    # the starts each (day, option) still has to hand out, and its breaks per instance
    breaks_left: dict[tuple[int, int], list] = {}
    for (d, k), x in mod.x.items():
        n = solver.value(x)
        if n:
            o = mod.options[k]
            breaks_left[d, k] = _break_lists(solver, mod.brk[d, k], o.rules, o.combos, n)
    starts_left: dict[tuple[int, str, int, int], list[int]] = {}
    for (d, k, bi), a in mod.assign.items():
        o = mod.options[k]
        starts_left.setdefault((d, o.type.name, o.length, bi), []).extend([k] * solver.value(a))
    for v in starts_left.values():
        v.sort(key=lambda k: mod.options[k].start)
    shifts, n_agent = [], 0
    for (tname, L, bi, pattern), w in mod.groups:
        for _ in range(solver.value(w)):
            n_agent += 1
            agent = f"a{n_agent}"
            for d in range(instance.days):
                if not pattern[d % period]:
                    continue
                k = starts_left[d, tname, L, bi].pop(0)
                o = mod.options[k]
                brs = breaks_left[d, k].pop()
                shifts.append(ScheduledShift(d, o.start, o.length, tuple(sorted((o.start + off, ln) for off, ln in brs)),
                                             agent=agent, type_name=tname))
    return shifts


def _finish(instance: Instance, sched: Schedule) -> Schedule:
    """Objective components, coverage and the slots left short."""
    comp = objective_components(instance, sched.shifts)
    sched.objective = comp.pop("objective")
    sched.components = comp
    sched.coverage = coverage_of(instance, sched.shifts)
    req = instance.flat_requirement()
    ipd = instance.intervals_per_day
    reachable = np.zeros(instance.horizon, bool)
    for s, L, _ in instance.shift_options():
        for d in range(instance.days):
            reachable[_slots(instance, d, s, L)] = True
    for a in np.flatnonzero(sched.coverage < req):
        why = "no shift type covers this slot" if not reachable[a] else "rules and costs left it short"
        sched.unmet.append({"day": int(a // ipd), "interval": int(a % ipd), "required": int(req[a]),
                            "scheduled": int(sched.coverage[a]), "reason": why})
    return sched
