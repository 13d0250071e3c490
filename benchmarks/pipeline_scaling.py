"""Overnight batch scaling: a generated centre of N queues, end to end, on 1 and 2 workers.

Each queue: 8 weeks of 15-minute history (voice, open 08:00–20:00 Mon–Sat, its own volume
level and intraday shape), a 1-week horizon; the run forecasts, computes requirements,
designs shifts with breaks (CP-SAT, the configured deterministic budget) and stores
everything in SQLite. The centre has no rostered agents, so the central roster step only
marks the designed shifts open: what scales here is the per-queue work.

    .venv/bin/python benchmarks/pipeline_scaling.py --queues 10 50 200 --workers 1 2

Prints a table (wall time, per-queue time, speed-up of 2 workers over 1 measured in the
same run) and the projection for 2,000 queues on N workers from the measured per-queue
cost; results go to ``wfm-data/scaling/results.json``.
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from wfm.config import parse_config
from wfm.grid import intervals, open_mask
from wfm.pipeline import run_pipeline
from wfm.storage import connect
from wfm.storage import repository as repo
from wfm.storage import tables as t

OUT = Path("wfm-data") / "scaling"
END = date(2026, 11, 30)  # a Monday: the planned week starts here
TZ = "Europe/Paris"


def centre_toml(n_queues: int, deterministic_time: float) -> str:
    queues = "".join(f'''
[[queues]]
id = "q{i:04d}"
site = "paris"
channel = "voice"
interval_minutes = 15
patience_seconds = 180
shrinkage = 0.30
open_hours = {{ default = "08:00-20:00", sun = "closed" }}
  [queues.targets]
  service_level = 0.80
  service_level_threshold_seconds = 20
  max_abandon_rate = 0.05
''' for i in range(n_queues))
    return f'''[centre]
name = "Generated centre ({n_queues} queues)"

[[sites]]
id = "paris"
timezone = "{TZ}"
holiday_calendar = "FR"
{queues}
[scheduling]
shift_lengths_minutes = [240, 360, 480]
deterministic_time = {deterministic_time}

[pipeline]
horizon_days = 7
history_weeks = 8
'''


def history(qid: str, rng: np.random.Generator, weeks: int = 8) -> pd.DataFrame:
    """15-minute interval actuals of one queue: volume level and peaks drawn per queue."""
    idx = intervals(END - timedelta(weeks=weeks), END, TZ, 15)
    is_open = open_mask(idx, {"default": "08:00-20:00", "sun": "closed"}, 15)
    daily = rng.uniform(300, 3000)
    p1, p2 = rng.uniform(9.5, 11.5), rng.uniform(13.5, 17)
    hours = np.asarray(idx.hour + idx.minute / 60 + 1 / 8)
    shape = np.exp(-0.5 * ((hours - p1) / 1.5) ** 2) + rng.uniform(0.5, 1) * np.exp(-0.5 * ((hours - p2) / 2) ** 2)
    shape = np.where(is_open, shape + 0.1, 0)
    weekday = np.asarray([1.2, 1.05, 1, 1, 0.95, 0.5, 0])[idx.day_of_week]
    lam = daily * weekday * shape / shape[:96].sum() * rng.normal(1, 0.03, len(idx)).clip(0.8)
    offered = rng.poisson(lam).astype(float)
    abandoned = rng.binomial(offered.astype(int), 0.03).astype(float)
    answered = offered - abandoned
    aht = rng.uniform(240, 420)
    keep = is_open
    return pd.DataFrame({
        "queue_id": qid, "interval_start": idx.tz_convert("UTC"), "interval_minutes": 15, "offered": offered,
        "answered": answered, "abandoned": abandoned, "answered_within_threshold": np.floor(answered * 0.8),
        "handle_seconds": np.round(answered * aht * rng.gamma(50, 1 / 50, len(idx))),
        "wait_seconds": np.round(answered * 15.0), "abandon_wait_seconds": np.round(abandoned * 60.0),
        "shrinkage": 0.3})[keep]


def build(n_queues: int, deterministic_time: float, seed: int = 7):
    """The centre's configuration and a SQLite file holding its history (made once, reused)."""
    cfg = parse_config(__import__("tomllib").loads(centre_toml(n_queues, deterministic_time)))
    path = OUT / f"centre-{n_queues}.sqlite"
    fresh = not path.exists()
    engine = connect(f"sqlite:///{path}")
    if fresh:
        rng = np.random.default_rng(seed)
        t0 = time.perf_counter()
        with engine.begin() as conn:
            repo.sync_config(conn, cfg)
            for q in cfg.queues:
                repo.upsert(conn, t.interval_actuals, history(q.id, rng))
        print(f"  generated {n_queues} queues of history in {time.perf_counter() - t0:.1f} s")
    return cfg, engine


