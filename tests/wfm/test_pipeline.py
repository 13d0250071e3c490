"""A full overnight run on the sample centre, checked against independent recounts."""

import tomllib

import numpy as np
import pandas as pd
import pytest
from distributed import WorkerPlugin

from realtime import fte_per_interval
from wfm.config import parse_config
from wfm.grid import intervals, open_mask
from wfm.pipeline import run_pipeline
from wfm.sample import SAMPLE_TOML, import_sample
from wfm.storage import repository as repo
from wfm.storage import tables as t


def _load_sample(engine, cfg, sample_dir):
    assert all(r.ok for r in import_sample(engine, cfg, sample_dir))


def test_full_pipeline_on_the_sample_centre(engine, sample_config, sample_dir):
    cfg = sample_config
    _load_sample(engine, cfg, sample_dir)
    result = run_pipeline(engine, cfg, workers=1, progress=False)
    assert result.status == "succeeded", result.failures
    with engine.connect() as conn:
        run = repo.read_run(conn, result.run_id)
        start = pd.Timestamp(run["parameters"]["start"])
        stages = repo.read_stages(conn, result.run_id)
        assert set(stages["status"]) == {"succeeded"} and len(stages) == 5 * len(cfg.queues)
        for q in cfg.queues:
            tz = cfg.queue_timezone(q.id)
            grid = intervals(start.date(), (start + pd.Timedelta(days=7)).date(), tz, q.interval_minutes)
            fc = repo.read_run_frame(conn, t.forecasts, result.run_id, q.id, kind="forecast")
            req = repo.read_run_frame(conn, t.requirements, result.run_id, q.id)
            assert list(fc["interval_start"]) == list(grid.tz_convert("UTC"))   # exactly the horizon grid
            assert len(req) == len(grid)
            assert (req["agents_gross"] >= req["agents_net"]).all()
            expected_gross = np.ceil(req["agents_net"] / (1 - req["shrinkage"]) - 1e-9)
            np.testing.assert_array_equal(req["agents_gross"], expected_gross)
            closed = ~open_mask(grid, q.open_hours, q.interval_minutes)
            assert (req.loc[closed, "agents_net"] == 0).all()
            shifts, acts = repo.read_shifts(conn, result.run_id, q.id)
            work = acts[acts["activity"] == "on_contact"]
            cover = fte_per_interval(work["start"], work["end"], grid, q.interval_minutes)
            gross = req["agents_gross"].to_numpy()
            # CP-SAT trades a little shortfall (weight 3) against surplus (weight 1): nearly all
            # of the requirement is covered, and the summary counts the intervals left short
            assert np.maximum(gross - cover, 0).sum() <= 0.03 * gross.sum()
            assert result.summary[q.id]["intervals_short"] == int((cover + 1e-9 < gross).sum())
            assert (cover[closed] == 0).all()                                     # nobody when closed
            s = result.summary[q.id]
            assert s["required_gross_hours"] == pytest.approx(req["agents_gross"].sum() * q.interval_minutes / 60)
            assert s["scheduled_paid_hours"] == pytest.approx(shifts["paid_seconds"].sum() / 3600)
            assert s["open_shifts"] == int(shifts["agent_id"].isna().sum())
            real = repo.read_run_frame(conn, t.realisation, result.run_id, q.id)
            assert len(real) > 0
            scored = real["required_fte"] > 0
            w = (real.loc[scored, "required_fte"] * real.loc[scored, "realisation"]).sum() / real.loc[scored, "required_fte"].sum()
            assert s["realisation"] == pytest.approx(w)
            assert s["grid"].endswith(tz)
    assert run["status"] == "succeeded" and run["summary"]["lyon_voice"]["backtest_wape"] < 0.5


def test_one_failing_queue_does_not_lose_the_others(engine, sample_dir):
    text = SAMPLE_TOML + '\n[[queues]]\nid = "empty"\nsite = "lyon"\nchannel = "voice"\n' \
                         '  [queues.targets]\n  service_level = 0.8\n  service_level_threshold_seconds = 20\n'
    cfg = parse_config(tomllib.loads(text))
    _load_sample(engine, cfg, sample_dir)
    result = run_pipeline(engine, cfg, workers=1, progress=False, queue_ids=["lyon_voice", "empty"])
    assert result.status == "partial"
    assert "no interval actuals" in result.failures["empty"]
    with engine.connect() as conn:
        stages = repo.read_stages(conn, result.run_id)
        assert repo.read_run(conn, result.run_id)["status"] == "partial"
        assert len(repo.read_run_frame(conn, t.requirements, result.run_id, "lyon_voice")) > 0
    failed = stages[stages["queue_id"] == "empty"].set_index("stage")["status"].to_dict()
    assert failed == {"forecast": "failed", "requirements": "skipped", "schedule": "skipped", "metrics": "skipped",
                      "roster": "skipped"}


