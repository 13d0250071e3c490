"""Intraday signals: is today running away from plan, and what should the desk do?

For the rest of the day: volume re-forecast (``forecasting.intraday``), AHT re-forecast
(same credibility rule on handle time), the requirement recomputed with the queue's model
and targets (``capacity.requirements``), the gap to the staff scheduled, and a suggested
action per interval. The logic lives in forecasting/ and capacity/; this module joins it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from capacity.requirements import requirements
from forecasting.intraday import reforecast_rest_of_day


def _action(gap: float, tolerance: float) -> str:
    if gap < -tolerance:
        return f"short {-gap:.0f}: offer overtime, move breaks/meetings/training out of this interval"
    if gap > tolerance:
        return f"over {gap:.0f}: offer voluntary time off, move breaks/meetings/training into this interval"
    return "on plan"


def intraday_signals(queue: Any, forecast: pd.DataFrame, actuals: pd.DataFrame, scheduled_net: np.ndarray, *,
                     timezone: str, open_mask: np.ndarray | None = None, volume_threshold: float = 0.10,
                     aht_threshold: float = 0.10, z: float = 2.0, staff_tolerance: float = 1.0) -> pd.DataFrame:
    """``forecast``: the day's plan (``interval_start, volume, aht_seconds, shrinkage,
    concurrency``); ``actuals``: elapsed intervals (``interval_start, offered, answered,
    handle_seconds``); ``scheduled_net``: agents scheduled on contacts per forecast interval.
    Returns per interval the re-forecast volume and AHT, the re-computed ``required_net``,
    ``scheduled_net``, ``gap`` (scheduled − required) and ``action``; ``attrs`` say whether
    volume and AHT deviate significantly."""
    f = forecast.set_index("interval_start")
    act = actuals.set_index("interval_start")
    vol = reforecast_rest_of_day(f["volume"], act["offered"], threshold=volume_threshold, z=z)
    handled = act["answered"].fillna(act["offered"]).astype(float)
    elapsed = vol["actual"].notna().to_numpy()
    aht_plan = f["aht_seconds"].astype(float)
    plan_handle = (aht_plan[elapsed] * handled.reindex(f.index[elapsed]).fillna(0)).sum()
    actual_handle = act["handle_seconds"].astype(float).sum()
    aht_ratio = actual_handle / plan_handle if plan_handle > 0 else 1.0
    aht_significant = bool(abs(aht_ratio - 1) >= aht_threshold and handled.sum() >= 30)
    aht = np.where(elapsed, np.nan, aht_plan.to_numpy() * (aht_ratio if aht_significant else 1.0))
    rest = f.reset_index().assign(volume=vol["reforecast"].to_numpy(),
                                  aht_seconds=np.where(elapsed, aht_plan.to_numpy(), aht))
    req = requirements(rest, queue, open_mask=open_mask, timezone=timezone)
    out = pd.DataFrame({
        "interval_start": f.index, "elapsed": elapsed, "forecast_volume": vol["forecast"].to_numpy(),
        "actual_volume": vol["actual"].to_numpy(), "reforecast_volume": vol["reforecast"].to_numpy(),
        "reforecast_aht_seconds": rest["aht_seconds"].to_numpy(), "required_net": req["agents_net"].to_numpy(),
        "scheduled_net": np.asarray(scheduled_net, dtype=float),
    })
    out["gap"] = out["scheduled_net"] - out["required_net"]
    out["action"] = np.where(out["elapsed"], "", [_action(g, staff_tolerance) for g in out["gap"]])
    out.attrs.update(volume_ratio=vol.attrs["ratio"], volume_significant=vol.attrs["significant"],
                     volume_factor=vol.attrs["factor"], aht_ratio=float(aht_ratio), aht_significant=aht_significant,
                     model=str(req["model"].iloc[0]) if len(req) else "")
    return out
