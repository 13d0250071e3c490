import numpy as np
import pytest

from capacity.consistency import target_consistency

KW = dict(interval_minutes=30, patience_seconds=300, sl_target=0.8, sl_threshold_seconds=20)


def test_implied_abandon_rate_of_an_80_20_target():
    rep = target_consistency(np.array([100.0, 0.0]), 180, abandon_target=0.05, **KW)
    row = rep.intervals.iloc[0]
    assert row["agents_for_sl"] == 13 and row["binding"] == "service_level"
    assert row["abandon_rate_at_sl_staffing"] == pytest.approx(0.02496, abs=5e-5)
    assert rep.consistent_abandon_target == pytest.approx(0.02496, abs=5e-5)   # zero-volume interval has no weight
    assert rep.intervals.iloc[1]["binding"] == "none"


def test_redundant_and_slack_targets_are_flagged():
    rep = target_consistency(np.full(4, 100.0), 180, abandon_target=0.25, **KW)
    assert any(f.startswith("redundant") for f in rep.findings)
    assert any("far slacker" in f for f in rep.findings)


def test_binding_abandon_target_proposes_a_consistent_sl():
    rep = target_consistency(np.full(3, 100.0), 180, abandon_target=0.005, **KW)
    assert (rep.intervals["binding"] == "abandon_rate").all()
    assert rep.consistent_sl_target > 0.8
    assert any("consistent SL target" in f for f in rep.findings)
    # at the joint staffing both targets hold
    assert (rep.intervals["agents"] == rep.intervals["agents_for_abandon"]).all()