def test_pipeline_stores_daily_adherence_against_the_stored_schedule(tmp_path, sample_config, sample_dir):
    from sqlalchemy import select

    from wfm.storage import connect

    engine = connect(f"sqlite:///{tmp_path / 'a.sqlite'}")
    _load_sample(engine, sample_config, sample_dir)
    result = run_pipeline(engine, sample_config, workers=1, progress=False, queue_ids=["lyon_voice"])
    with engine.connect() as conn:
        rows = conn.execute(select(t.adherence_daily).where(t.adherence_daily.c.run_id == result.run_id)).mappings().all()
    df = pd.DataFrame(rows)
    assert len(df) > 100 and df["adherence"].between(0, 1).all()
    assert set(df["day"]) == {"2026-11-26", "2026-11-27", "2026-11-28"}      # the three event days
    voice = df[df["queue_id"] == "lyon_voice"]
    expected = voice["in_adherence_seconds"].sum() / voice["scheduled_seconds"].sum()
    assert result.summary["lyon_voice"]["adherence"] == pytest.approx(expected)
    assert df["schedule_run_id"].nunique() == 1 and df["schedule_run_id"].iloc[0] != result.run_id


def test_forecast_accuracy_of_a_stored_forecast_and_the_desk_from_storage(tmp_path, sample_config, sample_dir):
    from datetime import date

    from wfm.period_metrics import accuracy_report, desk_from_store
    from wfm.storage import connect

    engine = connect(f"sqlite:///{tmp_path / 'f.sqlite'}")
    _load_sample(engine, sample_config, sample_dir)
    # plan the last history week as if it were the future, then measure that forecast
    run_pipeline(engine, sample_config, workers=1, progress=False, start=date(2026, 11, 23),
                 queue_ids=["lyon_voice", "montreal_voice"])
    acc = accuracy_report(engine, sample_config, date(2026, 11, 23), date(2026, 11, 28)).set_index("queue_id")
    assert set(acc.index) == {"lyon_voice", "montreal_voice"}
    for q in acc.index:
        assert 0 < acc.loc[q, "volume_wape"] < 0.5
        assert 0 <= acc.loc[q, "schedule_forecast_accuracy"] <= 1
        assert 0 <= acc.loc[q, "staff_forecast_deviation"] < 1
    now = pd.Timestamp("2026-11-27 10:00", tz="Europe/Paris")
    desk = desk_from_store(engine, sample_config, date(2026, 11, 27), until=now)
    poll = desk.poll(now, "lyon_voice")
    assert poll["staffed"] > 0 and poll["required"] is not None and poll["offered"] > 0


# -- executors, resume, killed workers -------------------------------------------------------

SMALL = dict(queue_ids=["lyon_voice", "lyon_chat"], horizon_days=2)


def _stored(engine, run_id):
    """Everything a run stored, without its run id or database-assigned ids."""
    from sqlalchemy import func, select

    out = {}
    with engine.connect() as conn:
        for table in (t.forecasts, t.requirements, t.realisation):
            out[table.name] = repo.read_run_frame(conn, table, run_id).drop(columns="run_id")
            n = conn.execute(select(func.count()).select_from(table).where(table.c.run_id == run_id)).scalar()
            assert n == len(out[table.name])
        shifts, acts = repo.read_shifts(conn, run_id)
        shifts = shifts.sort_values(["queue_id", "id"])
        rank = {sid: (q, i) for i, (sid, q) in enumerate(zip(shifts["id"], shifts["queue_id"]))}
        out["shifts"] = shifts.drop(columns=["id", "run_id"]).reset_index(drop=True)
        acts["shift"] = acts["shift_id"].map(rank)
        out["activities"] = acts.drop(columns="shift_id").sort_values(["shift", "start"]).reset_index(drop=True)
    return out


def _assert_same(a, b):
    assert a.keys() == b.keys()
    for name in a:
        assert len(a[name]) > 0, name
        pd.testing.assert_frame_equal(a[name], b[name], obj=name)


@pytest.fixture(scope="module")
def small_centre(tmp_path_factory, sample_config, sample_dir):
    """A SQLite file with the sample loaded, and the in-process run of two queues over two days."""
    from wfm.storage import connect

    path = tmp_path_factory.mktemp("small") / "c.sqlite"
    engine = connect(f"sqlite:///{path}")
    _load_sample(engine, sample_config, sample_dir)
    inline = run_pipeline(engine, sample_config, workers=1, progress=False, **SMALL)
    assert inline.status == "succeeded", inline.failures
    return engine, inline.run_id


def test_local_processes_store_what_the_in_process_run_stores(small_centre, sample_config):
    engine, reference = small_centre
    said = []
    result = run_pipeline(engine, sample_config, workers=2, executor="processes", progress=False,
                          on_progress=lambda run_id, done, what: said.append((done, what)), **SMALL)
    assert result.status == "succeeded" and set(result.computed) == {"lyon_voice", "lyon_chat"}
    # every queue's task reports its own stages done (none failed and was mended later)
    assert sorted(w.split(" (")[0] for _, w in said if w.startswith("queue")) == [
        "queue lyon_chat planned", "queue lyon_voice planned"]
    assert [d for d, _ in said] == sorted(d for d, _ in said) and said[-1] == (0.9, "giving shifts to agents")
    _assert_same(_stored(engine, reference), _stored(engine, result.run_id))


