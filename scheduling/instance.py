"""A scheduling problem and its solution, in interval units, with the benchmark JSON formats.

An :class:`Instance` is one planning horizon of ``days`` × ``intervals_per_day`` slots of
``interval_minutes`` with a required head-count per slot, the shift types allowed (start
window, start step, length range, break rules), optional per-agent labour rules and the
objective weights. It reads and writes ``wfm-bench-instance/1`` exactly; a
:class:`Schedule` reads and writes ``wfm-bench-schedule/1`` (see
``../shared/bench/scheduling/README.md``). All positions and lengths are in intervals,
weekly amounts in minutes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

INSTANCE_SCHEMA = "wfm-bench-instance/1"
SCHEDULE_SCHEMA = "wfm-bench-schedule/1"


class InstanceError(ValueError):
    """An instance file that cannot be read: the message names the field and the value."""


@dataclass(frozen=True)
class BreakRule:
    """One break every applicable shift must contain: ``length`` intervals starting between
    ``earliest_offset`` and ``latest_offset`` intervals after the shift start; applies to
    shifts of ``min_shift_length``..``max_shift_length`` intervals."""

    name: str
    length: int
    earliest_offset: int
    latest_offset: int
    paid: bool = False
    min_shift_length: int = 0
    max_shift_length: int = 10**9

    def applies(self, shift_length: int) -> bool:
        return self.min_shift_length <= shift_length <= self.max_shift_length

    def offsets(self, shift_length: int) -> range:
        """Start offsets that keep the break inside a shift of ``shift_length`` intervals."""
        return range(max(0, self.earliest_offset), min(self.latest_offset, shift_length - self.length) + 1)


@dataclass(frozen=True)
class ShiftType:
    """Shifts starting at ``start_min``..``start_max`` (step ``start_step``, interval of the
    day) and lasting ``length_min``..``length_max`` intervals, breaks included."""

    name: str
    start_min: int
    start_max: int
    length_min: int
    length_max: int
    start_step: int = 1
    breaks: tuple[BreakRule, ...] = ()

    def admits(self, start: int, length: int) -> bool:
        return (self.start_min <= start <= self.start_max and (start - self.start_min) % self.start_step == 0
                and self.length_min <= length <= self.length_max)

    def break_rules(self, length: int) -> list[BreakRule]:
        return [b for b in self.breaks if b.applies(length)]

    def label_breaks(self, start: int, length: int, breaks) -> list[tuple[int, int, BreakRule]]:
        """Each break (start, length) with the rule it fulfils, matched like the checker:
        narrowest window first, same length, offset inside the window."""
        left = sorted(breaks)
        out = []
        for r in sorted(self.break_rules(length), key=lambda r: r.latest_offset - r.earliest_offset):
            hit = next((b for b in left if b[1] == r.length and r.earliest_offset <= b[0] - start <= r.latest_offset),
                       None)
            if hit is not None:
                left.remove(hit)
                out.append((hit[0], hit[1], r))
        return sorted(out, key=lambda x: x[0])

    def unpaid_intervals(self, length: int) -> int:
        return sum(b.length for b in self.break_rules(length) if not b.paid)


@dataclass(frozen=True)
class AgentRules:
    """Per-agent labour rules over each 7-day week (``None`` = no rule). ``min_rest`` and
    ``max_start_spread`` are in intervals, weekly amounts in paid minutes."""

    max_days_per_week: int | None = None
    min_days_per_week: int | None = None
    min_minutes_per_week: int | None = None
    max_minutes_per_week: int | None = None
    consecutive_days_off: int | None = None
    min_rest: int | None = None
    max_start_spread: int | None = None


@dataclass(frozen=True)
class Weights:
    """Objective weights: per under-/over-staffed agent-minute, per distinct (start, length)
    shift used, per shift instance, per paid minute."""

    under_minutes: float = 1
    over_minutes: float = 1
    distinct_shifts: float = 0
    shift_instances: float = 0
    paid_minutes: float = 0


@dataclass
class Instance:
    """A scheduling problem in interval units (see the module docstring)."""

    name: str
    interval_minutes: int
    days: int
    intervals_per_day: int
    requirement: np.ndarray
    "agents required, shape (days, intervals_per_day)"
    shift_types: list[ShiftType]
    agent_rules: AgentRules | None = None
    weights: Weights = field(default_factory=Weights)
    cyclic: bool = True
    "coverage past the last slot wraps to the first (a repeating week)"
    objective_kind: str = "weighted_cover"
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def horizon(self) -> int:
        return self.days * self.intervals_per_day

    def flat_requirement(self) -> np.ndarray:
        return self.requirement.reshape(-1)

    def shift_type_of(self, start: int, length: int) -> ShiftType | None:
        """The first shift type admitting (start, length), as the benchmark checker decides."""
        return next((t for t in self.shift_types if t.admits(start, length)), None)

    def shift_options(self) -> list[tuple[int, int, ShiftType]]:
        """Every legal (start, length) with the shift type that governs its breaks."""
        seen, out = set(), []
        for t in self.shift_types:
            for s in range(t.start_min, t.start_max + 1, t.start_step):
                for L in range(t.length_min, t.length_max + 1):
                    if (s, L) not in seen:
                        seen.add((s, L))
                        out.append((s, L, self.shift_type_of(s, L)))
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Instance":
        """Read a ``wfm-bench-instance/1`` document; errors name the field and the value."""
        if not isinstance(data, dict) or data.get("schema") != INSTANCE_SCHEMA:
            got = data.get("schema") if isinstance(data, dict) else type(data).__name__
            raise InstanceError(f"schema: expected {INSTANCE_SCHEMA!r}, got {got!r}")

        def need(obj: dict, key: str, where: str, kind=int, minimum=None):
            if key not in obj:
                raise InstanceError(f"{where}{key}: missing")
            val = obj[key]
            if kind is int and (isinstance(val, bool) or not isinstance(val, int)):
                raise InstanceError(f"{where}{key}: expected an integer, got {val!r}")
            if minimum is not None and val < minimum:
                raise InstanceError(f"{where}{key}: expected >= {minimum}, got {val!r}")
            return val

        iv = need(data, "interval_minutes", "", minimum=1)
        days = need(data, "days", "", minimum=1)
        ipd = need(data, "intervals_per_day", "", minimum=1)
        if ipd * iv != 24 * 60:
            raise InstanceError(f"intervals_per_day: {ipd} × {iv} min is not a 24-hour day")
        req = data.get("requirement")
        try:
            req_arr = np.asarray(req, dtype=float)
        except (TypeError, ValueError):
            raise InstanceError("requirement: expected days × intervals_per_day numbers") from None
        if req_arr.shape != (days, ipd):
            raise InstanceError(f"requirement: expected shape ({days}, {ipd}), got {req_arr.shape}")
        if (req_arr < 0).any() or (req_arr != np.round(req_arr)).any():
            d, k = np.argwhere((req_arr < 0) | (req_arr != np.round(req_arr)))[0]
            raise InstanceError(f"requirement[{d}][{k}]: expected a whole number >= 0, got {req_arr[d, k]!r}")
        types = []
        for i, t in enumerate(data.get("shift_types") or []):
            w = f"shift_types[{i}]."
            brs = []
            for j, b in enumerate(t.get("breaks") or []):
                wb = f"{w}breaks[{j}]."
                brs.append(BreakRule(str(b.get("name", f"break{j}")), need(b, "length", wb, minimum=1),
                                     need(b, "earliest_offset", wb, minimum=0), need(b, "latest_offset", wb, minimum=0),
                                     bool(b.get("paid", False)), int(b.get("min_shift_length", 0)),
                                     int(b.get("max_shift_length", 10**9))))
            st = ShiftType(str(t.get("name", f"T{i + 1}")), need(t, "start_min", w, minimum=0),
                           need(t, "start_max", w, minimum=0), need(t, "length_min", w, minimum=1),
                           need(t, "length_max", w, minimum=1), int(t.get("start_step", 1)), tuple(brs))
            if st.start_max >= ipd or st.start_min > st.start_max:
                raise InstanceError(f"{w}start_min/start_max: expected 0 <= {st.start_min} <= {st.start_max} < {ipd}")
            if st.length_min > st.length_max:
                raise InstanceError(f"{w}length_min: {st.length_min} exceeds length_max {st.length_max}")
            if st.start_step < 1:
                raise InstanceError(f"{w}start_step: expected >= 1, got {st.start_step}")
            types.append(st)
        if not types:
            raise InstanceError("shift_types: at least one shift type is needed")
        ar = data.get("agent_rules")
        rules = AgentRules(**{k: ar.get(k) for k in AgentRules.__dataclass_fields__}) if ar else None
        obj = data.get("objective") or {}
        wts = obj.get("weights") or {}
        weights = Weights(**{k: wts.get(k, getattr(Weights(), k)) for k in Weights.__dataclass_fields__})
        return cls(name=str(data.get("name", "instance")), interval_minutes=iv, days=days, intervals_per_day=ipd,
                   requirement=req_arr.astype(np.int64), shift_types=types, agent_rules=rules, weights=weights,
                   cyclic=bool(data.get("cyclic", True)), objective_kind=str(obj.get("kind", "weighted_cover")),
                   raw=data)

    @classmethod
    def load(cls, path: str | Path) -> "Instance":
        path = Path(path)
        try:
            data = json.loads(path.read_text())
        except json.JSONDecodeError as exc:
            raise InstanceError(f"{path}: not JSON ({exc})") from None
        return cls.from_json(data)


@dataclass(frozen=True)
class ScheduledShift:
    """``count`` identical shifts (or one for ``agent``) on ``day`` from interval ``start``
    for ``length`` intervals; ``breaks`` are (start, length) on the same axis as ``start``."""

    day: int
    start: int
    length: int
    breaks: tuple[tuple[int, int], ...] = ()
    count: int = 1
    agent: str | None = None
    type_name: str = ""


@dataclass
class Schedule:
    """A solution and how it was found: ``status`` (optimal, feasible, …), ``objective``
    (same definition and units as the benchmark checker), ``bound`` (best proven lower bound
    of the model solved), the objective's ``components`` and what could not be met."""

    instance: str
    shifts: list[ScheduledShift]
    status: str = "unknown"
    objective: float | None = None
    bound: float | None = None
    components: dict[str, float] = field(default_factory=dict)
    coverage: np.ndarray | None = None
    unmet: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    solve_seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        """The ``wfm-bench-schedule/1`` document plus a ``report`` the checker ignores."""
        shifts = []
        for s in self.shifts:
            row: dict[str, Any] = {"day": s.day, "start": s.start, "length": s.length}
            if s.agent is not None:
                row["agent"] = s.agent
            else:
                row["count"] = s.count
            if s.breaks:
                row["breaks"] = [list(b) for b in s.breaks]
            shifts.append(row)
        return {"schema": SCHEDULE_SCHEMA, "instance": self.instance, "shifts": shifts,
                "report": {"status": self.status, "objective": self.objective, "bound": self.bound,
                           "components": self.components, "unmet_intervals": self.unmet, "notes": self.notes,
                           "solve_seconds": round(self.solve_seconds, 3)}}
