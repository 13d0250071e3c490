"""Background jobs: 202 at once, progress in the database, survive a restart, one failure blocks nothing."""

import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from api import create_app
from api.security import create_key
from wfm.sample import import_sample
from wfm.storage import connect
from wfm.storage import repository as repo
from wfm.storage import tables as t

ONE_DAY = {"queue_ids": ["lyon_voice"], "horizon_days": 1, "workers": 1}


@pytest.fixture
def centre(tmp_path, sample_config, sample_dir):
    url = f"sqlite:///{tmp_path / 'jobs.sqlite'}"
    engine = connect(url)
    assert all(r.ok for r in import_sample(engine, sample_config, sample_dir, kinds=("roster", "actuals")))
    with engine.begin() as conn:
        _, key = create_key(conn, "planner", "planner")
    return url, engine, {"X-API-Key": key}


def _wait(client, job_id, headers, timeout=180):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/api/v1/jobs/{job_id}", headers=headers).json()
        if job["status"] not in ("queued", "running"):
            return job
        time.sleep(0.3)
    raise AssertionError(f"job {job_id} still {job['status']} after {timeout} s: {job}")


def test_a_job_queued_before_a_restart_runs_after_it_and_a_failing_job_blocks_nothing(centre, sample_config):
    url, engine, h = centre
    # server 1 accepts the jobs but dies before running them
    first = TestClient(create_app(url, config=sample_config, run_jobs=False))
    bad = first.post("/api/v1/jobs/pipeline", json={**ONE_DAY, "queue_ids": ["lyon_chat"], "start": "1990-01-01"},
                     headers=h)
    good = first.post("/api/v1/jobs/pipeline", json=ONE_DAY, headers=h)
    assert bad.status_code == 202 and good.status_code == 202
    twice = first.post("/api/v1/jobs/pipeline", json={"horizon_days": 1}, headers=h)   # all queues: overlaps both
    assert twice.status_code == 409 and good.json()["id"] in twice.json()["detail"]   # names the newest conflict
    assert first.get(good.json()["url"], headers=h).json()["status"] == "queued"
    # server 2 picks them up, oldest first
    with TestClient(create_app(url, config=sample_config)) as second:
        failed = _wait(second, bad.json()["id"], h)
        done = _wait(second, good.json()["id"], h)
    assert failed["status"] == "failed" and "no interval actuals" in failed["error"]
    assert done["status"] == "succeeded" and done["progress"] == 1.0 and done["run_id"]
    with engine.connect() as conn:
        run = repo.read_run(conn, done["run_id"])
    assert run["status"] == "succeeded" and run["parameters"]["queues"] == ["lyon_voice"]


def test_a_job_left_running_by_a_dead_server_is_resumed(centre, sample_config):
    url, engine, h = centre
    first = TestClient(create_app(url, config=sample_config, run_jobs=False))
    job_id = first.post("/api/v1/jobs/pipeline", json=ONE_DAY, headers=h).json()["id"]
    with engine.begin() as conn:  # the dead server had marked it running
        conn.execute(update(t.jobs).where(t.jobs.c.id == job_id).values(status="running", progress=0.3))
    with TestClient(create_app(url, config=sample_config)) as second:
        done = _wait(second, job_id, h)
    assert done["status"] == "succeeded" and done["progress"] == 1.0


def test_job_requests_are_checked_before_queueing(centre, sample_config):
    url, engine, h = centre
    client = TestClient(create_app(url, config=sample_config, run_jobs=False))
    r = client.post("/api/v1/jobs/pipeline", json={"queue_ids": ["nope"]}, headers=h)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "queue_ids"] and "nope" in r.text
    r = client.post("/api/v1/jobs/pipeline", json={"start": "30/11/2026"}, headers=h)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "start"]
    assert client.get("/api/v1/jobs", headers=h).json() == []                       # nothing was queued
    no_config = TestClient(create_app(url, run_jobs=False))
    if "WFM_CONFIG" not in __import__("os").environ:
        assert no_config.post("/api/v1/jobs/pipeline", json={}, headers=h).status_code == 409