def measure(n_queues: int, workers: int, executor: str, deterministic_time: float) -> dict:
    cfg, engine = build(n_queues, deterministic_time)
    t0 = time.perf_counter()
    result = run_pipeline(engine, cfg, start=END, workers=workers, executor=executor, progress=False)
    wall = time.perf_counter() - t0
    with engine.connect() as conn:
        stages = repo.read_stages(conn, result.run_id)
    per_stage = stages.groupby("stage")["seconds"].sum().to_dict()
    engine.dispose()
    return {"queues": n_queues, "workers": workers, "executor": executor, "wall_seconds": wall,
            "status": result.status, "failures": len(result.failures),
            "task_seconds": float(stages.loc[stages["stage"] != "roster", "seconds"].sum()),
            "roster_seconds": float(per_stage.get("roster", 0.0)),
            "stage_seconds": {k: float(v) for k, v in per_stage.items()}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--queues", type=int, nargs="+", default=[10, 50, 200])
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--executor", default="processes", choices=["processes", "dask"])
    ap.add_argument("--deterministic-time", type=float, default=3.0, help="CP-SAT budget per queue")
    ap.add_argument("--max-single-worker-queues", type=int, default=50,
                    help="above this size only the largest worker count runs (the 1-worker time is projected)")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    rows = []
    for n in args.queues:
        for w in args.workers:
            if w < max(args.workers) and n > args.max_single_worker_queues:
                continue
            kind = "inline" if w == 1 else args.executor
            r = measure(n, w, kind, args.deterministic_time)
            rows.append(r)
            print(f"{n:>5} queues  {w} worker(s) [{kind:<9}]  wall {r['wall_seconds']:7.1f} s  "
                  f"{r['wall_seconds'] / n:5.2f} s/queue  task CPU {r['task_seconds'] / n:5.2f} s/queue  "
                  f"roster {r['roster_seconds']:5.1f} s  {r['status']}", flush=True)
    by = {(r["queues"], r["workers"]): r for r in rows}
    print("\nspeed-up of 2 workers over 1:")
    for n in args.queues:
        if (n, 1) in by and (n, 2) in by:
            s = by[(n, 1)]["wall_seconds"] / by[(n, 2)]["wall_seconds"]
            print(f"  {n:>5} queues: {s:.2f}x (efficiency {s / 2:.0%})")
    # projection: per-queue task seconds spread over N workers with the measured 2-worker efficiency,
    # plus the central (serial) roster step scaled by queue count
    largest = max(r["queues"] for r in rows)
    ref = max((r for r in rows if r["queues"] == largest), key=lambda r: r["workers"])
    per_queue = ref["task_seconds"] / ref["queues"]
    serial = ref["roster_seconds"] / ref["queues"]
    effs = [by[(n, 1)]["wall_seconds"] / by[(n, 2)]["wall_seconds"] / 2 for n in args.queues
            if (n, 1) in by and (n, 2) in by]
    eff = min(effs) if effs else 1.0
    print(f"\nprojection for 2,000 queues (task {per_queue:.2f} s/queue, serial roster {serial:.3f} s/queue, "
          f"parallel efficiency {eff:.0%}):")
    proj = []
    for n_workers in (1, 2, 8, 32, 128):
        seconds = 2000 * per_queue / (n_workers * (eff if n_workers > 1 else 1.0)) + 2000 * serial
        proj.append({"workers": n_workers, "minutes": seconds / 60})
        print(f"  {n_workers:>4} workers: {seconds / 60:7.1f} min")
    (OUT / "results.json").write_text(json.dumps({"runs": rows, "projection": proj}, indent=2))


if __name__ == "__main__":
    main()
