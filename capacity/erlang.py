"""Erlang B and Erlang C (M/M/n), vectorised over intervals and stable at any size.

Erlang B is computed in log space, ``log(1/B(n, A))``, from the regularized upper
incomplete gamma where it does not underflow and from a short finite series elsewhere:
no factorials, no overflow, O(1) per interval whatever n. Erlang C follows from B. Conventions: ``load`` A in Erlangs (volume × AHT ÷ interval
seconds); service level is the share of **offered** contacts answered within the
threshold (no abandonment in Erlang C); ASA over answered contacts (= all); occupancy =
A ÷ n on carried load. ``n <= A`` is an unstable queue: P(wait) = 1, SL = 0, ASA = inf,
reported through ``stable = False`` rather than an exception.
"""

from __future__ import annotations

import numpy as np
from scipy.special import gammaincc, gammaln


def traffic_erlangs(volume, aht_seconds, interval_minutes: float) -> np.ndarray:
    """Offered load A in Erlangs = volume × AHT (s) ÷ interval length (s)."""
    return np.asarray(volume, dtype=float) * np.asarray(aht_seconds, dtype=float) / (interval_minutes * 60.0)


def product_series(ratio, shape) -> np.ndarray:
    """1 + Σ_{k≥1} Π_{i=1..k} ratio(i), summed until the terms are negligible (1e-17 of the
    total) — for series whose ratios fall below 1, as in the regions where it is used."""
    term = np.ones(shape)
    total = np.ones(shape)
    i = 0
    while True:
        i += 1
        term = term * ratio(i)
        total += term
        if not (term > 1e-17 * total).any():
            return total


def log_inverse_erlang_b(agents, load) -> np.ndarray:
    """log(1/B(n, A)) for integer n ≥ 0 and load A ≥ 0 (Erlang B), without overflow.

    1/B = e^A·Γ(n+1, A)/A^n = Σ_{k=0..n} n!/(n−k)!·A^{−k}. The regularized upper incomplete
    gamma is used where it does not underflow (n ≳ A); elsewhere the finite series, whose
    terms shrink geometrically when n < A.
    """
    n = np.asarray(agents, dtype=float)
    a = np.asarray(load, dtype=float)
    n, a = np.broadcast_arrays(n, a)
    out = np.zeros(n.shape)
    pos = a > 0
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        q = gammaincc(n + 1, np.where(pos, a, 1.0))
        good = pos & (q > 1e-280)
        out = np.where(good, a + gammaln(n + 1) + np.log(np.where(good, q, 1.0)) - n * np.log(np.where(pos, a, 1.0)),
                       out)
    rest = pos & ~good  # n well below A: Σ_k Π_{i<k} (n−i)/A converges fast
    if rest.any():
        nn, aa = n[rest], a[rest]
        out[rest] = np.log(product_series(lambda i: np.maximum(nn - (i - 1), 0) / aa, nn.shape))
    out[~pos] = np.where(n[~pos] >= 0, np.inf, 0.0)  # no load: B = 0 (1/B infinite) unless n = 0
    out[(~pos) & (n == 0)] = 0.0
    return out


def erlang_b(agents, load) -> np.ndarray:
    """Blocking probability of M/M/n/n for integer ``agents`` ≥ 0 and ``load`` ≥ 0 (Erlangs)."""
    with np.errstate(over="ignore"):
        return np.exp(-log_inverse_erlang_b(agents, load))


def erlang_c_metrics(agents, load, aht_seconds, threshold_seconds: float | np.ndarray = 0.0) -> dict[str, np.ndarray]:
    """Erlang C metrics at ``agents`` for offered ``load`` (Erlangs).

    Returns arrays: ``p_wait`` (0–1), ``service_level`` (answered within threshold ÷ offered,
    0–1), ``asa_seconds``, ``occupancy`` (0–1) and ``stable`` (n > A).
    """
    n = np.asarray(agents, dtype=float)
    a = np.asarray(load, dtype=float)
    aht = np.asarray(aht_seconds, dtype=float)
    n, a, aht, thr = np.broadcast_arrays(n, a, aht, np.asarray(threshold_seconds, dtype=float))
    log_inv_b = log_inverse_erlang_b(n, a)
    with np.errstate(over="ignore"):
        b = np.exp(-log_inv_b)
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
