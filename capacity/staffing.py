"""Staff requirement per interval: the smallest agent count meeting **every** given target.

Models: ``erlang_a`` (M/M/n+M, exponential patience: predicts service level *and* abandon
rate from the same assumptions) and ``erlang_c`` (M/M/n, no abandonment). Chat with
concurrency k: ``concurrency_model="aht_divided"`` (default: one server per agent whose
handle time is AHT ÷ k) or ``"slots"`` (k parallel servers per agent, M/M/nk(+M)).

The search is vectorised over intervals: from a first guess (Erlang C's count, or the
load) it gallops outwards with growing steps until the answer is bracketed (or
``max_agents`` is reached: infeasible), then bisects to the smallest count; each step
evaluates the model once for the intervals still searching. The metrics are monotone in
the number of agents, which the tests check.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import pandas as pd

from capacity.erlang import erlang_c_metrics, traffic_erlangs
from capacity.erlang_a import erlang_a_core, erlang_a_metrics

MODELS = ("erlang_a", "erlang_c")
CONCURRENCY_MODELS = ("aht_divided", "slots")
SAFETY_AGENTS = 10_000_000  # no real interval needs more; beyond it an interval is infeasible


def _check(name: str, values: np.ndarray, *, positive: bool = False) -> None:
    bad = ~np.isfinite(values) | ((values <= 0) if positive else (values < 0))
    if bad.any():
        raise ValueError(f"{name} must be finite and {'> 0' if positive else '>= 0'}; "
                         f"got {values[bad][:3].tolist()} at position(s) {np.flatnonzero(bad)[:3].tolist()}")


def _fraction(name: str, value: float | None, *, open_low: bool = False) -> None:
    if value is None:
        return
    if not np.isfinite(value) or value > 1 or value < 0 or (open_low and value == 0):
        raise ValueError(f"{name} must be a fraction in {'(0' if open_low else '[0'}, 1], got {value!r}")


def _prepare(volume, aht_seconds, interval_minutes, model, patience_seconds, concurrency, concurrency_model,
             sl_threshold_seconds):
    if model not in MODELS:
        raise ValueError(f"model must be one of {MODELS}, got {model!r}")
    if concurrency_model not in CONCURRENCY_MODELS:
        raise ValueError(f"concurrency_model must be one of {CONCURRENCY_MODELS}, got {concurrency_model!r}")
    vol = np.atleast_1d(np.asarray(volume, dtype=float))
    aht = np.broadcast_to(np.asarray(aht_seconds, dtype=float), vol.shape).astype(float)
    k = np.broadcast_to(np.asarray(concurrency, dtype=float), vol.shape).astype(float)
    _check("volume", vol)
    _check("aht_seconds", aht[vol > 0], positive=True)
    if np.any(~np.isfinite(k) | (k < 1) | (k % 1 != 0)):
        raise ValueError(f"concurrency must be a whole number >= 1, got {k[~np.isfinite(k) | (k < 1) | (k % 1 != 0)][:3].tolist()}")
    if not (isinstance(interval_minutes, (int, float)) and interval_minutes > 0):
        raise ValueError(f"interval_minutes must be > 0, got {interval_minutes!r}")
    pat = None
    if model == "erlang_a":
        if patience_seconds is None:
            raise ValueError("model 'erlang_a' needs patience_seconds (mean customer patience, seconds); "
                             "estimate it from actuals or use model='erlang_c'")
        pat = np.broadcast_to(np.asarray(patience_seconds, dtype=float), vol.shape).astype(float)
        _check("patience_seconds", pat, positive=True)
    elif patience_seconds is not None:
        raise ValueError("patience_seconds is only used by model='erlang_a'; Erlang C assumes nobody abandons")
    if sl_threshold_seconds is not None and (not np.isfinite(sl_threshold_seconds) or sl_threshold_seconds < 0):
        raise ValueError(f"sl_threshold_seconds must be >= 0, got {sl_threshold_seconds!r}")
    aht = np.where(vol > 0, aht, 1.0)
    if concurrency_model == "aht_divided":
        server_aht, servers_per_agent = aht / k, np.ones_like(k)
    else:
        server_aht, servers_per_agent = aht, k
    load = traffic_erlangs(vol, server_aht, interval_minutes)
    return vol, load, server_aht, servers_per_agent, pat


def _metrics_fn(model, load, server_aht, servers_per_agent, pat, threshold,
                detail: bool = True) -> Callable[[np.ndarray, np.ndarray], dict]:
    """Metrics at given agent counts for the selected intervals. ``detail=False`` uses Erlang
    A's closed form (P(wait), abandon, SL on offered, occupancy only), enough for the search."""
    def at(agents: np.ndarray, sel: np.ndarray) -> dict[str, np.ndarray]:
        n = agents * servers_per_agent[sel]
        if model == "erlang_a":
            metrics = erlang_a_metrics if detail else erlang_a_core
            m = metrics(n, load[sel], server_aht[sel], pat[sel], threshold)
        else:
            m = erlang_c_metrics(n, load[sel], server_aht[sel], threshold)
            m = {**m, "p_abandon": np.zeros(len(n))}
        # occupancy is per agent: carried load ÷ agents (a slots agent carries up to k sessions)
        return m

    return at


