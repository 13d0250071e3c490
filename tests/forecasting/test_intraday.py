import numpy as np
import pandas as pd
import pytest

from forecasting.intraday import reforecast_rest_of_day


def _day():
    idx = pd.date_range("2026-01-05 08:00", periods=20, freq="30min", tz="Europe/Paris")
    return pd.Series(100.0, index=idx)


def test_significant_surge_raises_the_rest_of_the_day():
    f = _day()
    a = pd.Series(130.0, index=f.index[:6])                       # +30 % over three hours
    r = reforecast_rest_of_day(f, a)
    assert r.attrs["significant"] and r.attrs["ratio"] == pytest.approx(1.3)
    w = 600 / (600 + 400)                                          # credibility: 600 seen vs two hours (400)
    assert r.attrs["weight"] == pytest.approx(w)
    np.testing.assert_allclose(r["reforecast"].iloc[6:], 100 * (1 + w * 0.3))
    np.testing.assert_allclose(r["reforecast"].iloc[:6], 130)


def test_noise_does_not_move_the_plan():
    f = _day()
    a = pd.Series([108.0, 95.0], index=f.index[:2])               # +1.5 % after an hour
    r = reforecast_rest_of_day(f, a)
    assert not r.attrs["significant"]
    np.testing.assert_allclose(r["reforecast"].iloc[2:], 100)
    a = pd.Series([125.0], index=f.index[:1])                      # +25 % but one interval: z = 2.5 -> significant
    assert reforecast_rest_of_day(f, a, z=3.0).attrs["significant"] is False


def test_bad_alignment_is_refused():
    f = _day()
    with pytest.raises(ValueError, match="intervals of the forecast"):
        reforecast_rest_of_day(f, pd.Series([1.0], index=[f.index[0] - pd.Timedelta(minutes=30)]))
