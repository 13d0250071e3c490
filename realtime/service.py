"""Interval service metrics from ACD actuals (definitions of the COPC digest).

Service level = answered within threshold ÷ **offered** (abandons stay in the denominator);
ASA = wait of answered ÷ answered; abandon rate = abandoned ÷ offered; AHT = handle time ÷
answered. Roll-ups are ratios of sums, never means of ratios.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    num, den = num.astype(float), den.astype(float)
    return (num / den.where(den > 0)).astype(float)


def service_metrics(actuals: pd.DataFrame) -> pd.DataFrame:
    """Per row of ``actuals`` (interval or any roll-up of summed counts): ``service_level``,
    ``abandon_rate`` (fractions 0–1 of offered), ``asa_seconds``, ``aht_seconds``. NaN where a
    denominator is 0 or an input column is missing."""
    def col(name: str) -> pd.Series:
        return actuals[name] if name in actuals else pd.Series(np.nan, index=actuals.index)

    return pd.DataFrame({
        "offered": col("offered"),
        "service_level": _ratio(col("answered_within_threshold"), col("offered")),
        "abandon_rate": _ratio(col("abandoned"), col("offered")),
        "asa_seconds": _ratio(col("wait_seconds"), col("answered")),
        "aht_seconds": _ratio(col("handle_seconds"), col("answered")),
    }, index=actuals.index)


def rollup(actuals: pd.DataFrame, by) -> pd.DataFrame:
    """Service metrics of groups (e.g. local day): counts and times summed first, then divided."""
    cols = [c for c in ("offered", "answered", "abandoned", "answered_within_threshold", "handle_seconds",
                        "wait_seconds") if c in actuals]
    sums = actuals[cols].groupby(by).sum(min_count=1)
    return service_metrics(sums)


def occupancy_utilisation(segments: pd.DataFrame, index: pd.DatetimeIndex, interval_minutes: int, *,
                          productive: set[str], available: set[str], unpaid: set[str] = frozenset({"lunch", "offline"})
                          ) -> pd.DataFrame:
    """Per interval from activity timelines (``agent_id, start, end, activity``), in agent-seconds:
    ``productive_seconds`` (on contact, wrap-up...), ``available_seconds`` (idle, ready),
    ``paid_seconds`` (all but unpaid activities), and
    ``occupancy`` = productive ÷ (productive + available) and
    ``utilisation`` = (productive + available) ÷ paid (COPC definitions; NaN when undefined).
    A code both available and productive (on contact) counts as productive."""
    from realtime.timeline import fte_per_interval

    length = interval_minutes * 60.0

    def seconds(mask) -> np.ndarray:
        seg = segments[mask]
        return fte_per_interval(seg["start"], seg["end"], index, interval_minutes) * length

    act = segments["activity"]
    prod = seconds(act.isin(productive))
    avail = seconds(act.isin(available) & ~act.isin(productive))
    paid = seconds(~act.isin(unpaid))
    with np.errstate(divide="ignore", invalid="ignore"):
        occ = np.where(prod + avail > 0, prod / (prod + avail), np.nan)
        util = np.where(paid > 0, (prod + avail) / paid, np.nan)
    return pd.DataFrame({"interval_start": pd.DatetimeIndex(index), "productive_seconds": prod,
                         "available_seconds": avail, "paid_seconds": paid, "occupancy": occ, "utilisation": util})


def chat_concurrency(handle_seconds, chat_logged_seconds) -> np.ndarray:
    """(total chat handle time incl. wrap) ÷ (total agent time spent in chat), per row."""
    h = np.asarray(handle_seconds, dtype=float)
    t = np.asarray(chat_logged_seconds, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(t > 0, h / t, np.nan)


def deferred_service(offered, handled, *, interval_minutes: int, cycle_time_seconds: float,
                     open_mask=None, initial_backlog: float = 0.0) -> dict[str, object]:
    """Deferred work (email, back office) from interval counts, first in first out: items
    handled in each interval are the oldest waiting ones. Returns ``timeliness`` (share of
    handled items finished within the cycle time), ``aging_seconds`` (mean delay beyond the
    cycle time of late items), ``backlog`` per interval and ``average_backlog``. Uses the same
    FIFO projection as capacity planning (``capacity.deferred``), fed with the actual
    handled counts instead of a staffing."""
    from capacity.deferred import backlog_projection, timeliness

    done = np.asarray(handled, dtype=float)
    proj = backlog_projection(offered, done, np.full(len(done), interval_minutes * 60.0),
                              interval_minutes=interval_minutes, cycle_time_seconds=cycle_time_seconds,
                              open_mask=None, initial_backlog=initial_backlog)
    summary = timeliness(proj)
    unhandled = done.sum() - proj["handled"].sum()
    if unhandled > 1e-9:
        raise ValueError(f"{unhandled:g} handled item(s) more than ever arrived (plus the initial backlog): "
                         "give the backlog carried in from before the period")
    return {"timeliness": summary["timeliness"], "aging_seconds": summary["aging_seconds"],
            "backlog": proj["backlog"].to_numpy(), "average_backlog": float(proj["backlog"].mean())}
