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
