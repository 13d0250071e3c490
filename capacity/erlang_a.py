"""Erlang A (M/M/n+M): Poisson arrivals, exponential handle times, n agents, exponential
customer patience — vectorised over intervals, in log space, stable at any size.

Derivation (birth–death chain on the number of contacts in the system). With
λ = arrivals/s, μ = 1/AHT, θ = 1/patience, A = λ/μ, x = λ/θ and b = nμ/θ:

* π_k ∝ A^k/k! for k ≤ n, and π_{n+j}/π_n = w_j = Π_{i=1..j} x/(b+i);
  Σ_{k<n} π_k/π_n = 1/B(n, A) − 1 with Erlang B.
* A contact arriving with j contacts queued ahead moves up at rate θ(b+i) and abandons at
  rate θ, so it is served with probability b/(b+j+1) (the product telescopes), and its
  wait, if served, is a sum of exponentials of rates θ(b+1+i), i = 0..j, i.e.
  −ln(Beta(b+1, j+1))/θ: answered within T with probability b/(b+j+1)·(1 − I_z(b+1, j+1)),
  z = e^{−θT}, I the regularized incomplete beta (computed by its recursion in j).
* Its expected wait when served is Σ_i 1/(θ(b+1+i)) = (ψ(b+j+2) − ψ(b+1))/θ.

Every sum runs over j in log space until the terms are negligible, so nothing overflows
or underflows (no factorials, no incomplete gamma of large shape). Conventions: service
level on **offered** contacts (abandoned contacts stay in the denominator), ASA over
**answered** contacts, occupancy on carried (answered) load.
"""

from __future__ import annotations

import numpy as np
from scipy.special import gammainc, gammaln

from capacity.erlang import log_inverse_erlang_b, product_series

_TAIL = 40.0  # stop summing once terms are below e^-40 of the largest


