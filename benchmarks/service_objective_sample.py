"""The pipeline's two schedule objectives on the seeded sample (7 days, lyon_voice and
montreal_voice): paid hours, predicted service level (on offered, agents on contacts =
⌊scheduled × (1 − shrinkage)⌋) and the worst interval, cover vs service objective.

    .venv/bin/python benchmarks/service_objective_sample.py
"""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

from wfm.pipeline import run_pipeline
from wfm.sample import generate, import_sample, sample_config
from wfm.storage import connect
from wfm.storage import repository as repo

QUEUES = ["lyon_voice", "montreal_voice"]


def main() -> None:
    folder = Path(tempfile.mkdtemp())
    generate(folder)
    cfg = sample_config()
    print(f"{'objective':9} {'queue':15} {'paid h':>7} {'pred. SL':>8} {'worst':>6} {'status':>9} {'run s':>6}")
    for objective in ("cover", "service"):
        c = cfg.model_copy(update={"scheduling": cfg.scheduling.model_copy(update={"objective": objective})})
        engine = connect(f"sqlite:///{folder}/{objective}.sqlite")
        assert all(r.ok for r in import_sample(engine, c, folder))
        t0 = time.perf_counter()
        res = run_pipeline(engine, c, workers=1, progress=False, queue_ids=QUEUES)
        secs = time.perf_counter() - t0
        with engine.connect() as conn:
            stages = repo.read_stages(conn, res.run_id)
        for r in stages[stages["stage"] == "schedule"].to_dict("records"):
            s = r["detail"]["summary"]
            print(f"{objective:9} {r['queue_id']:15} {s['scheduled_paid_hours']:7.0f} {s['scheduled_sl']:8.3f} "
                  f"{s['scheduled_worst_sl']:6.3f} {r['detail']['status']:>9} {secs:6.0f}")


if __name__ == "__main__":
    main()
