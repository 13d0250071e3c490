"""Deferred work (email, back office) and outbound: backlog projection and staffing.

Backlog projection, per interval, first in first out: items arriving in an interval join
the queue at its start; in an open interval the staff present handle up to
``staff × interval seconds ÷ AHT`` items, oldest first; an item handled in an interval is
counted as finished at the interval's end (conservative), so its handling time is
``(handled interval − arrival interval + 1) × interval length``. Work left at closing is
carried to the next open interval. Timeliness = share of handled items finished within
the cycle time; aging (COPC) = mean delay beyond the cycle time of the items handled late.
"""

from __future__ import annotations

from collections import deque

import numpy as np
import pandas as pd


def backlog_projection(arrivals, staff, aht_seconds, *, interval_minutes: int, cycle_time_seconds: float,
                       open_mask=None, initial_backlog: float = 0.0) -> pd.DataFrame:
    """Per interval: ``handled``, ``handled_within_cycle``, ``backlog`` (items waiting at the
    end), ``oldest_age_seconds`` of the waiting items, and ``late_delay_seconds`` (total
    delay beyond the cycle time of the items handled late). ``initial_backlog`` items are
    treated as arriving at the start of the first interval."""
    arr = np.atleast_1d(np.asarray(arrivals, dtype=float))
    n = len(arr)
    st = np.broadcast_to(np.asarray(staff, dtype=float), (n,))
    aht = np.broadcast_to(np.asarray(aht_seconds, dtype=float), (n,))
    is_open = np.ones(n, bool) if open_mask is None else np.asarray(open_mask, bool)
    if np.any(arr < 0) or np.any(~np.isfinite(arr)):
        raise ValueError("arrivals must be finite and >= 0")
    if np.any(st < 0):
        raise ValueError("staff must be >= 0")
    if np.any((aht <= 0) & (arr > 0)):
        raise ValueError("aht_seconds must be > 0")
    if cycle_time_seconds <= 0:
        raise ValueError(f"cycle_time_seconds must be > 0, got {cycle_time_seconds}")
    length = interval_minutes * 60.0
    capacity = np.where(is_open, st * length / np.where(aht > 0, aht, 1.0), 0.0)
    queue: deque[list[float]] = deque()  # [arrival interval, items]
    if initial_backlog > 0:
        queue.append([0, float(initial_backlog)])
    out = np.zeros((n, 5))
    for i in range(n):
        if arr[i] > 0:
            queue.append([i, arr[i]])
        cap = capacity[i]
        handled = within = late = 0.0
        while cap > 1e-12 and queue:
            cohort = queue[0]
            take = min(cap, cohort[1])
            age = (i - cohort[0] + 1) * length
            handled += take
            if age <= cycle_time_seconds + 1e-9:
                within += take
            else:
                late += take * (age - cycle_time_seconds)
            cohort[1] -= take
            cap -= take
            if cohort[1] <= 1e-12:
                queue.popleft()
        backlog = sum(c[1] for c in queue)
        oldest = (i - queue[0][0] + 1) * length if queue else 0.0
        out[i] = (handled, within, backlog, oldest, late)
    return pd.DataFrame(out, columns=["handled", "handled_within_cycle", "backlog", "oldest_age_seconds",
                                      "late_delay_seconds"])


def timeliness(projection: pd.DataFrame) -> dict[str, float]:
    """Summary of a projection: ``timeliness`` (share handled within the cycle time),
    ``aging_seconds`` (mean delay beyond the cycle time of late items), ``backlog_end``."""
    handled = projection["handled"].sum()
    late_items = handled - projection["handled_within_cycle"].sum()
    return {
        "timeliness": float(projection["handled_within_cycle"].sum() / handled) if handled > 0 else 1.0,
        "aging_seconds": float(projection["late_delay_seconds"].sum() / late_items) if late_items > 1e-9 else 0.0,
        "backlog_end": float(projection["backlog"].iloc[-1]) if len(projection) else 0.0,
    }


