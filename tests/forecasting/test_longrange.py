"""Weekly totals 12–18 months ahead: trend, yearly season and holiday weeks recovered."""
from datetime import date, timedelta

import holidays as holidays_lib
import numpy as np
import pandas as pd
import pytest

from forecasting import holiday_day_types, weekly_totals

TZ = "Europe/Paris"
WEEKDAY = np.array([1.2, 1.05, 1.0, 1.0, 0.95, 0.4, 0.0])


def expected_daily(first: date, n_days: int) -> pd.Series:
    """1,000 a day × 8 %/year growth × summer dip × weekday × holidays at 10 %."""
    days = [first + timedelta(days=i) for i in range(n_days)]
    hol = holidays_lib.France(years=range(first.year, first.year + 5))
    t = np.arange(n_days) / 365.25
    doy = np.array([d.timetuple().tm_yday for d in days])
    season = 1 - 0.15 * np.exp(-((doy - 220) / 25.0) ** 2)  # August dip
    v = 1000 * 1.08 ** t * season * WEEKDAY[[d.weekday() for d in days]] * \
        np.where([d in hol for d in days], 0.1, 1.0)
    return pd.Series(v, index=days)


def test_two_and_a_half_years_give_trend_season_and_holiday_weeks():
    first = date(2023, 1, 2)
    truth = expected_daily(first, 7 * (130 + 60))
    rng = np.random.default_rng(0)
    hist = truth.iloc[: 7 * 130]
    hist = pd.Series(rng.poisson(hist.to_numpy()).astype(float), index=hist.index)
    fc = weekly_totals(hist, timezone=TZ, weeks=60, special_days=holiday_day_types("FR", range(2023, 2027)))
    assert fc.attrs["yearly_season"] is True and fc.attrs["weeks_fitted"] >= 125
    true_w = truth.iloc[7 * 130:].groupby([d - timedelta(days=d.weekday()) for d in truth.index[7 * 130:]]).sum()
    err = (fc["forecast"] - true_w.reindex(fc.index)).abs() / true_w.reindex(fc.index)
    assert err.mean() < 0.05, err.describe()
    assert (fc["lower"] < fc["forecast"]).all() and (fc["forecast"] < fc["upper"]).all()
    # the Christmas week (Thursday 25 December 2025) is below its neighbours, as generated
    xmas = date(2025, 12, 22)
    assert fc.loc[xmas, "forecast"] < 0.9 * fc.loc[xmas - timedelta(weeks=1), "forecast"]
    # intervals widen with the horizon
    width = (fc["upper"] - fc["lower"]) / fc["forecast"]
    assert width.iloc[-1] > width.iloc[0]


def test_under_two_years_no_season_and_short_history_refused():
    hist = expected_daily(date(2024, 1, 1), 7 * 40)
    fc = weekly_totals(hist, timezone=TZ, weeks=52)
    assert fc.attrs["yearly_season"] is False and len(fc) == 52
    assert fc.index[0] == date(2024, 1, 1) + timedelta(weeks=40)
    with pytest.raises(ValueError, match="4 full weeks"):
        weekly_totals(hist.iloc[:27], timezone=TZ)
