"""Import throughput: one year of 15-minute interval actuals for 50 queues into SQLite.

Writes 50 CSV files (one per queue, 35,040 rows each: 1,752,000 rows), imports them with
``wfm.importers.import_file`` (full validation, one transaction per file, upsert) into a
fresh SQLite file, and compares with a baseline measured in the same run: the same rows
inserted by plain ``sqlite3.executemany`` into an equivalent table without validation.

    .venv/bin/python benchmarks/import_throughput.py [--queues 50] [--days 365]
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import time
import tomllib
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from wfm.config import parse_config
from wfm.grid import intervals
from wfm.importers import import_file
from wfm.storage import connect


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--queues", type=int, default=50)
    ap.add_argument("--days", type=int, default=365)
    args = ap.parse_args()
    tz = "Europe/Paris"
    queues = "".join(
        f'[[queues]]\nid = "q{i:03d}"\nsite = "s"\nchannel = "voice"\ninterval_minutes = 15\n' for i in range(args.queues))
    cfg = parse_config(tomllib.loads(f'[[sites]]\nid = "s"\ntimezone = "{tz}"\n' + queues))
    idx = intervals(date(2025, 1, 1), date(2025, 1, 1) + timedelta(days=args.days), tz, 15)
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        files = []
        stamps = [t.isoformat() for t in idx]
        for i in range(args.queues):
            offered = rng.poisson(40, len(idx))
            answered = rng.binomial(offered, 0.95)
            df = pd.DataFrame({"queue_id": f"q{i:03d}", "interval_start": stamps, "offered": offered,
                               "answered": answered, "abandoned": offered - answered,
                               "answered_within_threshold": rng.binomial(answered, 0.8),
                               "handle_seconds": answered * 300, "wait_seconds": answered * 10})
            files.append(tmp / f"q{i:03d}.csv")
            df.to_csv(files[-1], index=False)
        rows = len(idx) * args.queues

        # baseline: raw sqlite3 executemany of the same rows, no validation
        base = sqlite3.connect(tmp / "baseline.sqlite")
        base.execute("PRAGMA journal_mode=WAL")
        base.execute("CREATE TABLE a (queue_id TEXT, interval_start TEXT, offered REAL, answered REAL, abandoned REAL,"
                     " awt REAL, handle REAL, wait REAL, PRIMARY KEY (queue_id, interval_start))")
        t0 = time.perf_counter()
        for f in files:
            df = pd.read_csv(f)
            with base:
                base.executemany("INSERT OR REPLACE INTO a VALUES (?,?,?,?,?,?,?,?)", df.itertuples(index=False))
        t_base = time.perf_counter() - t0

        engine = connect(f"sqlite:///{tmp / 'wfm.sqlite'}")
        t0 = time.perf_counter()
        for f in files:
            rep = import_file(engine, "actuals", f, cfg)
            assert rep.ok, rep.summary()
        t_wfm = time.perf_counter() - t0

    print(f"rows: {rows:,} ({args.queues} queues x {len(idx):,} 15-min intervals)")
    print(f"baseline sqlite3.executemany (no validation): {t_base:.1f} s, {rows / t_base:,.0f} rows/s")
    print(f"wfm import (validated, upsert, all-or-nothing per file): {t_wfm:.1f} s, {rows / t_wfm:,.0f} rows/s")
    print(f"ratio wfm / baseline time: {t_wfm / t_base:.2f}")


if __name__ == "__main__":
    main()
