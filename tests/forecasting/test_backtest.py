"""Rolling-origin backtest: metrics recomputed independently from its own detail rows."""
from datetime import date

import numpy as np
import pandas as pd
import pytest

from forecasting import backtest, backtest_origins
from tests.forecasting.test_daily import TZ, synthetic


def test_backtest_metrics_match_an_independent_computation(tmp_path):
    h = synthetic(date(2025, 1, 6), 10 * 7, seed=5)
    bt = backtest(h, timezone=TZ, origins=3, within=0.1)
    assert set(zip(bt.metrics["horizon"], bt.metrics["model"])) == {
        (hz, m) for hz in ("next_day", "next_week") for m in ("seasonal_naive", "day_type_profile")}
    assert bt.interval_minutes == 30 and bt.timezone == TZ
    for r in bt.metrics.to_dict("records"):
        g = bt.detail[(bt.detail["horizon"] == r["horizon"]) & (bt.detail["model"] == r["model"])]
        f, a = g["forecast"].to_numpy(), g["actual"].to_numpy()
        assert r["wape"] == pytest.approx(np.abs(f - a).sum() / a.sum())
        assert r["bias"] == pytest.approx((f - a).sum() / a.sum())
        nz = a > 0
        assert r["mape_nonzero"] == pytest.approx(np.mean(np.abs(f[nz] - a[nz]) / a[nz]))
        assert r["within_share"] == pytest.approx(np.mean((a <= 1.1 * f + 1e-12) & (a >= 0.9 * f - 1e-12)))
        days = pd.DatetimeIndex(g["interval_start"]).tz_convert(TZ).date
        daily = pd.DataFrame({"f": f, "a": a, "d": days}).groupby("d").sum()
        daily = daily[daily["a"] > 0]
        assert r["daily_mape"] == pytest.approx(((daily["f"] - daily["a"]).abs() / daily["a"]).mean())
        assert r["pi_coverage"] == pytest.approx(np.mean((a >= g["lower"]) & (a <= g["upper"])))
    m = bt.metrics.set_index(["horizon", "model"])["wape"]
    assert m[("next_week", "day_type_profile")] < m[("next_week", "seasonal_naive")]
    cov = bt.metrics.set_index(["horizon", "model"]).loc[("next_week", "day_type_profile"), "pi_coverage"]
    assert 0.6 < cov < 0.95  # nominal 80 %
    png = bt.plot(tmp_path / "p.png")
    assert png.stat().st_size > 10_000


def test_origins_are_local_midnights_of_days_with_data():
    h = synthetic(date(2025, 1, 6), 8 * 7)  # closed on Sundays
    days = backtest_origins(h, TZ, 1, 7)
    assert len(days) == 7 and all(d.tz is not None and d.hour == 0 for d in days)
    assert all(d.weekday() != 6 for d in days)  # no origin on a closed Sunday for the next-day horizon
    weeks = backtest_origins(h, TZ, 7, 3)
    assert [(b - a).days for a, b in zip(weeks, weeks[1:])] == [7, 7]
    with pytest.raises(ValueError, match="within"):
        backtest(h, timezone=TZ, within=1.5)
