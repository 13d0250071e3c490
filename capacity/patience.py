"""Customer patience estimated from actuals, so Erlang A is usable without guessing.

With exponential patience of rate θ, every second a contact spends waiting is exposure
and each abandonment an event; the maximum-likelihood estimate (abandonments are
right-censored by service) is θ̂ = abandoned ÷ total waiting time of **all** offered
contacts (answered and abandoned), i.e. mean patience = total wait ÷ abandoned. The
confidence interval is the exact Poisson (chi-square) interval on the abandon count.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import chi2


def patience_from_counts(abandoned, wait_seconds_total, level: float = 0.95) -> pd.DataFrame:
    """Mean patience (seconds) and its confidence interval from abandon counts and total
    waiting time of all offered contacts (seconds). NaN where nobody abandoned or waited."""
    ab = np.atleast_1d(np.asarray(abandoned, dtype=float))
    exposure = np.atleast_1d(np.asarray(wait_seconds_total, dtype=float))
    if np.any(ab < 0) or np.any(exposure < 0):
        raise ValueError("abandoned and wait_seconds_total must be >= 0")
    alpha = 1 - level
    with np.errstate(divide="ignore", invalid="ignore"):
        rate_low = np.where(ab > 0, chi2.ppf(alpha / 2, 2 * ab) / 2, 0.0) / exposure
        rate_high = chi2.ppf(1 - alpha / 2, 2 * ab + 2) / 2 / exposure
        patience = np.where(ab > 0, exposure / ab, np.nan)
        low = np.where(ab > 0, 1 / rate_high, np.nan)
        high = np.where((ab > 0) & (rate_low > 0), 1 / rate_low, np.nan)
    return pd.DataFrame({"patience_seconds": patience, "patience_low": low, "patience_high": high,
                         "abandoned": ab, "exposure_seconds": exposure})


def estimate_patience(actuals: pd.DataFrame, by=None, level: float = 0.95) -> pd.DataFrame:
    """Patience per group of interval actuals (e.g. ``by=hour band``), from the columns
    ``abandoned``, ``wait_seconds`` (total wait of answered contacts) and
    ``abandon_wait_seconds`` (total wait of abandoned contacts)."""
    missing = [c for c in ("abandoned", "wait_seconds", "abandon_wait_seconds") if c not in actuals]
    if missing:
        raise ValueError(f"patience needs the columns {missing}: the total wait of answered and of abandoned "
                         "contacts, not only the abandon count")
    exposure = actuals["wait_seconds"].fillna(0) + actuals["abandon_wait_seconds"].fillna(0)
    frame = pd.DataFrame({"abandoned": actuals["abandoned"].fillna(0), "exposure": exposure})
    if by is None:
        sums = frame.sum().to_frame().T
    else:
        keys = actuals[by] if isinstance(by, str) else by
        sums = frame.groupby(keys).sum()
    out = patience_from_counts(sums["abandoned"].to_numpy(), sums["exposure"].to_numpy(), level)
    out.index = sums.index
    return out
