import pandas as pd
import pytest

from realtime.desk import Desk

T = lambda hm: pd.Timestamp(f"2026-01-05 {hm}", tz="UTC")  # noqa: E731
AVAILABLE = ("on_contact", "available", "wrap_up")
SCHEDULE = pd.DataFrame([
    ("a", "q", T("09:00"), T("10:00"), "on_contact"), ("a", "q", T("10:00"), T("10:15"), "break"),
    ("a", "q", T("10:15"), T("12:00"), "on_contact"),
    ("b", "q", T("09:00"), T("12:00"), "on_contact"),
    ("c", "r", T("09:00"), T("12:00"), "on_contact"),
], columns=["agent_id", "queue_id", "start", "end", "activity"])


def _events(*rows):
    return pd.DataFrame([(a, T(hm), s) for a, hm, s in rows], columns=["agent_id", "timestamp", "state"])


def test_poll_required_staffed_service_and_out_of_adherence():
    req = pd.DataFrame({"queue_id": ["q", "q"], "interval_start": [T("10:00"), T("10:30")],
                        "interval_minutes": [30, 30], "agents_net": [2.0, 3.0]})
    act = pd.DataFrame({"queue_id": ["q", "q"], "interval_start": [T("09:00"), T("09:30")], "offered": [10, 20],
                        "answered": [9, 18], "abandoned": [1, 2], "answered_within_threshold": [8, 16],
                        "wait_seconds": [90, 180]})
    desk = Desk(SCHEDULE, available_codes=AVAILABLE, requirements=req, actuals=act)
    desk.ingest(_events(("a", "08:58", "Available"), ("b", "09:01", "Available"), ("c", "09:00", "Available"),
                        ("zz", "09:00", "Available")))
    desk.ingest(_events(("a", "10:02", "Break"), ("b", "10:05", "Break")))
    p = desk.poll(T("10:10"), "q")
    assert p["required"] == 2.0 and p["staffed"] == 0           # a and b both on break
    assert [o["agent_id"] for o in p["out_of_adherence"]] == ["b"]   # a's break is scheduled
    assert p["out_of_adherence"][0]["seconds"] == 300           # since 10:05
    assert p["service_level"] == pytest.approx(24 / 30) and p["abandon_rate"] == pytest.approx(0.1)
    assert p["asa_seconds"] == pytest.approx(270 / 27)
    assert desk.unknown_agent_events == 1
    # a stays on break past 10:15: out of adherence since the on-contact segment began
    p = desk.poll(T("10:20"), "q")
    assert {o["agent_id"]: o["seconds"] for o in p["out_of_adherence"]} == {"b": 900, "a": 300}
    # late, older events do not override newer state
    desk.ingest(_events(("b", "10:00", "Available")))
    assert [o["agent_id"] for o in desk.poll(T("10:20"), "q")["out_of_adherence"]] == ["b", "a"]
    desk.ingest(_events(("b", "10:21", "Talking")))
    p = desk.poll(T("10:30"), None)
    assert p["staffed"] == 2 and p["required"] == 3.0           # b and c available; queue q needs 3 at 10:30
    assert desk.poll(T("10:30"), ["q", "r"])["staffed"] == 2    # a site's queues together
    assert desk.poll(T("10:30"), "r")["staffed"] == 1