def test_an_interrupted_run_resumes_without_redoing_finished_queues(small_centre, sample_config, monkeypatch):
    import wfm.pipeline as pipeline

    engine, reference = small_centre
    real_schedule = pipeline.schedule_queue

    def interrupted(plan, req):
        if plan.queue.id == "lyon_chat":
            raise KeyboardInterrupt  # the operator (or the machine) stops the run mid-queue
        return real_schedule(plan, req)

    monkeypatch.setattr(pipeline, "schedule_queue", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run_pipeline(engine, sample_config, workers=1, progress=False, **SMALL)
    with engine.connect() as conn:
        run = repo.read_runs(conn, 1).iloc[0]
        stages = repo.read_stages(conn, run["id"])
    assert run["status"] == "interrupted" and f"--resume {run['id']}" in run["error"]
    done = stages[stages["status"] == "succeeded"].groupby("queue_id")["stage"].apply(set).to_dict()
    assert done == {"lyon_voice": {"forecast", "requirements", "schedule", "metrics"},
                    "lyon_chat": {"forecast", "requirements"}}   # the half-done stage left nothing behind

    monkeypatch.setattr(pipeline, "schedule_queue", real_schedule)
    resumed = run_pipeline(engine, sample_config, workers=1, progress=False, resume=run["id"])
    assert resumed.run_id == run["id"] and resumed.status == "succeeded"
    assert resumed.computed == {"lyon_chat": ["schedule", "metrics", "roster"], "lyon_voice": ["roster"]}
    _assert_same(_stored(engine, reference), _stored(engine, run["id"]))   # no duplicate, nothing missing
    again = run_pipeline(engine, sample_config, workers=1, progress=False, resume=run["id"])
    assert again.computed == {} and again.status == "succeeded"
    _assert_same(_stored(engine, reference), _stored(engine, run["id"]))


def test_resume_refuses_an_unknown_run_or_a_changed_configuration(small_centre, sample_config):
    engine, reference = small_centre
    with pytest.raises(ValueError, match="not found"):
        run_pipeline(engine, sample_config, progress=False, resume="nope")
    changed = sample_config.model_copy(update={"scheduling": sample_config.scheduling.model_copy(
        update={"under_weight": 5.0})})
    with pytest.raises(ValueError, match="configuration changed"):
        run_pipeline(engine, changed, progress=False, resume=reference)


class KillOnce(WorkerPlugin):
    """Dask worker plugin: the first time a task of ``queue`` starts, its worker process dies."""

    name = "kill-once"

    def __init__(self, marker: str, queue: str):
        self.marker, self.queue = marker, queue

    def transition(self, key, start, finish, **kwargs):
        import os
        from pathlib import Path

        if finish == "executing" and self.queue in str(key) and not Path(self.marker).exists():
            Path(self.marker).touch()
            os._exit(1)


@pytest.fixture
def dask_scheduler(tmp_path):
    """A real Dask scheduler and two single-threaded worker processes on loopback."""
    import subprocess
    import sys
    import time

    from distributed import Client

    from wfm.executors import THREAD_LIMITS

    info = tmp_path / "scheduler.json"
    env = dict(__import__("os").environ, **THREAD_LIMITS)
    logs = open(tmp_path / "dask.log", "w")
    procs = [subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
                               "--port", "0", "--no-dashboard", "--scheduler-file", str(info)],
                              stdout=logs, stderr=logs, env=env)]
    try:
        deadline = time.monotonic() + 60
        while not info.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        procs.append(subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", "--scheduler-file",
                                       str(info), "--nworkers", "2", "--nthreads", "1", "--no-dashboard"],
                                      stdout=logs, stderr=logs, env=env))
        client = Client(scheduler_file=str(info), timeout="60s")
        client.wait_for_workers(2, timeout=60)
        yield client
        client.close()
    finally:
        for p in reversed(procs):
            p.terminate()
            p.wait(timeout=30)
        logs.close()


def test_a_dask_cluster_with_a_killed_worker_stores_what_the_in_process_run_stores(
        small_centre, sample_config, dask_scheduler, tmp_path):
    engine, reference = small_centre
    marker = tmp_path / "killed"
    cloudpickle = pytest.importorskip("cloudpickle")
    cloudpickle.register_pickle_by_value(__import__("sys").modules[__name__])
    dask_scheduler.register_plugin(KillOnce(str(marker), "lyon_chat"))
    result = run_pipeline(engine, sample_config, scheduler=dask_scheduler.scheduler.address, progress=False, **SMALL)
    assert marker.exists()                                   # a worker really died mid-run...
    assert result.status == "succeeded", result.failures     # ...and its queue was run again elsewhere
    assert set(result.computed) == {"lyon_voice", "lyon_chat"}
    _assert_same(_stored(engine, reference), _stored(engine, result.run_id))
