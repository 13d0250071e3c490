"""Are a queue's speed-of-answer and abandon targets mathematically consistent?

COPC asks that the service-level and abandon targets agree. With Erlang A both are
predicted from the same arrivals, handle times and patience, so for each interval we can
say which target decides the staffing, what the other metric will then be, and whether a
target adds anything: on offered contacts SL ≤ 1 − abandon rate, so an abandon target
≥ 1 − SL target is implied by the SL target (redundant). A target is "far slacker" when,
at the staffing the other one needs, its metric beats it by more than ``slack_factor``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from capacity.staffing import queue_metrics, required_agents


@dataclass
class ConsistencyReport:
    """Per-interval detail and the planner-facing findings."""

    intervals: pd.DataFrame
    consistent_abandon_target: float
    "volume-weighted abandon rate (offered) at the SL target's staffing"
    consistent_sl_target: float
    "volume-weighted service level (offered) at the abandon target's staffing"
    findings: list[str] = field(default_factory=list)


def _weighted(values: np.ndarray, weights: np.ndarray) -> float:
    ok = np.isfinite(values) & (weights > 0)
    return float(np.sum(values[ok] * weights[ok]) / np.sum(weights[ok])) if ok.any() else float("nan")


def target_consistency(volume, aht_seconds, *, interval_minutes: int, patience_seconds, sl_target: float,
                       sl_threshold_seconds: float, abandon_target: float, concurrency=1,
                       concurrency_model: str = "aht_divided", slack_factor: float = 3.0) -> ConsistencyReport:
    """Compare an SL target (fraction of offered answered within the threshold) with an
    abandon target (max fraction of offered abandoning) under Erlang A, per interval."""
    vol = np.atleast_1d(np.asarray(volume, dtype=float))
    common = dict(interval_minutes=interval_minutes, model="erlang_a", patience_seconds=patience_seconds,
                  concurrency=concurrency, concurrency_model=concurrency_model)
    by_sl = required_agents(vol, aht_seconds, sl_target=sl_target, sl_threshold_seconds=sl_threshold_seconds, **common)
    by_ab = required_agents(vol, aht_seconds, abandon_target=abandon_target, **common)
    at_ab = queue_metrics(np.nan_to_num(by_ab["agents"].to_numpy(), nan=0.0), vol, aht_seconds,
                          sl_threshold_seconds=sl_threshold_seconds, **common)
    n_sl, n_ab = by_sl["agents"].to_numpy(), by_ab["agents"].to_numpy()
    binding = np.select([vol <= 0, n_sl > n_ab, n_ab > n_sl], ["none", "service_level", "abandon_rate"], "both")
    intervals = pd.DataFrame({
        "volume": vol, "agents_for_sl": n_sl, "agents_for_abandon": n_ab, "agents": np.fmax(n_sl, n_ab),
        "binding": binding,
        "abandon_rate_at_sl_staffing": by_sl["abandon_rate"].to_numpy(),
        "service_level_at_abandon_staffing": at_ab["service_level"].to_numpy(),
    }, index=volume.index if isinstance(volume, pd.Series) else None)
    report = ConsistencyReport(
        intervals=intervals,
        consistent_abandon_target=_weighted(intervals["abandon_rate_at_sl_staffing"].to_numpy(), vol),
        consistent_sl_target=_weighted(intervals["service_level_at_abandon_staffing"].to_numpy(), vol),
    )
    busy = vol > 0
    if abandon_target >= 1 - sl_target - 1e-12:
        report.findings.append(
            f"redundant: an abandon target of {abandon_target:.1%} adds nothing to an SL target of {sl_target:.1%} "
            f"on offered contacts (SL <= 1 - abandon rate, so abandon <= {1 - sl_target:.1%} already)")
    share_sl = float((binding[busy] == "service_level").mean()) if busy.any() else 0.0
    share_ab = float((binding[busy] == "abandon_rate").mean()) if busy.any() else 0.0
    if report.consistent_abandon_target * slack_factor < abandon_target and share_ab == 0:
        report.findings.append(
            f"abandon target far slacker: at the SL target's staffing the abandon rate is "
            f"{report.consistent_abandon_target:.2%} against a target of {abandon_target:.1%}; "
            f"a consistent abandon target is about {report.consistent_abandon_target:.1%}")
    if share_ab > 0.5:
        report.findings.append(
            f"the abandon target decides staffing in {share_ab:.0%} of intervals; at that staffing the service "
            f"level is {report.consistent_sl_target:.1%} (target {sl_target:.1%}): a consistent SL target is "
            f"about {report.consistent_sl_target:.1%}")
    if not report.findings:
        report.findings.append(
            f"consistent: the SL target binds in {share_sl:.0%} and the abandon target in {share_ab:.0%} of the "
            f"intervals with contacts")
    return report