def deferred_staffing(arrivals, aht_seconds, *, interval_minutes: int, cycle_time_seconds: float,
                      timeliness_target: float, open_mask=None, day=None, max_agents: int = 100_000
                      ) -> tuple[np.ndarray, dict[str, float]]:
    """The smallest staffing profile (whole agents, one level per ``day`` group of intervals,
    staffed in its open intervals) whose projection handles at least ``timeliness_target``
    of the items within the cycle time and leaves no more backlog at the end than arrived in
    the last cycle time. Found by bisection on a flat level, then lowering each day's level
    while the targets still hold. When no staffing can reach the target (e.g. mail arriving
    over a closed weekend longer than the cycle time), the staffing reaching the best
    attainable timeliness is returned with ``feasible = False`` and
    ``attainable_timeliness`` in the summary. Returns the per-interval staff and the summary."""
    arr = np.atleast_1d(np.asarray(arrivals, dtype=float))
    n = len(arr)
    if not 0 < timeliness_target <= 1:
        raise ValueError(f"timeliness_target must be in (0, 1], got {timeliness_target}")
    is_open = np.ones(n, bool) if open_mask is None else np.asarray(open_mask, bool)
    groups = np.zeros(n, int) if day is None else pd.factorize(np.asarray(day))[0]
    cycle_intervals = max(1, int(cycle_time_seconds // (interval_minutes * 60)))
    allowed_end = arr[-cycle_intervals:].sum()

    def meets(levels: np.ndarray, target: float = timeliness_target) -> tuple[bool, dict]:
        staff = np.where(is_open, levels[groups], 0.0)
        proj = backlog_projection(arr, staff, aht_seconds, interval_minutes=interval_minutes,
                                  cycle_time_seconds=cycle_time_seconds, open_mask=is_open)
        s = timeliness(proj)
        return s["timeliness"] >= target - 1e-12 and s["backlog_end"] <= allowed_end + 1e-9, s

    k = groups.max() + 1 if n else 0
    if n == 0 or arr.sum() == 0:
        return np.zeros(n), {"timeliness": 1.0, "aging_seconds": 0.0, "backlog_end": 0.0, "feasible": True,
                             "attainable_timeliness": 1.0}
    # the best any staffing can do: clear everything in the first open interval after arrival
    aht_max = float(np.max(np.broadcast_to(np.asarray(aht_seconds, dtype=float), (n,))))
    flood = float(np.ceil(arr.sum() * aht_max / (interval_minutes * 60.0)))
    _, best = meets(np.full(k, flood))
    feasible = best["timeliness"] >= timeliness_target - 1e-12
    target = timeliness_target if feasible else best["timeliness"]

    def meets_target(levels: np.ndarray) -> bool:
        ok, s = meets(levels, target)
        return ok

    lo, hi = 0, 1
    while not meets_target(np.full(k, float(hi))):
        lo, hi = hi, min(hi * 2, int(flood))
        if hi >= max_agents:
            raise ValueError(f"no staffing up to {max_agents} agents meets the timeliness target")
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if meets_target(np.full(k, float(mid))):
            hi = mid
        else:
            lo = mid
    levels = np.full(k, float(hi))
    for g in range(k):  # lower each day while the targets still hold
        while levels[g] > 0:
            trial = levels.copy()
            trial[g] -= 1
            if not meets_target(trial):
                break
            levels = trial
    _, summary = meets(levels, target)
    summary.update(feasible=feasible, attainable_timeliness=best["timeliness"])
    return np.where(is_open, levels[groups], 0.0), summary


def outbound_agents(attempts, *, right_party_connect_rate, aht_seconds, non_connect_seconds: float,
                    utilisation_target: float, interval_minutes: int) -> np.ndarray:
    """Agents per interval for outbound dialling: workload = attempts × (connect rate × AHT +
    (1 − connect rate) × time per non-connect), divided by the interval's seconds × the
    utilisation target (share of logged-in time on that work), rounded up. The connect rate
    (0–1) and AHT (seconds) may be one value or one per interval."""
    att = np.asarray(attempts, dtype=float)
    if np.any(att < 0):
        raise ValueError("attempts must be >= 0")
    rate = np.asarray(right_party_connect_rate, dtype=float)
    if np.any(~np.isfinite(rate)) or np.any((rate < 0) | (rate > 1)):
        raise ValueError(f"right_party_connect_rate must be in [0, 1], got {right_party_connect_rate}")
    right_party_connect_rate = rate
    if not 0 < utilisation_target <= 1:
        raise ValueError(f"utilisation_target must be in (0, 1], got {utilisation_target}")
    work = att * (right_party_connect_rate * aht_seconds + (1 - right_party_connect_rate) * non_connect_seconds)
    return np.ceil(work / (interval_minutes * 60.0 * utilisation_target) - 1e-9)
