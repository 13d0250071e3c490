import numpy as np
import pandas as pd
import pytest

from capacity.deferred import backlog_projection, deferred_staffing, outbound_agents, timeliness


def test_fifo_backlog_by_hand():
    # 1-hour intervals; 10 items arrive at 0, 4 at 1; 1 agent, AHT 600 s -> 6 items an hour
    p = backlog_projection([10, 4, 0, 0], 1, 600, interval_minutes=60, cycle_time_seconds=7200)
    assert p["handled"].tolist() == [6, 6, 2, 0]
    assert p["backlog"].tolist() == [4, 2, 0, 0]
    # interval 0: 6 items of age 1 h; interval 1: 4 old items (age 2 h) + 2 new (1 h); interval 2: 2 items of age 2 h
    assert p["handled_within_cycle"].tolist() == [6, 6, 2, 0]
    p = backlog_projection([10, 4, 0, 0], 1, 600, interval_minutes=60, cycle_time_seconds=3600)
    assert p["handled_within_cycle"].tolist() == [6, 2, 0, 0]
    assert p["late_delay_seconds"].tolist() == [0, 4 * 3600, 2 * 3600, 0]
    s = timeliness(p)
    assert s["timeliness"] == pytest.approx(8 / 14) and s["aging_seconds"] == pytest.approx(3600)
    assert p["oldest_age_seconds"].tolist() == [3600, 3600, 0, 0]   # the 2 left are from interval 1


def test_closed_hours_carry_the_backlog():
    open_mask = [True, False, False, True]
    p = backlog_projection([3, 5, 5, 0], 1, 1200, interval_minutes=60, cycle_time_seconds=86400, open_mask=open_mask)
    assert p["handled"].tolist() == [3, 0, 0, 3]
    assert p["backlog"].tolist() == [0, 5, 10, 7]


def test_minimal_staffing_meets_timeliness_and_one_less_does_not():
    idx = pd.date_range("2026-01-05", periods=5 * 48, freq="30min", tz="Europe/Paris")
    hours = idx.hour
    open_mask = (hours >= 8) & (hours < 18)
    arrivals = np.where((hours >= 7) & (hours < 20), 20.0, 2.0)
    staff, summary = deferred_staffing(arrivals, 420, interval_minutes=30, cycle_time_seconds=86400,
                                       timeliness_target=0.95, open_mask=open_mask, day=idx.date)
    assert summary["timeliness"] >= 0.95
    assert (staff[~open_mask] == 0).all()
    levels = pd.Series(staff[open_mask]).groupby(np.asarray(idx.date)[open_mask]).first()
    for d in levels.index[levels > 0]:  # lowering any single day breaks a target
        trial = staff.copy()
        trial[(np.asarray(idx.date) == d) & open_mask] -= 1
        proj = backlog_projection(arrivals, trial, 420, interval_minutes=30, cycle_time_seconds=86400,
                                  open_mask=open_mask)
        s = timeliness(proj)
        assert s["timeliness"] < 0.95 or s["backlog_end"] > arrivals[-48:].sum()


def test_outbound_agents():
    # 600 attempts/h, 30 % connect, AHT 300 s, 40 s per non-connect, 85 % utilisation
    agents = outbound_agents([600], right_party_connect_rate=0.3, aht_seconds=300, non_connect_seconds=40,
                             utilisation_target=0.85, interval_minutes=60)
    work = 600 * (0.3 * 300 + 0.7 * 40)
    assert agents[0] == np.ceil(work / (3600 * 0.85))
    with pytest.raises(ValueError, match="utilisation_target"):
        outbound_agents([1], right_party_connect_rate=0.3, aht_seconds=1, non_connect_seconds=1,
                        utilisation_target=0, interval_minutes=60)
