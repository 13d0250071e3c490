"""What-if: the requirement and predicted service of a changed forecast or changed targets,
computed exactly as the pipeline computes them and stored nowhere."""

from __future__ import annotations

import pandas as pd

import capacity
from wfm.grid import open_mask
from wfm.model import Queue, ServiceTarget


def what_if_requirements(forecast: pd.DataFrame, queue: Queue, timezone: str, *, volume_factor: float = 1.0,
                         aht_factor: float = 1.0, aht_seconds: float | None = None,
                         shrinkage: float | None = None, targets: ServiceTarget | None = None,
                         patience_seconds: float | None = None) -> tuple[pd.DataFrame, Queue]:
    """Requirements (``capacity.requirements`` columns) of ``forecast`` (``interval_start`` UTC,
    ``volume``, ``aht_seconds``, ``shrinkage``, ``concurrency``) after the changes: volume and
    AHT scaled (or AHT set, seconds), shrinkage set (0–1), the queue's targets or patience
    replaced. Returns the frame and the queue as planned."""
    changes = {}
    if targets is not None:
        changes["targets"] = targets
    if patience_seconds is not None:
        changes["patience_seconds"] = patience_seconds
    q = queue.model_copy(update=changes)
    f = forecast.copy()
    f["volume"] = f["volume"] * volume_factor
    f["aht_seconds"] = aht_seconds if aht_seconds is not None else f["aht_seconds"] * aht_factor
    if shrinkage is not None:
        f["shrinkage"] = shrinkage
    local = pd.DatetimeIndex(f["interval_start"]).tz_convert(timezone)
    return capacity.requirements(f, q, open_mask=open_mask(local, q.open_hours, q.interval_minutes),
                                 timezone=timezone), q
