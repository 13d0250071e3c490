"""DayTypeModel: recovers known structure, learns day types, cleans outages, keeps DST days whole."""
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecasting import DayTypeModel, day_labels, forecast, holiday_day_types

TZ = "Europe/Paris"
WEEKDAY = np.array([1.3, 1.1, 1.0, 1.0, 0.9, 0.4, 0.0])  # Mon..Sun, closed on Sunday
DATA = Path(__file__).resolve().parents[3] / "shared" / "data"


def shape(minutes: np.ndarray, open_h=8, close_h=20) -> np.ndarray:
    """A two-peaked day between open and close (shares sum to 1 over the open slots)."""
    h = minutes / 60
    s = np.where((h >= open_h) & (h < close_h), np.exp(-((h - 10.5) / 1.5) ** 2) + 0.8 * np.exp(-((h - 15) / 2) ** 2)
                 + 0.1, 0.0)
    return s


def synthetic(first: date, days: int, *, special=None, poisson=True, seed=0, outage: date | None = None,
              step=30) -> pd.Series:
    """Counts per ``step``-min interval: 2000 × weekday factor × special factor × shape."""
    rng = np.random.default_rng(seed)
    special = special or {}
    idx = pd.date_range(pd.Timestamp(first, tz=TZ), pd.Timestamp(first + timedelta(days=days), tz=TZ),
                        freq=f"{step}min", inclusive="left")
    local = idx.tz_convert(TZ)
    minutes = np.asarray(local.hour * 60 + local.minute)
    day = np.asarray(local.date)
    s = shape(minutes)
    factor = np.array([WEEKDAY[d.weekday()] for d in day])
    half = np.array([special.get(d) == "half_day" for d in day])
    hol = np.array([special.get(d) == "holiday" for d in day])
    s = np.where(half, shape(minutes, 8, 13), s)
    day_sum = pd.Series(s).groupby(day).transform("sum").to_numpy()
    mean = 2000 * factor * np.where(half, 0.4, 1.0) * np.where(hol, 0.1, 1.0) * s / np.where(day_sum > 0, day_sum, 1)
    y = rng.poisson(mean).astype(float) if poisson else mean
    if outage is not None:
        y[(day == outage) & (minutes >= 600) & (minutes < 840)] = 0.0
    return pd.Series(y, index=idx)


def test_recovers_weekday_factors_and_shape_of_a_known_series():
    h = synthetic(date(2025, 1, 6), 12 * 7, poisson=False)
    m = DayTypeModel(TZ).fit(h)
    days = [date(2025, 3, 31) + timedelta(days=k) for k in range(7)]  # Mon..Sun after the history
    totals = m.daily_totals(days).to_numpy()
    np.testing.assert_allclose(totals, 2000 * WEEKDAY, rtol=0.01)
    idx = pd.date_range(pd.Timestamp("2025-03-31", tz=TZ), periods=48, freq="30min")
    expected = 2000 * 1.3 * shape(np.arange(48) * 30) / shape(np.arange(48) * 30).sum()
    np.testing.assert_allclose(m.predict(idx), expected, rtol=0.01, atol=1e-9)


def test_a_half_day_is_learned_as_its_own_day_type():
    halves = {date(2025, 1, 17): "half_day", date(2025, 2, 12): "half_day", date(2025, 3, 4): "half_day"}
    future = date(2025, 4, 9)  # a Wednesday marked half day
    h = synthetic(date(2025, 1, 6), 13 * 7, special=halves)
    # without shrinkage (ridge 0) the day type's total is its past days' (geometric) mean
    m = DayTypeModel(TZ, {**halves, future: "half_day"}, ridge=0.0).fit(h)
    idx = pd.date_range(pd.Timestamp(future, tz=TZ), periods=48, freq="30min")
    f = m.predict(idx)
    local_h = np.arange(48) / 2
    assert f[local_h >= 13].sum() == 0  # nothing after the half day closes
    # 40 % of the weekday's day, as generated (the model sees the level follows the weekday)
    assert f.sum() == pytest.approx(0.4 * 2000 * WEEKDAY[future.weekday()], rel=0.05)
    assert "half_day" in m.own_shapes_ and "half_day" not in m.own_types_
    # the default ridge shrinks a day type seen 3 times toward the ordinary level
    shrunk = DayTypeModel(TZ, {**halves, future: "half_day"}).fit(h).predict(idx).sum()
    assert f.sum() < shrunk < m.daily_totals([date(2025, 4, 8)]).iloc[0]


