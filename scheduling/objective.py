"""Coverage and objective of a schedule, defined exactly as the benchmark checker does.

Coverage of a slot = agents in a shift there and not on a break; under/over = the
shortfall/surplus against the requirement, in agent-minutes; paid minutes = shift span
minus unpaid breaks. Slots past the horizon wrap to its start when the instance is cyclic
and are dropped otherwise.
"""

from __future__ import annotations

import numpy as np

from scheduling.instance import Instance, ScheduledShift


def coverage_of(instance: Instance, shifts: list[ScheduledShift]) -> np.ndarray:
    """Agents working (not on break) per slot of the horizon, shape (horizon,)."""
    H, ipd = instance.horizon, instance.intervals_per_day
    delta = np.zeros(H + 1, dtype=np.int64)

    def add(a0: int, a1: int, c: int) -> None:  # absolute slots [a0, a1), may pass H
        while a0 < a1:
            if a0 >= H:
                if not instance.cyclic:
                    return
                a0, a1 = a0 - H, a1 - H
                continue
            e = min(a1, H)
            delta[a0] += c
            delta[e] -= c
            a0 = e

    for s in shifts:
        base = s.day * ipd
        add(base + s.start, base + s.start + s.length, s.count)
        for b0, bl in s.breaks:
            add(base + b0, base + b0 + bl, -s.count)
    return np.cumsum(delta)[:H]


def paid_minutes_of(instance: Instance, shift: ScheduledShift) -> int:
    """Paid minutes of one shift instance (span minus its unpaid break rules)."""
    t = instance.shift_type_of(shift.start, shift.length)
    unpaid = t.unpaid_intervals(shift.length) if t else 0
    return (shift.length - unpaid) * instance.interval_minutes


def objective_components(instance: Instance, shifts: list[ScheduledShift]) -> dict[str, float]:
    """The checker's components (under/over agent-minutes, distinct shifts, shift instances,
    paid minutes) and the weighted ``objective``."""
    cov = coverage_of(instance, shifts)
    req = instance.flat_requirement()
    iv = instance.interval_minutes
    comp = {
        "under_minutes": int(np.maximum(req - cov, 0).sum()) * iv,
        "over_minutes": int(np.maximum(cov - req, 0).sum()) * iv,
        "distinct_shifts": len({(s.start, s.length) for s in shifts}),
        "shift_instances": sum(s.count for s in shifts),
        "paid_minutes": sum(s.count * paid_minutes_of(instance, s) for s in shifts),
    }
    w = instance.weights
    comp["objective"] = (w.under_minutes * comp["under_minutes"] + w.over_minutes * comp["over_minutes"]
                         + w.distinct_shifts * comp["distinct_shifts"] + w.shift_instances * comp["shift_instances"]
                         + w.paid_minutes * comp["paid_minutes"])
    return comp
