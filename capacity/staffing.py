"""Staff requirement per interval: the smallest agent count meeting every given target.

Model so far: Erlang C (M/M/n, no abandonment). Chat concurrency k uses the
"aht_divided" convention: one server per agent whose handle time is AHT ÷ k.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from capacity.erlang import erlang_c_metrics, erlang_c_required, traffic_erlangs

MODELS = ("erlang_c",)


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


def required_agents(volume, aht_seconds, *, interval_minutes: int, model: str = "erlang_c", concurrency=1,
                    sl_target: float | None = None, sl_threshold_seconds: float | None = None,
                    asa_target_seconds: float | None = None, max_occupancy: float | None = None,
                    max_agents: int | None = None) -> pd.DataFrame:
    """Per interval: ``agents`` (net, on contacts), ``feasible``, ``binding`` target, and the
    predicted ``service_level`` (on offered contacts, 0–1), ``asa_seconds``, ``occupancy``
    (carried load, 0–1), ``p_wait`` and ``load_erlangs`` at that count.

    ``volume`` = contacts offered in the interval; ``aht_seconds`` per contact. Zero volume
    → 0 agents. Unattainable targets → ``feasible = False`` (never an exception).
    """
    if model not in MODELS:
        raise ValueError(f"model must be one of {MODELS}, got {model!r}")
    vol = np.atleast_1d(np.asarray(volume, dtype=float))
    aht = np.broadcast_to(np.asarray(aht_seconds, dtype=float), vol.shape).copy()
    k = np.broadcast_to(np.asarray(concurrency, dtype=float), vol.shape)
    _check("volume", vol)
    _check("aht_seconds", aht[vol > 0], positive=True)
    if np.any((k < 1) | (k % 1 != 0)):
        raise ValueError(f"concurrency must be a whole number >= 1, got {k[(k < 1) | (k % 1 != 0)][:3].tolist()}")
    _fraction("sl_target", sl_target)
    _fraction("max_occupancy", max_occupancy, open_low=True)
    if (sl_target is None) != (sl_threshold_seconds is None):
        raise ValueError("sl_target and sl_threshold_seconds go together: give both or neither")
    if sl_threshold_seconds is not None and (not np.isfinite(sl_threshold_seconds) or sl_threshold_seconds < 0):
        raise ValueError(f"sl_threshold_seconds must be >= 0, got {sl_threshold_seconds!r}")
    if asa_target_seconds is not None and (not np.isfinite(asa_target_seconds) or asa_target_seconds < 0):
        raise ValueError(f"asa_target_seconds must be >= 0, got {asa_target_seconds!r}")
    if interval_minutes <= 0:
        raise ValueError(f"interval_minutes must be > 0, got {interval_minutes!r}")
    if sl_target is None and asa_target_seconds is None and max_occupancy is None:
        raise ValueError("give at least one target: sl_target (+ sl_threshold_seconds), asa_target_seconds "
                         "or max_occupancy")
    aht = np.where(vol > 0, aht, 1.0) / k  # aht_divided convention
    load = traffic_erlangs(vol, aht, interval_minutes)
    res = erlang_c_required(load, aht, sl_target=sl_target, threshold_seconds=sl_threshold_seconds or 0.0,
                            asa_target_seconds=asa_target_seconds, max_occupancy=max_occupancy,
                            max_agents=max_agents)
    index = volume.index if isinstance(volume, pd.Series) else None
    return pd.DataFrame({
        "agents": res["agents"], "feasible": res["feasible"], "binding": res["binding"],
        "service_level": res["service_level"], "asa_seconds": res["asa_seconds"],
        "occupancy": res["occupancy"], "p_wait": res["p_wait"], "load_erlangs": load,
    }, index=index)


def queue_metrics(agents, volume, aht_seconds, *, interval_minutes: int, concurrency=1,
                  sl_threshold_seconds: float = 0.0) -> pd.DataFrame:
    """What service ``agents`` give (Erlang C): service_level (offered, 0–1), asa_seconds,
    occupancy (0–1), p_wait, stable."""
    vol = np.atleast_1d(np.asarray(volume, dtype=float))
    k = np.asarray(concurrency, dtype=float)
    aht = np.where(vol > 0, np.broadcast_to(np.asarray(aht_seconds, dtype=float), vol.shape), 1.0) / k
    load = traffic_erlangs(vol, aht, interval_minutes)
    m = erlang_c_metrics(np.asarray(agents), load, aht, sl_threshold_seconds)
    return pd.DataFrame({k_: np.asarray(v) for k_, v in m.items()})