def test_a_holiday_the_centre_was_closed_on_is_forecast_closed():
    h = synthetic(date(2025, 1, 6), 12 * 7)
    closed = [date(2025, 2, 11), date(2025, 3, 6)]  # no data on these past holidays
    local_day = np.asarray(h.index.tz_convert(TZ).date)
    h = h[~np.isin(local_day, np.array(closed, dtype=object))]
    m = DayTypeModel(TZ, closed + [date(2025, 4, 2)]).fit(h)
    assert m.daily_totals([date(2025, 4, 2)]).iloc[0] == 0
    assert m.daily_totals([date(2025, 4, 3)]).iloc[0] > 1500


def test_an_outage_is_cleaned_not_learned():
    outage = date(2025, 3, 25)  # a Tuesday, 4 hours at zero in the last week of history
    h = synthetic(date(2025, 1, 6), 12 * 7, outage=outage, seed=3)
    clean = DayTypeModel(TZ).fit(h)
    raw = DayTypeModel(TZ, outlier_z=None).fit(h)
    assert outage in clean.outliers_ and outage in clean.outlier_reasons_
    idx = pd.date_range(pd.Timestamp("2025-04-01 10:00", tz=TZ), periods=8, freq="30min")  # next Tuesday 10-14
    truth = synthetic(date(2025, 3, 31), 7, poisson=False).reindex(idx).to_numpy()
    assert np.abs(clean.predict(idx) - truth).sum() < np.abs(raw.predict(idx) - truth).sum()
    assert np.abs(clean.predict(idx) - truth).sum() / truth.sum() < 0.05


@pytest.mark.parametrize("day,n", [(date(2025, 3, 30), 46), (date(2025, 10, 26), 50)])
def test_dst_days_have_their_own_number_of_intervals_and_keep_their_total(day, n):
    h = synthetic(day - timedelta(weeks=10), 70, poisson=False)
    m = DayTypeModel(TZ).fit(h)
    idx = pd.date_range(pd.Timestamp(day, tz=TZ), pd.Timestamp(day + timedelta(days=1), tz=TZ), freq="30min",
                        inclusive="left")
    assert len(idx) == n
    f = m.predict(idx)
    assert f.sum() == pytest.approx(m.daily_totals([day]).iloc[0], rel=1e-9)


def test_a_forecast_starting_mid_day_equals_the_whole_day_forecast_there():
    h = synthetic(date(2025, 1, 6), 10 * 7)
    m = DayTypeModel(TZ).fit(h)
    whole = pd.date_range(pd.Timestamp("2025-03-17", tz=TZ), periods=48, freq="30min")
    np.testing.assert_allclose(m.predict(whole[24:]), m.predict(whole)[24:])


def test_facade_traces_day_types_and_cleaning():
    h = synthetic(date(2025, 1, 6), 12 * 7, outage=date(2025, 3, 11), seed=1)
    idx = pd.date_range(pd.Timestamp("2025-03-31", tz=TZ), periods=7 * 48, freq="30min")
    fc = forecast(h, idx, timezone=TZ, model="day_type_profile", special_days={date(2025, 4, 2): "holiday"})
    p = fc.attrs["params"]
    assert "2025-03-11" in p["cleaned_days"]
    assert "never seen" in p["special_days_in_horizon"]["2025-04-02"]
    assert p["weekday_factors"]["Mon"] / p["weekday_factors"]["Wed"] == pytest.approx(1.3, rel=0.05)
    assert (fc["lower"] <= fc["forecast"]).all() and (fc["forecast"] <= fc["upper"]).all()


