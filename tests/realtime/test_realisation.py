import numpy as np
import pandas as pd
import pytest

import realtime


def test_standard_worked_example_96_7_percent():
    r = realtime.interval_realisation([15.0], [14.5])
    assert r["realisation"].iloc[0] == pytest.approx(1 - 0.5 / 15)
    assert round(r["realisation"].iloc[0] * 100, 1) == 96.7
    assert bool(r["in_band"].iloc[0])            # 14.5 / 15 = 96.7 % is inside 95 %-115 %


def test_weighted_average_by_required_fte_and_band_share():
    req = np.array([10.0, 30.0, 0.0, 20.0])
    act = np.array([12.0, 27.0, 3.0, 30.0])
    r = realtime.interval_realisation(req, act, band=(0.95, 1.15))
    per = [1 - 2 / 10, 1 - 3 / 30, np.nan, 1 - 10 / 20]
    np.testing.assert_allclose(r["realisation"], per)
    expected = (10 * 0.8 + 30 * 0.9 + 20 * 0.5) / 60
    assert realtime.weighted_realisation(req, r["realisation"]) == pytest.approx(expected)
    # ratios 1.2, 0.9, -, 1.5 -> none inside 95-115 %; a wider band takes the first two
    assert realtime.band_share(r["in_band"]) == 0
    wide = realtime.interval_realisation(req, act, band=(0.85, 1.25))
    assert realtime.band_share(wide["in_band"]) == pytest.approx(2 / 3)
    assert pd.isna(r["in_band"].iloc[2])


def test_band_validation():
    with pytest.raises(ValueError, match="band"):
        realtime.interval_realisation([1], [1], band=(1.1, 1.2))


def _brute_force(starts, ends, index, minutes):
    out = []
    for b in index:
        e = b + pd.Timedelta(minutes=minutes)
        out.append(sum(max(0.0, (min(e, se) - max(b, ss)).total_seconds()) for ss, se in zip(starts, ends))
                   / (minutes * 60))
    return np.array(out)


def test_fte_per_interval_matches_brute_force():
    rng = np.random.default_rng(1)
    base = pd.Timestamp("2026-01-05 08:00", tz="UTC")
    starts = [base + pd.Timedelta(seconds=int(s)) for s in rng.integers(0, 8 * 3600, 200)]
    ends = [s + pd.Timedelta(seconds=int(d)) for s, d in zip(starts, rng.integers(1, 4 * 3600, 200))]
    index = pd.date_range(base - pd.Timedelta(hours=1), periods=30, freq="30min")
    np.testing.assert_allclose(realtime.fte_per_interval(starts, ends, index, 30),
                               _brute_force(starts, ends, index, 30), atol=1e-9)


def test_timelines_from_messy_events():
    ev = pd.DataFrame({
        "agent_id": ["a", "a", "a", "a", "b", "b"],
        "timestamp": pd.to_datetime(["2026-01-05 09:30Z", "2026-01-05 09:00Z", "2026-01-05 09:00Z",
                                     "2026-01-05 10:00Z", "2026-01-05 09:00Z", "2026-01-05 09:15Z"]),
        "state": ["Lunch", "Available", "Available", "Logged_Out", "Talking", "Aux 7"],
    })
    ev = pd.concat([ev, pd.DataFrame({"agent_id": ["ghost", "b"], "state": ["Available", "Break"],
                                      "timestamp": pd.to_datetime(["2026-01-05 09:00Z", "2026-01-05 09:00Z"])})])
    seg, rep = realtime.timelines(ev, pd.Timestamp("2026-01-05 12:00Z"), known_agents=["a", "b"])
    assert rep.unknown_agents == {"ghost": 1} and "ghost" not in set(seg["agent_id"])
    assert rep.simultaneous == 1                          # b: Talking and Break at 09:00
    assert rep.duplicates_collapsed == 1
    assert rep.unknown_states == {"Aux 7": 1}
    assert rep.closed_at_day_end == ["b"]                 # no logout: closed at day end and reported
    a = seg[seg["agent_id"] == "a"]
    assert a["activity"].tolist() == ["available", "lunch", "offline"]   # out-of-order events sorted
    assert a["end"].iloc[-1] == pd.Timestamp("2026-01-05 12:00Z")
    b = seg[seg["agent_id"] == "b"]
    assert b["activity"].tolist() == ["on_contact", "unknown"]   # "Break" < "Talking": the zero-length one drops


