"""FastAPI application (read-only foundation: health, queues, runs and their results).

Run with ``wfm serve``. The database comes from ``WFM_DATABASE_URL`` (default SQLite
``wfm-data/wfm.sqlite``). Timestamps are ISO 8601 UTC; every interval row carries its
``interval_minutes``; queues carry their timezone.
"""

from __future__ import annotations

import math
from typing import Any

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.responses import JSONResponse

from wfm.storage import connect
from wfm.storage import repository as repo
from wfm.storage import tables as t


def _clean(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for r in records:
        row = {}
        for k, v in r.items():
            if hasattr(v, "isoformat"):
                v = v.isoformat()
            elif isinstance(v, float) and not math.isfinite(v):
                v = None
            row[k] = v
        out.append(row)
    return out


def create_app(database_url: str | None = None) -> FastAPI:
    app = FastAPI(title="wfm engine", version="0.1.0",
                  description="Workforce management engine. Service level and abandon rate on offered contacts; "
                              "ASA over answered contacts; occupancy on carried load; durations in seconds; "
                              "fractions 0-1; timestamps UTC.")
    engine = connect(database_url)

    @app.exception_handler(Exception)
    async def _no_traces(request: Request, exc: Exception) -> JSONResponse:  # never leak a stack trace
        return JSONResponse(status_code=500, content={"detail": f"internal error: {type(exc).__name__}"})

    @app.get("/api/v1/health")
    def health() -> dict[str, str]:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        return {"status": "ok", "database": engine.dialect.name}

    @app.get("/api/v1/queues")
    def queues() -> list[dict[str, Any]]:
        with engine.connect() as conn:
            rows = conn.execute(t.queues.select().order_by(t.queues.c.id)).mappings().all()
        return _clean([dict(r) for r in rows])

    @app.get("/api/v1/runs")
    def runs(limit: int = Query(20, ge=1, le=500)) -> list[dict[str, Any]]:
        with engine.connect() as conn:
            return _clean(repo.read_runs(conn, limit).to_dict("records"))

    @app.get("/api/v1/runs/{run_id}")
    def run(run_id: str) -> dict[str, Any]:
        with engine.connect() as conn:
            r = repo.read_run(conn, run_id)
            if r is None:
                raise HTTPException(404, f"unknown run id {run_id!r}")
            r["stages"] = _clean(repo.read_stages(conn, run_id).to_dict("records"))
        return _clean([r])[0]

    def _frame(table, run_id: str, queue_id: str, **filters) -> list[dict[str, Any]]:
        with engine.connect() as conn:
            if repo.read_run(conn, run_id) is None:
                raise HTTPException(404, f"unknown run id {run_id!r}")
            df = repo.read_run_frame(conn, table, run_id, queue_id, **filters)
        if df.empty:
            raise HTTPException(404, f"no rows for queue {queue_id!r} in run {run_id!r}")
        return _clean(df.to_dict("records"))

    @app.get("/api/v1/runs/{run_id}/queues/{queue_id}/forecast")
    def forecast(run_id: str, queue_id: str) -> list[dict[str, Any]]:
        return _frame(t.forecasts, run_id, queue_id, kind="forecast")

    @app.get("/api/v1/runs/{run_id}/queues/{queue_id}/requirements")
    def requirements(run_id: str, queue_id: str) -> list[dict[str, Any]]:
        return _frame(t.requirements, run_id, queue_id)

    @app.get("/api/v1/runs/{run_id}/queues/{queue_id}/realisation")
    def realisation(run_id: str, queue_id: str) -> list[dict[str, Any]]:
        return _frame(t.realisation, run_id, queue_id)

    return app
