import tomllib

import numpy as np
import pandas as pd

from realtime.signals import intraday_signals
from wfm.config import parse_config

CFG = parse_config(tomllib.loads("""
[[sites]]
id = "s"
timezone = "Europe/Paris"
[[queues]]
id = "v"
site = "s"
channel = "voice"
patience_seconds = 300
  [queues.targets]
  service_level = 0.8
  service_level_threshold_seconds = 20
"""))


def _plan():
    idx = pd.date_range("2026-01-05 08:00", periods=16, freq="30min", tz="Europe/Paris").tz_convert("UTC")
    return pd.DataFrame({"interval_start": idx, "volume": 100.0, "aht_seconds": 180.0, "shrinkage": 0.0,
                         "concurrency": 1.0})


def test_surge_produces_a_gap_and_an_overtime_action():
    plan = _plan()
    act = pd.DataFrame({"interval_start": plan["interval_start"][:6], "offered": 140.0, "answered": 135.0,
                        "handle_seconds": 135.0 * 180})
    sig = intraday_signals(CFG.queue("v"), plan, act, np.full(16, 13.0), timezone="Europe/Paris")
    assert sig.attrs["volume_significant"] and not sig.attrs["aht_significant"]
    rest = sig[~sig["elapsed"]]
    assert (rest["reforecast_volume"] > 100).all()
    assert (rest["required_net"] > 13).all()                      # 13 agents was the plan for 100 calls
    assert rest["action"].str.startswith("short").all()
    assert sig.attrs["model"].startswith("erlang_a")


def test_on_plan_day_keeps_the_plan():
    plan = _plan()
    act = pd.DataFrame({"interval_start": plan["interval_start"][:4], "offered": [98.0, 103, 101, 97],
                        "answered": [97.0, 101, 99, 96], "handle_seconds": np.array([97.0, 101, 99, 96]) * 182})
    sig = intraday_signals(CFG.queue("v"), plan, act, np.full(16, 13.0), timezone="Europe/Paris")
    rest = sig[~sig["elapsed"]]
    assert not sig.attrs["volume_significant"] and not sig.attrs["aht_significant"]
    assert (rest["required_net"] == 13).all() and (rest["action"] == "on plan").all()
