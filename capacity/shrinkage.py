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
