"""Adherence for 5,000 agents over one day of agent-state events.

Each agent: an 8.5-hour shift with a 30-min lunch and two 15-min breaks; the actual
timeline follows it with jittered starts, a few long breaks and an unscheduled coffee
break; plus ~20 state changes between on-contact, wrap-up and available. Times the
timeline build (events → segments), adherence per agent and per 30-min interval, the
per-activity form and the exception list; the baseline in the same run is a pure-pandas
merge of the two frames (the minimum work any implementation does).

    .venv/bin/python benchmarks/adherence_scale.py [--agents 5000]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from realtime import activity_adherence, adherence, exceptions, timelines

AVAILABLE = ("on_contact", "available", "wrap_up")


def build(agents: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    day = pd.Timestamp("2026-01-05", tz="UTC")
    sched_rows, event_rows = [], []
    for i in range(agents):
        aid = f"a{i:05d}"
        start = day + pd.Timedelta(hours=7) + pd.Timedelta(minutes=int(rng.integers(0, 16)) * 30)
        plan = [(0, 120, "on_contact"), (120, 135, "break"), (135, 240, "on_contact"), (240, 270, "lunch"),
                (270, 390, "on_contact"), (390, 405, "break"), (405, 510, "on_contact")]
        for a, b, act in plan:
            sched_rows.append((aid, start + pd.Timedelta(minutes=a), start + pd.Timedelta(minutes=b), act))
        t = start + pd.Timedelta(seconds=float(rng.normal(60, 120)))
        for a, b, act in plan:
            begin = start + pd.Timedelta(minutes=a) + pd.Timedelta(seconds=float(rng.normal(30, 90)))
            end = start + pd.Timedelta(minutes=b)
            if act == "on_contact":
                cuts = np.sort(rng.uniform(0, 1, 6))
                for k, c in enumerate(cuts):
                    event_rows.append((aid, begin + (end - begin) * c, ("Talking", "ACW", "Available")[k % 3]))
            else:
                event_rows.append((aid, max(begin, t), "Break" if act == "break" else "Lunch"))
        event_rows.append((aid, start + pd.Timedelta(minutes=510) + pd.Timedelta(seconds=float(rng.normal(60, 120))),
                           "Logged_Out"))
    sched = pd.DataFrame(sched_rows, columns=["agent_id", "start", "end", "activity"])
    events = pd.DataFrame(event_rows, columns=["agent_id", "timestamp", "state"])
    return sched, events, day


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--agents", type=int, default=5000)
    args = ap.parse_args()
    sched, events, day = build(args.agents)
    grid = pd.date_range(day, periods=48, freq="30min")
    t0 = time.perf_counter()
    merged = sched.merge(events.rename(columns={"timestamp": "start"}), on="agent_id", how="inner")
    t_base = time.perf_counter() - t0
    t0 = time.perf_counter()
    segments, report = timelines(events, day + pd.Timedelta(days=1))
    t_timeline = time.perf_counter() - t0
    timings = {}
    for name, fn in (("adherence per agent (day)", lambda: adherence(sched, segments, available_codes=AVAILABLE)),
                     ("adherence per agent and 30-min interval",
                      lambda: adherence(sched, segments, available_codes=AVAILABLE, by="interval", grid=grid)),
                     ("per-activity (Standard's form)",
                      lambda: activity_adherence(sched, segments, available_codes=AVAILABLE)),
                     ("exceptions (grace 60 s)",
                      lambda: exceptions(sched, segments, available_codes=AVAILABLE, grace_seconds=60))):
        t0 = time.perf_counter()
        out = fn()
        timings[name] = (time.perf_counter() - t0, len(out))
    print(f"{args.agents} agents, {len(sched):,} scheduled activities, {len(events):,} events "
          f"({len(merged):,}-row merge baseline: {t_base:.3f} s)")
    print(f"timeline build: {t_timeline:.3f} s ({len(segments):,} segments)")
    for name, (sec, rows) in timings.items():
        print(f"{name:42s} {sec:6.3f} s  ({rows:,} rows)  ratio to baseline {sec / t_base:5.1f}")


if __name__ == "__main__":
    main()
