"""Background jobs: long work (planning a site) queued in the database and run by the server.

A job is a row of ``jobs`` (queued → running → succeeded | partial | failed) with its
parameters, progress (0–1, with a message) and the pipeline run it made. One thread of
the server runs queued jobs oldest first; a job that fails is recorded and the next one
runs. Jobs survive a restart: at start-up, jobs left ``running`` by a server that died go
back to the queue and their pipeline run is resumed (``run_pipeline(resume=…)``), so
finished queues are not planned again.
"""

from __future__ import annotations

import threading
import traceback
import uuid
from datetime import date
from typing import Any, Callable

from sqlalchemy import Engine, select, update

from wfm.config import CentreConfig
from wfm.storage import repository as repo
from wfm.storage import tables as t

KINDS = ("pipeline",)


def submit(engine: Engine, kind: str, parameters: dict[str, Any], created_by: str | None = None) -> str:
    """Queue a job; returns its id."""
    if kind not in KINDS:
        raise ValueError(f"job kind {kind!r}: expected one of {KINDS}")
    job_id = repo.now_utc().strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
    with engine.begin() as conn:
        conn.execute(t.jobs.insert().values(id=job_id, kind=kind, status="queued", parameters=parameters,
                                            progress=0.0, message="queued", created_by=created_by,
                                            created_at=repo.now_utc()))
    return job_id


def read_job(engine: Engine, job_id: str) -> dict[str, Any] | None:
    with engine.connect() as conn:
        row = conn.execute(select(t.jobs).where(t.jobs.c.id == job_id)).mappings().first()
    return dict(row) if row else None


def read_jobs(engine: Engine, limit: int = 50) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(select(t.jobs).order_by(t.jobs.c.created_at.desc()).limit(limit)).mappings().all()
    return [dict(r) for r in rows]


def _set(engine: Engine, job_id: str, **values: Any) -> None:
    with engine.begin() as conn:
        conn.execute(update(t.jobs).where(t.jobs.c.id == job_id).values(**values))


def recover(engine: Engine) -> list[str]:
    """Put jobs a dead server left ``running`` back in the queue (their run will be resumed)."""
    with engine.begin() as conn:
        ids = conn.execute(select(t.jobs.c.id).where(t.jobs.c.status == "running")).scalars().all()
        for job_id in ids:
            conn.execute(update(t.jobs).where(t.jobs.c.id == job_id).values(
                status="queued", message="server restarted: the job's run will be resumed"))
    return list(ids)


def run_job(engine: Engine, config: CentreConfig, job: dict[str, Any]) -> None:
    """Run one job to its end, recording progress, outcome or error (never raises)."""
    from wfm.pipeline import run_pipeline

    job_id, params = job["id"], job["parameters"] or {}
    _set(engine, job_id, status="running", started_at=repo.now_utc(), error=None)

    def progress(run_id: str, done: float, what: str) -> None:
        _set(engine, job_id, run_id=run_id, progress=round(float(done), 4), message=what)

    try:
        result = run_pipeline(engine, config, start=date.fromisoformat(params["start"]) if params.get("start") else None,
                              horizon_days=params.get("horizon_days"), queue_ids=params.get("queue_ids"),
                              workers=params.get("workers"), resume=job.get("run_id"), progress=False,
                              on_progress=progress)
        _set(engine, job_id, status=result.status, progress=1.0, finished_at=repo.now_utc(), run_id=result.run_id,
             message=f"run {result.run_id} {result.status}",
             error="; ".join(f"{q}: {m}" for q, m in result.failures.items()) or None)
    except Exception as exc:  # noqa: BLE001 - one failing job must not stop the next
        _set(engine, job_id, status="failed", finished_at=repo.now_utc(), message=f"{type(exc).__name__}: {exc}",
             error="".join(traceback.format_exception(exc))[-4000:])


class JobRunner:
    """The server's job thread: runs queued jobs one after the other until stopped."""

    def __init__(self, engine: Engine, config_of: Callable[[], CentreConfig], poll_seconds: float = 1.0):
        self.engine, self.config_of, self.poll_seconds = engine, config_of, poll_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        recover(self.engine)
        self._thread = threading.Thread(target=self._loop, name="wfm-jobs", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def run_pending(self) -> int:
        """Run every queued job now (oldest first); returns how many ran."""
        n = 0
        while not self._stop.is_set():
            with self.engine.connect() as conn:
                job = conn.execute(select(t.jobs).where(t.jobs.c.status == "queued")
                                   .order_by(t.jobs.c.created_at, t.jobs.c.id).limit(1)).mappings().first()
            if job is None:
                return n
            try:
                config = self.config_of()
            except Exception as exc:  # noqa: BLE001 - e.g. the configuration file became invalid
                _set(self.engine, job["id"], status="failed", finished_at=repo.now_utc(),
                     message=f"configuration: {exc}")
                continue
            run_job(self.engine, config, dict(job))
            n += 1
        return n

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_pending()
            except Exception:  # noqa: BLE001 - e.g. the database briefly unavailable: try again
                pass
            self._stop.wait(self.poll_seconds)
