import tomllib

import numpy as np
import pandas as pd
import pytest

from capacity import requirements
from wfm.config import parse_config
from wfm.grid import intervals, open_mask

CFG = parse_config(tomllib.loads("""
[[sites]]
id = "s"
timezone = "Europe/Paris"
[[queues]]
id = "v"
site = "s"
channel = "voice"
  [queues.targets]
  service_level = 0.8
  service_level_threshold_seconds = 20
[[queues]]
id = "m"
site = "s"
channel = "email"
open_hours = { default = "08:00-18:00", sat = "closed", sun = "closed" }
  [queues.targets]
  timeliness = 0.95
  cycle_time_seconds = 86400
[[queues]]
id = "m2"
site = "s"
channel = "email"
open_hours = { default = "08:00-18:00", sat = "08:00-18:00", sun = "08:00-18:00" }
  [queues.targets]
  timeliness = 0.95
  cycle_time_seconds = 86400
"""))


def _frame(idx, volume, aht, shrinkage=0.3):
    return pd.DataFrame({"interval_start": idx.tz_convert("UTC"), "volume": volume, "aht_seconds": aht,
                         "shrinkage": shrinkage, "concurrency": 1.0})


def test_voice_requirements_net_gross_and_closed_intervals():
    idx = intervals(pd.Timestamp("2026-01-05").date(), pd.Timestamp("2026-01-06").date(), "Europe/Paris", 30)
    vol = np.where((idx.hour >= 8) & (idx.hour < 20), 100.0, 0.0)
    is_open = np.asarray((idx.hour >= 8) & (idx.hour < 19))  # the last hour is closed: no one needed
    req = requirements(_frame(idx, vol, 180.0), CFG.queue("v"), open_mask=is_open, timezone="Europe/Paris")
    assert len(req) == 48
    assert set(req.loc[is_open, "agents_net"]) == {14.0}
    assert set(req.loc[is_open, "agents_gross"]) == {20.0}  # 14 / 0.7, rounded up, no float artefact
    assert set(req.loc[is_open, "gross_hours"]) == {10.0}   # 20 agents x 0.5 h
    assert (req.loc[~is_open, "agents_net"] == 0).all()
    assert req["model"].iloc[0].startswith("erlang_c")
    assert req["abandon_rate"].isna().all()          # Erlang C predicts no abandonment: not 0, unknown


def test_deferred_work_meets_timeliness():
    from capacity.deferred import backlog_projection, timeliness

    # Fri 2026-01-09 .. Tue 2026-01-13; 10 items every interval, 360 s each, open every day
    idx = intervals(pd.Timestamp("2026-01-09").date(), pd.Timestamp("2026-01-14").date(), "Europe/Paris", 30)
    q = CFG.queue("m2")
    mask = open_mask(idx, q.open_hours, 30)
    req = requirements(_frame(idx, 10.0, 360.0, 0.0), q, open_mask=mask, timezone="Europe/Paris")
    assert (req.loc[~mask, "agents_net"] == 0).all()
    assert req["feasible"].all() and req["model"].iloc[0].startswith("deferred FIFO backlog")
    proj = backlog_projection(np.full(len(idx), 10.0), req["agents_net"].to_numpy(), 360.0, interval_minutes=30,
                              cycle_time_seconds=86400, open_mask=mask)
    assert timeliness(proj)["timeliness"] >= 0.95


def test_deferred_target_unattainable_over_a_closed_weekend_is_reported():
    idx = intervals(pd.Timestamp("2026-01-09").date(), pd.Timestamp("2026-01-14").date(), "Europe/Paris", 30)
    q = CFG.queue("m")                       # closed Saturday and Sunday, 24 h cycle: cannot reach 95 %
    mask = open_mask(idx, q.open_hours, 30)
    req = requirements(_frame(idx, 10.0, 360.0, 0.0), q, open_mask=mask, timezone="Europe/Paris")
    assert not req["feasible"].any()
    day = np.asarray(idx.date)
    monday = req[(day == pd.Timestamp("2026-01-12").date()) & mask]["agents_net"]
    friday = req[(day == pd.Timestamp("2026-01-09").date()) & mask]["agents_net"]
    assert monday.iloc[0] > friday.iloc[0]          # the weekend's mail is handled on Monday


def test_erlang_a_when_patience_is_known_and_abandon_target_without_patience_is_refused():
    import tomllib
    from wfm.config import parse_config
    idx = intervals(pd.Timestamp("2026-01-05").date(), pd.Timestamp("2026-01-06").date(), "Europe/Paris", 30)
    cfg = parse_config(tomllib.loads(CFG_A))
    f = _frame(idx, 100.0, 180.0)
    req = requirements(f, cfg.queue("a"), timezone="Europe/Paris")
    assert set(req["agents_net"]) == {13.0}                # published Erlang A example, patience 300 s
    assert req["abandon_rate"].iloc[0] == pytest.approx(0.02496, abs=5e-5)
    assert req["model"].iloc[0].startswith("erlang_a (patience 300 s)")
    with pytest.raises(ValueError, match="needs a customer patience"):
        requirements(f, cfg.queue("b"), timezone="Europe/Paris")


CFG_A = """
[[sites]]
id = "s"
timezone = "Europe/Paris"
[[queues]]
id = "a"
site = "s"
channel = "voice"
patience_seconds = 300
  [queues.targets]
  service_level = 0.8
  service_level_threshold_seconds = 20
  max_abandon_rate = 0.05
[[queues]]
id = "b"
site = "s"
channel = "voice"
  [queues.targets]
  max_abandon_rate = 0.05
"""


def test_face_to_face_footfall_uses_the_queueing_models():
    import tomllib
    from wfm.config import parse_config

    cfg = parse_config(tomllib.loads("""
[[sites]]
id = "s"
timezone = "Europe/Paris"
[[queues]]
id = "branch"
site = "s"
channel = "face_to_face"
patience_seconds = 300
  [queues.targets]
  service_level = 0.8
  service_level_threshold_seconds = 20
"""))
    idx = intervals(pd.Timestamp("2026-01-05").date(), pd.Timestamp("2026-01-06").date(), "Europe/Paris", 30)
    req = requirements(_frame(idx, 100.0, 180.0), cfg.queue("branch"), timezone="Europe/Paris")
    assert set(req["agents_net"]) == {13.0} and req["model"].iloc[0].startswith("erlang_a")


def test_chat_concurrency_may_vary_by_interval():
    import tomllib
    from wfm.config import parse_config

    cfg = parse_config(tomllib.loads("""
[[sites]]
id = "s"
timezone = "Europe/Paris"
[[queues]]
id = "chat"
site = "s"
channel = "chat"
concurrency = 2
  [queues.targets]
  service_level = 0.8
  service_level_threshold_seconds = 20
"""))
    idx = intervals(pd.Timestamp("2026-01-05").date(), pd.Timestamp("2026-01-06").date(), "Europe/Paris", 30)[:3]
    f = _frame(idx, 100.0, 360.0, 0.0).assign(concurrency=[1.0, 2.0, 3.0])
    req = requirements(f, cfg.queue("chat"), timezone="Europe/Paris")
    assert req["agents_net"].tolist()[1] == 14        # 360 s / 2 = the 180 s voice example
    assert req["agents_net"].iloc[0] > req["agents_net"].iloc[1] > req["agents_net"].iloc[2]
