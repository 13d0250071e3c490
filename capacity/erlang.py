"""Erlang B and Erlang C (M/M/n), vectorised over intervals and stable at any size.

Erlang B is computed with the forward recursion ``B(k) = A·B(k-1) / (k + A·B(k-1))``,
which never overflows (values shrink towards 0 instead of growing like factorials).
Erlang C follows from B. Conventions: ``load`` A in Erlangs (volume × AHT ÷ interval
seconds); service level is the share of **offered** contacts answered within the
threshold (no abandonment in Erlang C); ASA over answered contacts (= all); occupancy =
A ÷ n on carried load. ``n <= A`` is an unstable queue: P(wait) = 1, SL = 0, ASA = inf,
reported through ``stable = False`` rather than an exception.
"""

from __future__ import annotations

import numpy as np


def traffic_erlangs(volume, aht_seconds, interval_minutes: float) -> np.ndarray:
    """Offered load A in Erlangs = volume × AHT (s) ÷ interval length (s)."""
    return np.asarray(volume, dtype=float) * np.asarray(aht_seconds, dtype=float) / (interval_minutes * 60.0)


def erlang_b(agents, load) -> np.ndarray:
    """Blocking probability of M/M/n/n for integer ``agents`` ≥ 0 and ``load`` ≥ 0 (Erlangs)."""
    n = np.asarray(agents, dtype=np.int64)
    a = np.asarray(load, dtype=float)
    n, a = np.broadcast_arrays(n, a)
    b = np.ones(n.shape, dtype=float)
    out = np.ones(n.shape, dtype=float)
    top = int(n.max(initial=0))
    for k in range(1, top + 1):
        ab = a * b
        b = ab / (k + ab)
        hit = n == k
        if hit.any():
            out[hit] = b[hit]
    out[n == 0] = 1.0
    return out


def erlang_c_metrics(agents, load, aht_seconds, threshold_seconds: float | np.ndarray = 0.0) -> dict[str, np.ndarray]:
    """Erlang C metrics at ``agents`` for offered ``load`` (Erlangs).

    Returns arrays: ``p_wait`` (0–1), ``service_level`` (answered within threshold ÷ offered,
    0–1), ``asa_seconds``, ``occupancy`` (0–1) and ``stable`` (n > A).
    """
    n = np.asarray(agents, dtype=float)
    a = np.asarray(load, dtype=float)
    aht = np.asarray(aht_seconds, dtype=float)
    n, a, aht, thr = np.broadcast_arrays(n, a, aht, np.asarray(threshold_seconds, dtype=float))
    b = erlang_b(n.astype(np.int64), a)
    return _c_from_b(n, a, aht, thr, b)


def _c_from_b(n, a, aht, thr, b) -> dict[str, np.ndarray]:
    stable = n > a
    zero = a <= 0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        c = np.where(stable, n * b / (n - a * (1.0 - b)), 1.0)
        c = np.where(zero, 0.0, np.clip(c, 0.0, 1.0))
        rate = np.where(stable, (n - a) / aht, 0.0)
        sl = np.where(stable, 1.0 - c * np.exp(-rate * thr), 0.0)
        asa = np.where(stable, c * aht / np.where(stable, n - a, 1.0), np.inf)
        occ = np.where(n > 0, np.minimum(a / np.where(n > 0, n, 1.0), 1.0), 0.0)
    sl = np.where(zero, 1.0, sl)
    asa = np.where(zero, 0.0, asa)
    return {"p_wait": c, "service_level": sl, "asa_seconds": asa, "occupancy": occ, "stable": stable | zero}


def erlang_c_required(load, aht_seconds, *, sl_target: float | None = None, threshold_seconds: float = 0.0,
                      asa_target_seconds: float | None = None, max_occupancy: float | None = None,
                      max_agents: int | None = None) -> dict[str, np.ndarray]:
    """Smallest integer agents per interval meeting every given target (Erlang C).

    Walks the Erlang B recursion once upwards for all intervals together; each interval
    stops at its first agent count meeting all targets. Intervals that reach ``max_agents``
    (default: no limit other than a load-based safety bound) without meeting them are
    ``feasible = False``. Returns ``agents`` plus the metrics at that count and ``binding``
    (the target that was last to be met).
    """
    a = np.atleast_1d(np.asarray(load, dtype=float))
    aht = np.broadcast_to(np.asarray(aht_seconds, dtype=float), a.shape)
    size = a.shape
    unreachable = np.zeros(size, dtype=bool)
    if sl_target is not None and sl_target >= 1.0:
        unreachable |= a > 0
    if asa_target_seconds is not None and asa_target_seconds <= 0:
        unreachable |= a > 0
    # generous upper bound: load + 10·sqrt(load) + 20 always meets any reachable target
    cap = np.ceil(a + 10 * np.sqrt(a) + 20 + (a / max_occupancy if max_occupancy else 0)).astype(np.int64)
    if max_agents is not None:
        cap = np.minimum(cap, max_agents)
    agents = np.zeros(size, dtype=np.int64)
    done = (a <= 0) | unreachable
    feasible = ~unreachable
    b = np.ones(size)
    binding = np.full(size, "none", dtype=object)
    top = int(cap.max(initial=0))
    for k in range(1, top + 1):
        ab = a * b
        b = ab / (k + ab)
        active = ~done
        if not active.any():
            break
        kk = np.full(size, float(k))
        m = _c_from_b(kk, a, aht, np.full(size, threshold_seconds), b)
        ok_sl = m["service_level"] >= sl_target - 1e-12 if sl_target is not None else np.ones(size, bool)
        ok_asa = m["asa_seconds"] <= asa_target_seconds + 1e-12 if asa_target_seconds is not None else np.ones(size, bool)
        ok_occ = m["occupancy"] <= max_occupancy + 1e-12 if max_occupancy is not None else np.ones(size, bool)
        ok = active & m["stable"] & (k > a) & ok_sl & ok_asa & ok_occ
        if ok.any():
            agents[ok] = k
            # binding target: the one that failed at k-1 (evaluated below) — record order
            done |= ok
        over = active & ~ok & (k >= cap)
        if over.any():
            agents[over] = k
            feasible[over] = False
            done |= over
    metrics = erlang_c_metrics(agents, a, aht, threshold_seconds)
    before = erlang_c_metrics(np.maximum(agents - 1, 0), a, aht, threshold_seconds)
    fails = []
    if sl_target is not None:
        fails.append(("service_level", before["service_level"] < sl_target - 1e-12))
    if asa_target_seconds is not None:
        fails.append(("asa", before["asa_seconds"] > asa_target_seconds + 1e-12))
    if max_occupancy is not None:
        fails.append(("occupancy", before["occupancy"] > max_occupancy + 1e-12))
    fails.append(("stability", ~before["stable"]))
    for name, mask in reversed(fails):  # first listed target wins when several bind
        binding = np.where(mask & (agents > 0), name, binding)
    binding = np.where(~feasible, "infeasible", binding)
    return {"agents": agents, "feasible": feasible, "binding": binding, **metrics}
