"""Schedule realisation (COPC Annex 2), both accepted forms.

(a) per interval ``1 − |actual − required| ÷ required``; daily / weekly / monthly figures
are averages **weighted by required FTE** (15 required, 14.5 actual → 96.7 %). Not
clipped: an interval staffed at more than twice the requirement scores below 0, as the
formula says. Intervals with nothing required have no score and no weight.
(b) share of intervals whose actual ÷ required lies inside ``band`` (default 95 %–115 %).
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def interval_realisation(required_fte, actual_fte, band: tuple[float, float] = (0.95, 1.15)) -> pd.DataFrame:
    """Per interval: ``realisation`` (form a, NaN where required = 0) and ``in_band`` (form b,
    NaN-equivalent None where required = 0)."""
    r = np.asarray(required_fte, dtype=float)
    a = np.asarray(actual_fte, dtype=float)
    if np.any(r < 0) or np.any(a < 0):
        raise ValueError("required and actual FTE must be >= 0")
    low, high = band
    if not 0 <= low <= 1 <= high:
        raise ValueError(f"band must satisfy 0 <= low <= 1 <= high, got {band}")
    with np.errstate(divide="ignore", invalid="ignore"):
        real = np.where(r > 0, 1.0 - np.abs(a - r) / r, np.nan)
        ratio = np.where(r > 0, a / r, np.nan)
    in_band = pd.array(np.where(r > 0, (ratio >= low - 1e-12) & (ratio <= high + 1e-12), False), dtype="boolean")
    in_band[r <= 0] = pd.NA
    return pd.DataFrame({"required_fte": r, "actual_fte": a, "realisation": real, "in_band": in_band})


def weighted_realisation(required_fte, realisation) -> float:
    """Average of per-interval realisation weighted by required FTE (NaN if nothing required)."""
    r = np.asarray(required_fte, dtype=float)
    x = np.asarray(realisation, dtype=float)
    ok = (r > 0) & np.isfinite(x)
    return float(np.sum(r[ok] * x[ok]) / np.sum(r[ok])) if ok.any() else float("nan")


def band_share(in_band) -> float:
    """Share (0–1) of scored intervals inside the band."""
    s = pd.Series(in_band, dtype="boolean").dropna()
    return float(s.mean()) if len(s) else float("nan")


def realisation_by_period(frame: pd.DataFrame, period) -> pd.DataFrame:
    """Daily / weekly / monthly figures from per-interval rows (``required_fte``,
    ``realisation``, ``in_band``): form (a) averaged weighted by required FTE, form (b) the
    share of scored intervals in band. ``period`` labels each row (e.g. its local date)."""
    rows = []
    for key, g in frame.groupby(np.asarray(period)):
        rows.append({"period": key, "required_fte": float(g["required_fte"].sum()),
                     "realisation": weighted_realisation(g["required_fte"], g["realisation"]),
                     "in_band": band_share(g["in_band"]), "intervals": int((g["required_fte"] > 0).sum())})
    return pd.DataFrame(rows)