def queue_metrics(agents, volume, aht_seconds, *, interval_minutes: int, model: str = "erlang_a",
                  patience_seconds=None, concurrency=1, sl_threshold_seconds: float = 0.0,
                  concurrency_model: str = "aht_divided") -> pd.DataFrame:
    """What service ``agents`` give per interval: ``service_level`` (offered, 0–1),
    ``abandon_rate`` (offered), ``asa_seconds`` (answered), ``occupancy`` (carried), ``p_wait``
    (and for Erlang A the two other service-level variants and the mean wait of all offered)."""
    vol, load, server_aht, per_agent, pat = _prepare(volume, aht_seconds, interval_minutes, model, patience_seconds,
                                                     concurrency, concurrency_model, sl_threshold_seconds)
    n = np.broadcast_to(np.asarray(agents, dtype=float), vol.shape)
    m = _metrics_fn(model, load, server_aht, per_agent, pat, sl_threshold_seconds or 0.0)(n, np.ones(len(vol), bool))
    return _frame(m, volume)


def _frame(m: dict[str, np.ndarray], volume) -> pd.DataFrame:
    out = {"service_level": m["service_level"], "abandon_rate": m["p_abandon"], "asa_seconds": m["asa_seconds"],
           "occupancy": m["occupancy"], "p_wait": m["p_wait"]}
    for extra in ("service_level_excluding_abandons", "service_level_of_answered", "mean_wait_seconds"):
        if extra in m:
            out[extra] = m[extra]
    index = volume.index if isinstance(volume, pd.Series) else None
    return pd.DataFrame(out, index=index)


def _merge(stored: dict[str, np.ndarray], missing: np.ndarray, compute, size: int) -> dict[str, np.ndarray]:
    """Metrics per interval: the stored ones, with the ``missing`` rows computed now."""
    out = {k: v.copy() for k, v in stored.items()}
    if missing.any():
        fresh = compute(missing)
        for k, v in fresh.items():
            out.setdefault(k, np.full(size, np.nan))[missing] = v
    return out


