import numpy as np
import pytest

from realtime.accuracy import (continuous_improvement, glossary_error, peak_forecast_accuracy,
                               schedule_forecast_accuracy, staff_forecast_accuracy, steady_state_arrival_accuracy,
                               volume_errors)


def test_glossary_error_and_volume_errors():
    np.testing.assert_allclose(glossary_error([100, 50, 0], [90, 60, 5]), [0.1, -0.2, np.nan])
    e = volume_errors([100, 50, 10], [90, 60, 0])
    assert e["wape"] == pytest.approx((10 + 10 + 10) / 150)
    assert e["bias"] == pytest.approx((10 - 10 + 10) / 150)
    assert e["mape_nonzero"] == pytest.approx((10 / 90 + 10 / 60) / 2)


def test_staff_forecast_accuracy_per_week():
    # two weeks: forecast 100+100 vs actual 95+105 (week 1: 200 vs 200), then 110 vs 100 (week 2)
    acc = staff_forecast_accuracy([100, 100, 110], [95, 105, 100], ["w1", "w1", "w2"])
    assert acc.loc["w1", "deviation"] == 0 and acc.loc["w2", "deviation"] == pytest.approx(0.10)
    assert acc.attrs["mean_deviation"] == pytest.approx(0.05) and acc.attrs["accuracy"] == pytest.approx(0.95)


def test_schedule_forecast_accuracy_band():
    f = [10, 10, 10, 10, 0, 0]
    a = [10.9, 11.1, 9.5, 8.9, 0, 1]
    assert schedule_forecast_accuracy(f, a, over=0.10, under=0.10) == pytest.approx(3 / 6)
    assert schedule_forecast_accuracy(f, a, over=0.15, under=0.05) == pytest.approx(4 / 6)   # 10.9, 11.1, 9.5 (edge), 0


def test_peak_and_steady_state():
    day = ["d1"] * 4 + ["d2"] * 4
    f = [10, 40, 50, 20, 10, 40, 50, 20]
    a = [12, 38, 54, 20, 10, 60, 45, 20]                        # d2's actual peak (60) is 20 % above 50
    assert peak_forecast_accuracy(f, a, day, tolerance=0.10) == pytest.approx(0.5)
    # steady state = intervals with forecast >= 25 (40 and 50): d1 mean 46 vs 45 ok, d2 52.5 vs 45 not
    assert steady_state_arrival_accuracy(f, a, day, tolerance=0.10) == pytest.approx(0.5)


def test_continuous_improvement():
    v = [80, 82, 81, 83, 84, 85, 79]                          # base mean 81: 83, 84, 85 all better
    assert continuous_improvement(v) == [3]
    assert continuous_improvement([5, 5, 5, 4, 4, 4], higher_is_better=False) == [3]
    assert continuous_improvement([90, 91, 92, 90, 90, 90], target=90) == [3]  # at target counts as better
    assert continuous_improvement([1, 2]) == []