def erlang_a_metrics(agents, load, aht_seconds, patience_seconds, threshold_seconds=0.0) -> dict[str, np.ndarray]:
    """Erlang A metrics at ``agents`` for offered ``load`` (Erlangs), per interval.

    Returns arrays (fractions 0–1, seconds):
    ``p_wait`` (share of offered contacts that wait), ``p_abandon`` (abandon rate on offered),
    ``service_level`` (answered within threshold ÷ offered), ``service_level_excluding_abandons``
    (answered within threshold ÷ (offered − abandoned within threshold)),
    ``service_level_of_answered`` (answered within threshold ÷ answered), ``asa_seconds``
    (mean wait of answered contacts; NaN when nobody is answered), ``mean_wait_seconds`` (of all offered, incl. the wait
    of those who abandon), ``occupancy`` (carried load ÷ agents) and ``p_answered``.
    """
    n = np.atleast_1d(np.asarray(agents, dtype=float))
    a = np.asarray(load, dtype=float)
    aht = np.asarray(aht_seconds, dtype=float)
    pat = np.asarray(patience_seconds, dtype=float)
    thr = np.asarray(threshold_seconds, dtype=float)
    n, a, aht, pat, thr = (np.array(v, dtype=float) for v in np.broadcast_arrays(n, a, aht, pat, thr))
    shape = n.shape
    theta = 1.0 / pat
    x = a * pat / aht            # λ/θ = (A/AHT)·patience
    b = n * pat / aht            # nμ/θ
    z_log = -theta * thr         # log z, z = e^{-θT}
    with np.errstate(divide="ignore"):
        log_z1 = np.log1p(-np.exp(z_log))  # log(1 − z); −inf when T = 0
    lib = log_inverse_erlang_b(n, a)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_idle = np.where(np.isfinite(lib), lib + np.log1p(-np.exp(-lib)), np.inf)  # log(1/B − 1)
    log_idle = np.where(n == 0, -np.inf, log_idle)

    # j-sums in linear space scaled by e^{-ref}, ref = the largest log w_j seen so far; rows
    # whose tail is negligible leave the working set (every 8 terms)
    names = ("wait", "served", "aband", "within", "wserved", "ab_after")
    jmax = int(np.ceil(np.nanmax(np.maximum(x - b, 0) + 12 * np.sqrt(x + 1) + 40, initial=40)))
    final = {k: np.zeros(shape) for k in names}
    final_ref = np.zeros(shape)
    live = np.arange(n.size)
    bb, xx, th, lz1 = b.ravel(), x.ravel(), theta.ravel(), log_z1.ravel()
    zl = z_log.ravel()
    log_w = np.zeros(live.size)                   # log w_0 = 0
    ref = np.zeros(live.size)
    acc = {k: np.zeros(live.size) for k in names}
    # I_z(b+1, j+1) and I_z(b, j+1): I_z(c, m+1) = I_z(c, m) + t_m, t_m = t_{m-1}(1−z)(c+m−1)/m, t_0 = z^c
    log_t1 = (bb + 1) * zl
    log_t0 = bb * zl
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        i1 = np.exp(log_t1)
        i0 = np.exp(log_t0)
        z = np.exp(zl)
        log_x = np.log(xx)
        mean_if_served = 1.0 / (th * (bb + 1))       # Σ_{i<=j} 1/(θ(b+1+i)) at j = 0
        log_prev = np.log(bb)                         # log(b + j - 1) at j = 1
        j = 0
        while live.size:
            if j > 0:
                log_bj = np.log(bb + j)
                log_j = np.log(j)
                log_w = log_w + log_x - log_bj
                log_t1 = log_t1 + (lz1 - log_j) + log_bj
                log_t0 = log_t0 + (lz1 - log_j) + log_prev
                log_prev = log_bj
                i1 = i1 + np.exp(log_t1)
                i0 = i0 + np.exp(log_t0)
                mean_if_served = mean_if_served + 1.0 / (th * (bb + j + 1))
                up = log_w > ref
                if up.any():  # rescale the accumulators to the new maximum
                    scale = np.exp(np.where(up, ref - log_w, 0.0))
                    for k in names:
                        acc[k] *= scale
                    ref = np.where(up, log_w, ref)
            w = np.exp(log_w - ref)
            served = bb / (bb + j + 1)                   # P(served | j ahead)
            p1 = np.minimum(i1, 1.0)                     # P(wait > T | served path)
            acc["wait"] += w
            acc["served"] += w * served
            acc["aband"] += w * ((j + 1) / (bb + j + 1))
            acc["within"] += w * served * (1.0 - p1)
            acc["wserved"] += w * served * mean_if_served
            acc["ab_after"] += w * np.maximum(z * np.minimum(i0, 1.0) - served * p1, 0.0)
            j += 1
            if j % 8 == 0 or j > jmax:
                done = (j > xx - bb) & (log_w < ref + np.log(np.maximum(acc["wait"], 1e-300)) - _TAIL)
                done |= ~np.isfinite(log_w) | (j > jmax)   # safety: never loop past the bound
                if done.any():
                    rows = live[done]
                    for k in names:
                        final[k].flat[rows] = acc[k][done]
                    final_ref.flat[rows] = ref[done]
                    keep = ~done
                    live = live[keep]
                    bb, xx, th, lz1, zl, z, log_x = bb[keep], xx[keep], th[keep], lz1[keep], zl[keep], z[keep], log_x[keep]
                    log_w, ref, log_t1, log_t0 = log_w[keep], ref[keep], log_t1[keep], log_t0[keep]
                    i1, i0, mean_if_served, log_prev = i1[keep], i0[keep], mean_if_served[keep], log_prev[keep]
                    acc = {k: v[keep] for k, v in acc.items()}
        acc = {k: np.log(v) + final_ref for k, v in final.items()}
        log_z = np.logaddexp(log_idle, acc["wait"])
        p = {k: np.exp(v - log_z) for k, v in acc.items()}
        p_idle = np.exp(log_idle - log_z)
        p_answered = p_idle + p["served"]
        p_ab = p["aband"]
        within = p_idle + p["within"]
        ab_within = np.maximum(p_ab - p["ab_after"], 0.0)
        asa = np.where(p_answered > 0, p["wserved"] / p_answered, np.nan)  # nobody answered: undefined
        out = {
            "p_wait": p["wait"],
            "p_abandon": p_ab,
            "p_answered": p_answered,
            "service_level": within,
            "service_level_excluding_abandons": np.where(1 - ab_within > 0, within / (1 - ab_within), 0.0),
            "service_level_of_answered": np.where(p_answered > 0, within / p_answered, 0.0),
            "asa_seconds": asa,
            "mean_wait_seconds": p_ab / theta,
            "occupancy": np.where(n > 0, np.minimum(a * p_answered / np.where(n > 0, n, 1), 1.0), 0.0),
        }
    zero = a <= 0
    for k in out:
        out[k] = np.where(zero, {"service_level": 1.0, "service_level_excluding_abandons": 1.0,
                                 "service_level_of_answered": 1.0, "p_answered": 1.0}.get(k, 0.0), out[k])
    return out