def required_agents(volume, aht_seconds, *, interval_minutes: int, model: str = "erlang_a", patience_seconds=None,
                    concurrency=1, sl_target: float | None = None, sl_threshold_seconds: float | None = None,
                    abandon_target: float | None = None, asa_target_seconds: float | None = None,
                    max_occupancy: float | None = None, max_agents: int | None = None,
                    concurrency_model: str = "aht_divided") -> pd.DataFrame:
    """Per interval: ``agents`` (net, on contacts), ``feasible``, ``binding`` target(s), and
    the predicted ``service_level`` (on offered contacts, 0–1), ``abandon_rate`` (offered),
    ``asa_seconds`` (answered), ``occupancy`` (carried load, 0–1), ``p_wait`` and
    ``load_erlangs`` at that count.

    ``volume`` = contacts offered in the interval; ``aht_seconds`` per contact. Zero volume
    → 0 agents. Unattainable targets (SL target 1, ASA target 0, abandon target 0 with
    Erlang A, more than ``max_agents``) → ``feasible = False``, never an exception; their
    ``agents`` is ``max_agents`` when given, else NaN (no staffing meets them), and the
    metrics are those of that staffing (of zero agents when NaN).
    """
    _fraction("sl_target", sl_target)
    _fraction("abandon_target", abandon_target)
    _fraction("max_occupancy", max_occupancy, open_low=True)
    if (sl_target is None) != (sl_threshold_seconds is None):
        raise ValueError("sl_target and sl_threshold_seconds go together: give both or neither")
    if asa_target_seconds is not None and (not np.isfinite(asa_target_seconds) or asa_target_seconds < 0):
        raise ValueError(f"asa_target_seconds must be >= 0, got {asa_target_seconds!r}")
    if max_agents is not None and (max_agents < 0 or int(max_agents) != max_agents):
        raise ValueError(f"max_agents must be a whole number >= 0, got {max_agents!r}")
    if abandon_target is not None and model != "erlang_a":
        raise ValueError("abandon_target needs model='erlang_a' (Erlang C assumes nobody abandons)")
    if sl_target is None and asa_target_seconds is None and max_occupancy is None and abandon_target is None:
        raise ValueError("give at least one target: sl_target (+ sl_threshold_seconds), abandon_target, "
                         "asa_target_seconds or max_occupancy")
    vol, load, server_aht, per_agent, pat = _prepare(volume, aht_seconds, interval_minutes, model, patience_seconds,
                                                     concurrency, concurrency_model, sl_threshold_seconds)
    if len(vol) == 0:
        return pd.DataFrame({c: pd.Series(dtype=float) for c in ("agents", "feasible", "binding", "service_level",
                                                                  "abandon_rate", "asa_seconds", "occupancy",
                                                                  "p_wait", "load_erlangs")})
    threshold = sl_threshold_seconds or 0.0
    at_detail = _metrics_fn(model, load, server_aht, per_agent, pat, threshold)
    # the search needs ASA only for an ASA target; otherwise Erlang A's closed form suffices
    at = at_detail if asa_target_seconds is not None else _metrics_fn(model, load, server_aht, per_agent, pat,
                                                                        threshold, detail=False)
    eps = 1e-12
    checks = []
    if sl_target is not None:
        checks.append(("service_level", lambda m: m["service_level"] >= sl_target - eps))
    if abandon_target is not None:
        checks.append(("abandon_rate", lambda m: m["p_abandon"] <= abandon_target + eps))
    if asa_target_seconds is not None:
        checks.append(("asa", lambda m: m["asa_seconds"] <= asa_target_seconds + eps))
    if max_occupancy is not None:
        checks.append(("occupancy", lambda m: m["occupancy"] <= max_occupancy + eps))

    def ok(m: dict, n: np.ndarray, sel: np.ndarray) -> np.ndarray:
        good = np.ones(len(n), bool)
        if model == "erlang_c":
            good &= n * per_agent[sel] > load[sel]  # Erlang C needs a stable queue
        for _, check in checks:
            good &= check(m)
        return good

    size = len(vol)
    busy = vol > 0
    cap = np.full(size, float(max_agents if max_agents is not None else SAFETY_AGENTS))
    feasible = np.ones(size, bool)
    # targets no finite staffing meets: every queueing model here has P(wait) > 0 for any n
    if (sl_target is not None and sl_target >= 1.0) or (asa_target_seconds is not None and asa_target_seconds <= 0) \
            or (abandon_target is not None and abandon_target <= 0):
        feasible[busy] = False
    # first guess: square-root staffing (load + √load, close to Erlang C's answer for usual
    # targets); for Erlang A, Erlang C's own count for the SL/ASA targets (cheap, and Erlang
    # A's answer is usually within an agent or two of it)
    guess = np.maximum(np.ceil((load + np.sqrt(load)) / per_agent), 1.0)
    if model == "erlang_a" and (sl_target is not None or asa_target_seconds is not None):
        c = required_agents(vol, aht_seconds, interval_minutes=interval_minutes, model="erlang_c",
                            concurrency=concurrency, sl_target=sl_target, sl_threshold_seconds=sl_threshold_seconds,
                            asa_target_seconds=asa_target_seconds, concurrency_model=concurrency_model)
        guess = np.where(c["feasible"], np.maximum(c["agents"].to_numpy(float), 1.0), guess)
    guess = np.minimum(guess, cap)
    lo = np.full(size, -1.0)  # largest count known to fail (-1: none yet)
    hi = np.full(size, np.inf)  # smallest count known to meet every target
    at_lo: dict[str, np.ndarray] = {}  # metrics at lo, kept from the search (to tell which targets bind)

    def evaluate(sel: np.ndarray, mask: np.ndarray, cand: np.ndarray) -> np.ndarray:
        m = at(cand, mask)
        good = ok(m, cand, mask)
        for key, val in m.items():
            at_lo.setdefault(key, np.full(size, np.nan))[sel[~good]] = val[~good]
        return good

    active = busy & feasible
    sel = np.flatnonzero(active)
    if sel.size:
        good = evaluate(sel, active, guess[sel])
        hi[sel[good]] = guess[sel[good]]
        lo[sel[~good]] = guess[sel[~good]]
    # gallop outwards from the guess (steps 1, 2, 4, ...) until the answer is bracketed
    step = np.ones(size)
    todo = active & ~(np.isfinite(hi) & (lo >= 0))
    while todo.any():
        sel = np.flatnonzero(todo)
        up = ~np.isfinite(hi[sel])
        cand = np.where(up, np.minimum(lo[sel] + step[sel], cap[sel]), np.maximum(hi[sel] - step[sel], 0.0))
        good = evaluate(sel, todo, cand)
        hi[sel[good]] = np.minimum(hi[sel[good]], cand[good])
        lo[sel[~good]] = np.maximum(lo[sel[~good]], cand[~good])
        stuck = up & ~good & (cand >= cap[sel])
        feasible[sel[stuck]] = False
        floor_hit = ~up & good & (cand <= 0)
        step[sel] *= 2
        done = stuck | floor_hit | (np.isfinite(hi[sel]) & (lo[sel] >= 0))
        todo[sel[done]] = False
    # bisection on (lo, hi]: the smallest count meeting every target
    todo = busy & feasible & np.isfinite(hi) & (hi - lo > 1)
    while todo.any():
        sel = np.flatnonzero(todo)
        mid = np.floor((lo[sel] + hi[sel]) / 2)
        good = evaluate(sel, todo, mid)
        hi[sel[good]] = mid[good]
        lo[sel[~good]] = mid[~good]
        todo[sel] = hi[sel] - lo[sel] > 1
    agents = np.where(busy, hi, 0.0)
    # infeasible: the cap when one was given (the most that may be staffed), else no number
    agents = np.where(feasible, agents, float(max_agents) if max_agents is not None else np.nan)
    # metrics at one agent fewer (which targets bind) come from the search when it visited
    # that count; the reported metrics at the answer are evaluated once in full detail
    evaluated = np.nan_to_num(agents, nan=0.0)
    fill_before = ~(busy & feasible & (lo == hi - 1) & (lo >= 0)) if at_lo else np.ones(size, bool)
    before = _merge(at_lo, fill_before, lambda mask: at(np.maximum(evaluated[mask] - 1, 0), mask), size)
    final = at_detail(evaluated, np.ones(size, bool)) if not busy.any() else \
        _merge({}, busy, lambda mask: at_detail(evaluated[mask], mask), size)
    idle = {"service_level": 1.0, "p_answered": 1.0, "service_level_excluding_abandons": 1.0,
            "service_level_of_answered": 1.0}
    for key in final:
        final[key][~busy] = idle.get(key, 0.0)
    binding = np.full(size, "", dtype=object)
    for name, check in checks:
        fails = busy & (agents > 0) & ~check(before)
        binding = np.where(fails, np.where(binding == "", name, binding + "+" + name), binding)
    if model == "erlang_c":
        unstable = busy & (agents > 0) & ((agents - 1) * per_agent <= load) & (binding == "")
        binding = np.where(unstable, "stability", binding)
    binding = np.where(binding == "", "none", binding)
    binding = np.where(~feasible, "infeasible", binding)
    out = _frame(final, volume)
    out.insert(0, "binding", binding)
    out.insert(0, "feasible", feasible)
    out.insert(0, "agents", agents)
    out["load_erlangs"] = load
    zero = ~busy
    out.loc[zero, ["service_level"]] = 1.0
    out.loc[zero, ["abandon_rate", "asa_seconds", "occupancy", "p_wait"]] = 0.0
    return out