def test_service_metrics_on_offered():
    act = pd.DataFrame({"offered": [100, 0], "answered": [90, 0], "abandoned": [10, 0],
                        "answered_within_threshold": [72, 0], "handle_seconds": [27000, 0],
                        "wait_seconds": [900, 0]})
    m = realtime.service_metrics(act)
    assert m["service_level"].iloc[0] == pytest.approx(0.72)      # 72 / 100 offered, not 72 / 90
    assert m["abandon_rate"].iloc[0] == pytest.approx(0.10)
    assert m["asa_seconds"].iloc[0] == pytest.approx(10.0)        # over answered
    assert m["aht_seconds"].iloc[0] == pytest.approx(300.0)
    assert m.iloc[1][["service_level", "asa_seconds"]].isna().all()
    day = realtime.rollup(act, by=np.array([0, 0]))
    assert day["service_level"].iloc[0] == pytest.approx(0.72)


def test_occupancy_and_utilisation_from_timelines():
    from realtime.service import chat_concurrency, occupancy_utilisation

    t = lambda hm: pd.Timestamp(f"2026-01-05 {hm}", tz="UTC")  # noqa: E731
    seg = pd.DataFrame([("a", t("09:00"), t("09:20"), "on_contact"), ("a", t("09:20"), t("09:30"), "available"),
                        ("b", t("09:00"), t("09:15"), "break"), ("b", t("09:15"), t("09:30"), "wrap_up"),
                        ("c", t("09:00"), t("09:30"), "lunch")], columns=["agent_id", "start", "end", "activity"])
    idx = pd.DatetimeIndex([t("09:00")])
    m = occupancy_utilisation(seg, idx, 30, productive={"on_contact", "wrap_up"},
                              available={"on_contact", "available", "wrap_up"}).iloc[0]
    assert m["productive_seconds"] == 35 * 60 and m["available_seconds"] == 10 * 60
    assert m["paid_seconds"] == 60 * 60                     # a 30 min + b 30 min (break paid), c's lunch unpaid
    assert m["occupancy"] == pytest.approx(35 / 45)
    assert m["utilisation"] == pytest.approx(45 / 60)
    np.testing.assert_allclose(chat_concurrency([3600, 0], [1800, 0]), [2.0, np.nan])


def test_deferred_timeliness_backlog_and_aging_from_counts():
    from realtime.service import deferred_service

    # 1-hour intervals, 24 h cycle: 10 items arrive at hour 0, 6 handled then, 4 handled 25 h later
    offered = np.zeros(27)
    offered[0] = 10
    handled = np.zeros(27)
    handled[0], handled[25] = 6, 4
    s = deferred_service(offered, handled, interval_minutes=60, cycle_time_seconds=24 * 3600)
    assert s["timeliness"] == pytest.approx(0.6)
    assert s["aging_seconds"] == pytest.approx(2 * 3600)          # finished at hour 26 = 2 h past the cycle
    assert s["backlog"][0] == 4 and s["backlog"][25] == 0
    with pytest.raises(ValueError, match="initial backlog"):
        deferred_service([0, 0], [1, 0], interval_minutes=60, cycle_time_seconds=3600)
    assert deferred_service([0, 0], [1, 0], interval_minutes=60, cycle_time_seconds=3600,
                            initial_backlog=1)["timeliness"] == 1.0


def test_daily_figures_weighted_by_required_fte():
    r = realtime.interval_realisation([15, 5, 10, 0], [14.5, 6, 10, 2])
    days = realtime.realisation_by_period(r, ["d1", "d1", "d2", "d2"])
    d1 = days.set_index("period").loc["d1"]
    assert d1["realisation"] == pytest.approx((15 * (1 - 0.5 / 15) + 5 * (1 - 1 / 5)) / 20)
    assert d1["in_band"] == pytest.approx(0.5)                    # 96.7 % in, 120 % out
    assert days.set_index("period").loc["d2", "intervals"] == 1   # nothing required at the last interval


def test_reason_codes_refine_the_state_mapping():
    ev = pd.DataFrame({"agent_id": ["a", "a", "a"], "state": ["Aux", "Aux", "Logged_Out"],
                       "reason_code": ["3", "7", ""],
                       "timestamp": pd.to_datetime(["2026-01-05 09:00Z", "2026-01-05 09:30Z", "2026-01-05 10:00Z"])})
    smap = {**realtime.DEFAULT_STATE_MAP, "aux:3": "training", "aux": "break"}
    seg, rep = realtime.timelines(ev, pd.Timestamp("2026-01-05 12:00Z"), smap)
    assert seg["activity"].tolist() == ["training", "break", "offline"]
    assert rep.unknown_states == {}