def _log_regularized_lower_gamma(a: np.ndarray, y: np.ndarray) -> np.ndarray:
    """log P(a, y) (regularized lower incomplete gamma) without underflow: scipy's gammainc
    where it is representable, else the series P = y^a e^-y / Γ(a+1) · Σ_k y^k / ((a+1)…(a+k)),
    which converges fast exactly there (y well below a)."""
    with np.errstate(divide="ignore"):
        p = gammainc(a, y)
        out = np.log(p)
    tiny = (p < 1e-280) & (y > 0)
    if tiny.any():
        aa, yy = a[tiny], y[tiny]
        total = product_series(lambda i: yy / (aa + i), aa.shape)
        out[tiny] = aa * np.log(yy) - yy - gammaln(aa + 1) + np.log(total)
    out[y <= 0] = -np.inf
    return out


def erlang_a_core(agents, load, aht_seconds, patience_seconds, threshold_seconds=0.0) -> dict[str, np.ndarray]:
    """P(wait), P(abandon), service level on offered and occupancy of Erlang A in closed form.

    With G = Γ(b+1)·e^x·x^(−b) the sums of :func:`erlang_a_metrics` are incomplete gamma
    functions: Σ w_j = G·P(b, x); Σ w_j·P(served|j) = (b/x)·G·P(b+1, x); and the part of it
    answered later than T is (b/x)·G·P(b+1, x·e^{−θT}). Everything is combined in log space,
    so this is O(1) per interval whatever the size; :func:`erlang_a_metrics` (the sums term
    by term, plus ASA and the other SL variants) checks it in the tests.
    """
    n = np.atleast_1d(np.asarray(agents, dtype=float))
    a, aht, pat, thr = (np.asarray(v, dtype=float) for v in (load, aht_seconds, patience_seconds, threshold_seconds))
    n, a, aht, pat, thr = (np.array(v, dtype=float) for v in np.broadcast_arrays(n, a, aht, pat, thr))
    theta = 1.0 / pat
    busy = a > 0
    x = np.where(busy, a * pat / aht, 1.0)
    b = n * pat / aht
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        lib = log_inverse_erlang_b(n, a)
        log_idle = np.where(np.isfinite(lib), lib + np.log1p(-np.exp(-lib)), np.inf)
        log_idle = np.where(n == 0, -np.inf, log_idle)
        log_x = np.log(x)
        gl = gammaln(b + 1)
        log_g = gl + x - b * log_x
        log_p1 = _log_regularized_lower_gamma(b + 1, x)
        # P(b, x) = P(b+1, x) + x^b e^{-x} / Γ(b+1): one incomplete gamma fewer
        log_w = log_g + np.logaddexp(log_p1, b * log_x - x - gl)
        log_w = np.where(n == 0, x, log_w)  # n = 0: Σ_j x^j/j! = e^x (everyone waits, nobody is served)
        log_served = np.log(b) - log_x + log_g + log_p1
        log_late = np.log(b) - log_x + log_g + _log_regularized_lower_gamma(b + 1, x * np.exp(-theta * thr))
        log_z = np.logaddexp(log_idle, log_w)
        p_wait = np.exp(log_w - log_z)
        served_wait = np.where(n > 0, np.exp(log_served - log_z), 0.0)
        late = np.where(n > 0, np.exp(log_late - log_z), 0.0)
        p_idle = np.exp(log_idle - log_z)
    p_ab = np.clip(p_wait - served_wait, 0.0, 1.0)
    p_answered = p_idle + served_wait
    out = {
        "p_wait": p_wait, "p_abandon": p_ab, "p_answered": p_answered,
        "service_level": np.clip(p_idle + served_wait - late, 0.0, 1.0),
        "occupancy": np.where(n > 0, np.minimum(a * p_answered / np.where(n > 0, n, 1), 1.0), 0.0),
    }
    for k in out:
        out[k] = np.where(busy, out[k], {"service_level": 1.0, "p_answered": 1.0}.get(k, 0.0))
    return out
