"""Shrinkage: gross staff = net staff ÷ (1 − shrinkage), always rounded **up**."""

from __future__ import annotations

import numpy as np

_EPS = 1e-9  # 14 / (1 - 0.3) is 20.000000000000004 in floating point: that is 20, not 21


def gross_agents(net_agents, shrinkage) -> np.ndarray:
    """Agents to schedule so that ``net_agents`` remain after ``shrinkage`` (0–1, < 1), rounded up."""
    net = np.asarray(net_agents, dtype=float)
    s = np.asarray(shrinkage, dtype=float)
    if np.any((s < 0) | (s >= 1) | ~np.isfinite(s)):
        raise ValueError(f"shrinkage must be in [0, 1); got {s[(s < 0) | (s >= 1) | ~np.isfinite(s)][:3]}")
    return np.ceil(net / (1.0 - s) - _EPS).clip(min=0)


def total_shrinkage(planned: dict[str, float] | None = None, unplanned: dict[str, float] | None = None
                    ) -> dict[str, float]:
    """Total shrinkage from categories, each a share (0–1) of **paid** time: planned (breaks,
    training, meetings, holidays...) and unplanned (sickness, absence...). Shares of paid time
    add up; the total must stay below 1. Returns ``planned``, ``unplanned`` and ``total``."""
    out = {}
    for kind, cats in (("planned", planned or {}), ("unplanned", unplanned or {})):
        for name, v in cats.items():
            if not np.isfinite(v) or v < 0 or v >= 1:
                raise ValueError(f"{kind} shrinkage {name!r} must be a fraction in [0, 1), got {v!r}")
        out[kind] = float(sum(cats.values()))
    out["total"] = out["planned"] + out["unplanned"]
    if out["total"] >= 1:
        raise ValueError(f"total shrinkage {out['total']:.3f} must stay below 1 (categories are shares of paid time)")
    return out
