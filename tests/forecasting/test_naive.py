from datetime import date

import numpy as np
import pandas as pd
import pytest

import forecasting
from wfm.grid import intervals

TZ = "Europe/Paris"


def _weekly_pattern(idx):
    local = idx.tz_convert(TZ)
    return (10 + local.day_of_week * 3 + local.hour).astype(float)


def test_seasonal_naive_recovers_a_weekly_pattern_across_dst():
    hist_idx = intervals(date(2026, 10, 5), date(2026, 10, 26), TZ, 30)      # ends on the fall-back day
    history = pd.Series(_weekly_pattern(hist_idx), index=hist_idx)
    future = intervals(date(2026, 10, 26), date(2026, 11, 2), TZ, 30)
    fc = forecasting.forecast(history, future, timezone=TZ, model="seasonal_naive")
    np.testing.assert_array_equal(fc["forecast"].to_numpy(), _weekly_pattern(future))
    assert fc.attrs["model"] == "seasonal_naive" and fc.attrs["level"] == 0.8
    assert (fc["lower"] <= fc["forecast"]).all() and (fc["upper"] >= fc["forecast"]).all()


def test_gaps_closed_hours_and_holidays():
    hist_idx = intervals(date(2026, 11, 2), date(2026, 11, 16), TZ, 60)
    local = hist_idx.tz_convert(TZ)
    open_ = (local.hour >= 8) & (local.hour < 18) & (local.day_of_week < 5)
    values = np.where(local.date == date(2026, 11, 11), 1.0, 50.0)            # 11 Nov: holiday, near empty
    history = pd.Series(values, index=hist_idx)[open_]                          # closed hours absent
    future = intervals(date(2026, 11, 16), date(2026, 11, 23), TZ, 60)
    fc = forecasting.forecast(history, future, timezone=TZ, holidays=[date(2026, 11, 11)], model="seasonal_naive")
    f_local = future.tz_convert(TZ)
    f_open = (f_local.hour >= 8) & (f_local.hour < 18) & (f_local.day_of_week < 5)
    assert (fc["forecast"][f_open] == 50).all()                                 # the holiday is not copied
    assert (fc[["forecast", "lower", "upper"]][~f_open] == 0).all().all()       # no history, no volume
    assert fc.attrs["slots_without_history"] == int((~f_open).sum())
    # without the holiday list, the Wednesday holiday is copied forward
    plain = forecasting.forecast(history, future, timezone=TZ, model="seasonal_naive")
    assert (plain["forecast"][f_open & (f_local.day_of_week == 2)] == 1).all()


def test_history_is_validated():
    idx = intervals(date(2026, 1, 5), date(2026, 1, 6), TZ, 60)
    with pytest.raises(ValueError, match="timezone-aware"):
        forecasting.forecast(pd.Series(1.0, index=idx.tz_localize(None)), idx, timezone=TZ)
    with pytest.raises(ValueError, match="negative"):
        forecasting.forecast(pd.Series(-1.0, index=idx), idx, timezone=TZ)
    with pytest.raises(ValueError, match="unknown model"):
        forecasting.forecast(pd.Series(1.0, index=idx), idx, timezone=TZ, model="magic")


def test_aht_is_volume_weighted():
    idx = intervals(date(2026, 1, 5), date(2026, 1, 12), TZ, 60)
    local = idx.tz_convert(TZ)
    vol = pd.Series(np.where(local.day_of_week == 0, 1.0, 9.0), index=idx)
    # 09:00 slot: Monday 1 call of 100 s. Other days differ, but slots are per weekday
    handle = vol * 200.0
    handle[local.day_of_week == 0] = 100.0
    future = intervals(date(2026, 1, 12), date(2026, 1, 13), TZ, 60)           # a Monday
    aht = forecasting.forecast_aht(vol, handle, future, timezone=TZ)
    assert (aht == 100.0).all()
    # a slot never seen falls back to the overall weighted AHT: (1*100*24 + 9*200*144) / (24 + 9*144)
    empty = forecasting.forecast_aht(vol[local.day_of_week != 0], handle[local.day_of_week != 0], future, timezone=TZ)
    assert empty.iloc[0] == pytest.approx(200.0)


def test_daily_profile_and_slot_average_recover_a_stable_pattern():
    from forecasting.profile import DailyProfile, RecentSlotAverage

    hist_idx = intervals(date(2026, 9, 7), date(2026, 11, 2), TZ, 30)          # 8 weeks incl. the DST change
    history = pd.Series(_weekly_pattern(hist_idx), index=hist_idx)
    future = intervals(date(2026, 11, 2), date(2026, 11, 9), TZ, 30)
    for model in (DailyProfile(TZ), RecentSlotAverage(TZ)):
        np.testing.assert_allclose(model.fit(history).predict(future), _weekly_pattern(future), rtol=1e-9)


def test_auto_selects_by_backtest_and_states_its_choice():
    rng = np.random.default_rng(5)
    hist_idx = intervals(date(2026, 9, 7), date(2026, 11, 2), TZ, 30)
    local = hist_idx.tz_convert(TZ)
    open_ = (local.hour >= 8) & (local.hour < 18)
    lam = np.where(open_, 40 + 20 * np.sin((local.hour - 8) / 10 * np.pi), 0.0)
    history = pd.Series(rng.poisson(lam).astype(float), index=hist_idx)[open_]
    future = intervals(date(2026, 11, 2), date(2026, 11, 9), TZ, 30)
    fc = forecasting.forecast(history, future, timezone=TZ)
    wape = fc.attrs["backtest_wape"]
    assert set(wape) == set(forecasting.MODELS)
    assert fc.attrs["model"] == min(wape, key=wape.get)
    assert wape[fc.attrs["model"]] < wape["seasonal_naive"]                   # noisy series: averaging wins
    assert (fc["lower"] <= fc["forecast"]).all() and (fc["forecast"] <= fc["upper"]).all()


def test_holiday_in_the_horizon_is_forecast_at_the_learned_holiday_level():
    hist_idx = intervals(date(2026, 9, 7), date(2026, 11, 16), TZ, 60)
    local = hist_idx.tz_convert(TZ)
    open_ = (local.hour >= 8) & (local.hour < 18)
    values = np.where(local.date == date(2026, 11, 11), 10.0, 50.0)               # a past holiday at 20 %
    history = pd.Series(values, index=hist_idx)[open_]
    future = intervals(date(2026, 11, 16), date(2026, 11, 23), TZ, 60)
    holidays = [date(2026, 11, 11), date(2026, 11, 18)]                            # one past, one ahead
    fc = forecasting.forecast(history, future, timezone=TZ, holidays=holidays)
    f_local = future.tz_convert(TZ)
    on_day = (f_local.date == date(2026, 11, 18)) & (f_local.hour >= 8) & (f_local.hour < 18)
    assert fc.attrs["holiday_factor"] == pytest.approx(0.2) and fc.attrs["holiday_intervals"] == 24
    np.testing.assert_allclose(fc["forecast"][on_day], 10.0)
    others = (f_local.date != date(2026, 11, 18)) & (f_local.hour >= 8) & (f_local.hour < 18)
    np.testing.assert_allclose(fc["forecast"][others], 50.0)
