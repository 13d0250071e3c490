"""Adherence and conformance against the Standard's worked example and hand counts."""

import pandas as pd
import pytest

from realtime.adherence import activity_adherence, adherence, conformance, exceptions

AVAILABLE = ("on_contact", "available", "wrap_up")


def seg(agent, start, end, activity):
    return (agent, pd.Timestamp(f"2026-01-05 {start}", tz="Europe/Paris"),
            pd.Timestamp(f"2026-01-05 {end}", tz="Europe/Paris"), activity)


def frame(*rows):
    return pd.DataFrame(rows, columns=["agent_id", "start", "end", "activity"])


SCHEDULE = frame(seg("a", "09:00", "10:00", "on_contact"), seg("a", "10:00", "10:15", "break"),
                 seg("a", "10:15", "11:00", "on_contact"))
# break taken 10:05-10:20 instead of 10:00-10:15 (the Standard's example)
ACTUAL = frame(seg("a", "09:00", "09:30", "available"), seg("a", "09:30", "10:05", "on_contact"),
               seg("a", "10:05", "10:20", "break"), seg("a", "10:20", "11:00", "wrap_up"))


def test_standards_break_example_is_33_percent():
    per = activity_adherence(SCHEDULE, ACTUAL, available_codes=AVAILABLE).set_index("activity")
    assert per.loc["break", "scheduled_seconds"] == 900
    assert per.loc["break", "adherence"] == pytest.approx(5 / 15)           # (15 - 5 late start - 5 late return)/15
    assert round(per.loc["break", "adherence"] * 100) == 33


def test_overall_adherence_and_exceptions():
    overall = adherence(SCHEDULE, ACTUAL, available_codes=AVAILABLE).iloc[0]
    # 120 scheduled minutes; out: 10:00-10:05 (on contact during break) and 10:15-10:20 (break during contact)
    assert overall["scheduled_seconds"] == 7200
    assert overall["adherence"] == pytest.approx(110 / 120)
    exc = exceptions(SCHEDULE, ACTUAL, available_codes=AVAILABLE)
    assert exc[["scheduled", "actual", "seconds"]].values.tolist() == [["break", "on_contact", 300.0],
                                                                       ["on_contact", "break", 300.0]]
    assert exc["start"].iloc[0] == pd.Timestamp("2026-01-05 10:00", tz="Europe/Paris")


def test_grace_threshold_forgives_short_exceptions():
    strict = adherence(SCHEDULE, ACTUAL, available_codes=AVAILABLE)["adherence"].iloc[0]
    lenient = adherence(SCHEDULE, ACTUAL, available_codes=AVAILABLE, grace_seconds=301)["adherence"].iloc[0]
    assert strict < 1 and lenient == 1
    assert exceptions(SCHEDULE, ACTUAL, available_codes=AVAILABLE, grace_seconds=301).empty
    assert adherence(SCHEDULE, ACTUAL, available_codes=AVAILABLE, grace_seconds=300)["adherence"].iloc[0] == strict


def test_adherence_per_interval_and_absent_agent():
    grid = pd.date_range("2026-01-05 09:00", "2026-01-05 11:00", freq="30min", tz="Europe/Paris", inclusive="left")
    sched = pd.concat([SCHEDULE, frame(seg("b", "09:00", "10:00", "on_contact"))])
    per = adherence(sched, ACTUAL, available_codes=AVAILABLE, by="interval", grid=grid)
    a = per[per["agent_id"] == "a"].set_index("interval_start")["adherence"]
    assert a.loc[pd.Timestamp("2026-01-05 10:00", tz="Europe/Paris")] == pytest.approx(20 / 30)
    assert a.loc[pd.Timestamp("2026-01-05 09:00", tz="Europe/Paris")] == 1.0
    b = per[per["agent_id"] == "b"]
    assert (b["adherence"] == 0).all() and b["scheduled_seconds"].sum() == 3600   # never logged in: 0 %, not dropped


def test_conformance_regardless_of_when():
    sched = frame(seg("a", "09:00", "13:00", "on_contact"))
    act = frame(seg("a", "10:00", "14:30", "available"), seg("a", "14:30", "15:00", "lunch"))
    c = conformance(sched, act, working_codes=AVAILABLE).iloc[0]
    assert c["conformance"] == pytest.approx(4.5 / 4)                          # worked more, later
    sched2 = pd.concat([sched, frame(seg("b", "09:00", "13:00", "on_contact"))])
    act2 = pd.concat([act, frame(seg("b", "09:00", "11:00", "available"))])
    team = conformance(sched2, act2, working_codes=AVAILABLE, teams={"a": "t1", "b": "t1"}).iloc[0]
    assert team["team"] == "t1" and team["conformance"] == pytest.approx((4.5 + 2) / 8)


def test_bad_segments_are_refused():
    with pytest.raises(ValueError, match="end before they start"):
        adherence(frame(seg("a", "10:00", "09:00", "break")), ACTUAL)
    with pytest.raises(ValueError, match="missing"):
        adherence(SCHEDULE.drop(columns="activity"), ACTUAL)


def test_mixed_timestamp_resolutions():
    sched = SCHEDULE.assign(start=SCHEDULE["start"].astype("datetime64[us, Europe/Paris]"),
                            end=SCHEDULE["end"].astype("datetime64[us, Europe/Paris]"))
    act = ACTUAL.assign(start=ACTUAL["start"].astype("datetime64[ns, UTC]"),
                        end=ACTUAL["end"].astype("datetime64[ns, UTC]"))
    assert adherence(sched, act, available_codes=AVAILABLE)["adherence"].iloc[0] == pytest.approx(110 / 120)


def test_agent_ids_of_different_dtypes_still_match():
    """The schedule read one way (pandas string dtype) and the timelines another (object): a
    crash found by the API fuzzer."""
    schedule = SCHEDULE.astype({"agent_id": "string"})
    actual = ACTUAL.astype({"agent_id": object})
    overall = adherence(schedule, actual, available_codes=AVAILABLE).iloc[0]
    assert overall["adherence"] == pytest.approx(110 / 120)