def test_calendar_day_types_of_real_calendars():
    il = holiday_day_types("IL", [1999])
    assert il[date(1999, 9, 20)] == "holiday"          # Yom Kippur
    assert il[date(1999, 9, 19)] == "holiday_eve"
    assert il[date(1999, 9, 27)] == "holiday_period"   # Chol HaMoed Sukkot
    assert date(1999, 3, 2) not in il                   # Purim: an observance, not a period
    us = holiday_day_types("US", [2003])
    assert us[date(2003, 7, 4)] == "holiday" and us[date(2003, 7, 3)] == "holiday_eve"
    days = [date(2003, 7, 3), date(2003, 7, 7), date(2003, 7, 8), date(2003, 8, 1)]
    labels = day_labels(days, us, open_weekdays=range(5), month_effects=True)
    assert labels[date(2003, 7, 7)] == ("after_holiday",)   # Monday after a Friday holiday
    assert labels[date(2003, 7, 8)] == ()
    assert labels[date(2003, 8, 1)] == ("month_start",)


def _real(name: str, tz: str, minutes: int) -> pd.Series:
    if not (DATA / name).exists():
        pytest.skip(f"real data not found at {DATA / name}")
    d = pd.read_csv(DATA / name)
    ts = pd.to_datetime(d["datetime"]).dt.tz_localize(tz, ambiguous="NaT", nonexistent="NaT")
    s = pd.Series(d["calls"].to_numpy(float), index=ts)
    s = s[s.index.notna()]
    return s.groupby(s.index.floor(f"{minutes}min", ambiguous="NaT", nonexistent="NaT")).sum()


def test_israeli_bank_holidays_eves_and_half_days():
    """Fit to 1999-09-12, forecast the Yom Kippur week: the eve is short, the holiday near empty,
    Friday a half day, and the week's interval WAPE beats weekly seasonal naive by over 25 %."""
    tz = "Asia/Jerusalem"
    s = _real("il_bank_1999_6min.csv", tz, 30)
    origin = pd.Timestamp("1999-09-19", tz=tz)
    train, test = s[s.index < origin], s[(s.index >= origin) & (s.index < origin + pd.Timedelta(days=7))]
    cal = holiday_day_types("IL", [1999])
    m = DayTypeModel(tz, cal).fit(train)
    f = m.predict(test.index)
    totals = m.daily_totals([date(1999, 9, 19), date(1999, 9, 20), date(1999, 9, 21), date(1999, 9, 24)])
    assert totals[date(1999, 9, 20)] < 0.25 * totals[date(1999, 9, 21)]     # Yom Kippur
    assert totals[date(1999, 9, 19)] < 0.6 * totals[date(1999, 9, 21)]      # its eve
    naive = train.reindex(test.index - pd.Timedelta(days=7)).fillna(0).to_numpy()
    a = test.to_numpy()
    assert np.abs(f - a).sum() < 0.75 * np.abs(naive - a).sum()


def test_us_bank_weekdays_only_series():
    tz = "America/New_York"
    s = _real("us_bank_2003_5min.csv", tz, 15)
    origin = pd.Timestamp("2003-07-28", tz=tz)
    train = s[s.index < origin]
    m = DayTypeModel(tz, holiday_day_types("US", [2003])).fit(train)
    assert m.open_weekdays_ == [0, 1, 2, 3, 4]
    assert "holiday" in m.closed_labels_  # Memorial Day and July 4th have no data: closed
    week = pd.date_range(origin, periods=7 * 96, freq="15min")
    f = m.predict(week)
    local = week.tz_convert(tz)
    assert f[local.day_of_week >= 5].sum() == 0
    test = s[(s.index >= origin) & (s.index < origin + pd.Timedelta(days=7))]
    a = test.to_numpy()
    naive = train.reindex(test.index - pd.Timedelta(days=7)).fillna(0).to_numpy()
    assert np.abs(m.predict(test.index) - a).sum() < 0.8 * np.abs(naive - a).sum()
