"""Intraday re-forecast: given today's actuals so far, update the rest of the day.

The day's forecast shape is kept and its level corrected by the ratio of actual to
forecast volume so far, credibility-weighted: w = F ÷ (F + k), F the forecast volume of
the elapsed intervals and k (default: the forecast of two hours) the volume at which the
day's own evidence counts as much as the original forecast. A deviation is *significant*
when the ratio is at least ``threshold`` away from 1 **and** beyond ``z`` Poisson standard
deviations (|A − F| ÷ √F), so a quiet morning's noise does not move the plan.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def reforecast_rest_of_day(forecast: pd.Series, actual: pd.Series, *, threshold: float = 0.10, z: float = 2.0,
                           credibility_volume: float | None = None) -> pd.DataFrame:
    """``forecast``: the day's forecast volume per interval start; ``actual``: observed volume
    for the elapsed intervals (a prefix of the same index). Returns per interval ``forecast``,
    ``actual`` (NaN ahead), ``reforecast`` (actual where elapsed) with ``attrs``: ``ratio``,
    ``z_score``, ``weight``, ``significant``."""
    if not actual.index.isin(forecast.index).all():
        raise ValueError("actual intervals must be intervals of the forecast")
    f = forecast.astype(float)
    a = actual.astype(float).reindex(f.index)
    elapsed = a.notna().to_numpy()
    f_so_far, a_so_far = f[elapsed].sum(), a[elapsed].sum()
    if credibility_volume is None:
        step = (f.index[1] - f.index[0]) if len(f) > 1 else pd.Timedelta(minutes=30)
        credibility_volume = float(f.mean() * (pd.Timedelta(hours=2) / step))
    ratio = a_so_far / f_so_far if f_so_far > 0 else (np.inf if a_so_far > 0 else 1.0)
    z_score = (a_so_far - f_so_far) / np.sqrt(f_so_far) if f_so_far > 0 else np.inf * np.sign(a_so_far)
    weight = f_so_far / (f_so_far + credibility_volume) if f_so_far + credibility_volume > 0 else 0.0
    significant = bool(np.isfinite(ratio) and abs(ratio - 1) >= threshold and abs(z_score) >= z) or \
        (not np.isfinite(ratio) and a_so_far > 0)
    factor = 1 + weight * (ratio - 1) if significant and np.isfinite(ratio) else 1.0
    re = np.where(elapsed, a.to_numpy(), f.to_numpy() * factor)
    out = pd.DataFrame({"forecast": f.to_numpy(), "actual": a.to_numpy(), "reforecast": re}, index=f.index)
    out.attrs.update(ratio=float(ratio), z_score=float(z_score), weight=float(weight), significant=significant,
                     factor=float(factor))
    return out
