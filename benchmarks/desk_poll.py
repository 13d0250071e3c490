"""The desk's poll for 5,000 agents with a day of events: latency of one poll and of
ingesting a batch of new events, incrementally (no recomputation per poll).

Same synthetic day as adherence_scale.py (schedules and ~140,000 events). The events are
fed in one-minute batches through ``Desk.ingest``; after each simulated quarter-hour the
poll is timed for one queue and for the whole centre. Baseline in the same run: a full
recomputation of the current state from all events so far (a pandas groupby-last), which
is what a non-incremental poll would have to do.

    .venv/bin/python benchmarks/desk_poll.py [--agents 5000]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from adherence_scale import AVAILABLE, build  # noqa: E402

from realtime.desk import Desk  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--agents", type=int, default=5000)
    args = ap.parse_args()
    sched, events, day = build(args.agents)
    queues = np.array(["q1", "q2", "q3", "q4"])
    sched["queue_id"] = queues[sched["agent_id"].str[1:].astype(int) % 4]
    grid = pd.date_range(day, periods=96, freq="15min")
    req = pd.DataFrame([(q, t, 15, 300.0) for q in queues for t in grid],
                       columns=["queue_id", "interval_start", "interval_minutes", "agents_net"])
    t0 = time.perf_counter()
    desk = Desk(sched, available_codes=AVAILABLE, requirements=req)
    t_init = time.perf_counter() - t0
    events = events.sort_values("timestamp").reset_index(drop=True)
    minute = events["timestamp"].dt.floor("1min")
    polls_q, polls_all, ingests, base = [], [], [], []
    for m, batch in events.groupby(minute):
        t0 = time.perf_counter()
        desk.ingest(batch)
        ingests.append(time.perf_counter() - t0)
        if m.minute % 15 == 0:
            now = m + pd.Timedelta(seconds=59)
            t0 = time.perf_counter()
            desk.poll(now, "q1")
            polls_q.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            desk.poll(now)
            polls_all.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            events[events["timestamp"] <= now].groupby("agent_id").last()
            base.append(time.perf_counter() - t0)

    def ms(xs, q):
        return 1000 * float(np.quantile(xs, q))

    print(f"{args.agents} agents, {len(sched):,} scheduled activities, {len(events):,} events, "
          f"{len(ingests)} one-minute batches; desk set-up {t_init * 1000:.0f} ms")
    print(f"ingest one batch: p50 {ms(ingests, .5):.2f} ms, p99 {ms(ingests, .99):.2f} ms")
    print(f"poll one queue:   p50 {ms(polls_q, .5):.2f} ms, p99 {ms(polls_q, .99):.2f} ms ({len(polls_q)} polls)")
    print(f"poll all queues:  p50 {ms(polls_all, .5):.2f} ms, p99 {ms(polls_all, .99):.2f} ms")
    print(f"baseline full recompute of current states: p50 {ms(base, .5):.2f} ms "
          f"(poll one queue is {np.median(base) / np.median(polls_q):.0f}x faster)")


if __name__ == "__main__":
    main()
