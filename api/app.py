"""FastAPI application: health, queues, runs and their results, API keys, audit log.

Run with ``wfm serve``. The database comes from ``WFM_DATABASE_URL`` (default SQLite
``wfm-data/wfm.sqlite``). Timestamps are ISO 8601 UTC; every interval row carries its
``interval_minutes``; queues carry their timezone.

Every route except ``/api/v1/health`` needs an API key (see :mod:`api.security`) of one
of the roles it names; writes and refusals are written to the audit log. Request bodies
are limited to ``max_body_bytes`` (413 beyond); CORS is off (no cross-origin headers);
errors are JSON with a ``detail``, never a stack trace.
"""

from __future__ import annotations

import gc
import json
import math
import os
import threading
import time
from contextlib import asynccontextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field, field_validator
from starlette.concurrency import run_in_threadpool

import capacity
import forecasting
import realtime
import scheduling
from api import jobs as jobs_mod
from api import security
from api.dashboard import COOKIE, add_dashboard
from wfm.config import CentreConfig, load_config
from wfm.grid import describe_grid, open_mask
from wfm.importers import import_frame
from wfm.model import ServiceTarget
from wfm.period_metrics import accuracy_report, adherence_report, desk_from_store, service_report
from wfm.storage import connect
from wfm.storage import repository as repo
from wfm.storage import tables as t
from wfm.whatif import what_if_requirements

CONVENTIONS = ("service level and abandon rate on offered contacts; ASA over answered contacts; occupancy on "
               "carried load; gross = net / (1 - shrinkage) rounded up; durations in seconds; fractions 0-1; "
               "interval_start in UTC")


def ical(shifts, activities) -> str:
    """RFC 5545 calendar: one VEVENT per shift (UTC times), activities listed in the description."""
    def stamp(ts) -> str:
        return ts.strftime("%Y%m%dT%H%M%SZ")

    def fold(line: str) -> str:  # lines longer than 75 octets continue on the next with a space
        out, raw = [], line.encode()
        while len(raw) > 75:
            cut = 75
            while raw[cut] & 0xC0 == 0x80:  # never split a UTF-8 character
                cut -= 1
            out.append(raw[:cut].decode())
            raw = b" " + raw[cut:]
        return "\r\n".join(out + [raw.decode()])

    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//wfm engine//schedule//EN", "CALSCALE:GREGORIAN"]
    now = stamp(repo.now_utc())
    by_shift = {k: g for k, g in activities.groupby("shift_id")}
    for r in shifts.itertuples():
        acts = by_shift.get(r.id)
        desc = "\\n".join(f"{a.start:%H:%M}-{a.end:%H:%M} UTC {a.activity}" for a in acts.itertuples()) \
            if acts is not None else ""
        who = r.agent_id if isinstance(r.agent_id, str) else "open shift"
        lines += ["BEGIN:VEVENT", f"UID:shift-{r.id}-{r.run_id}@wfm", f"DTSTAMP:{now}", f"DTSTART:{stamp(r.start)}",
                  f"DTEND:{stamp(r.end)}", f"SUMMARY:{r.queue_id} shift ({who})", f"DESCRIPTION:{desc}",
                  "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "\r\n".join(fold(x) for x in lines) + "\r\n"


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


class _BodyLimit:
    """ASGI middleware: refuse request bodies over ``max_bytes`` with 413 (declared or streamed)."""

    def __init__(self, app, max_bytes: int):
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        too_big = JSONResponse(status_code=413, content={"detail": f"request body over {self.max_bytes} bytes"})
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            return await too_big(scope, receive, send)
        seen = 0

        async def counted():
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                raise _TooLarge
            return message

        try:
            await self.app(scope, counted, send)
        except _TooLarge:
            await too_big(scope, receive, send)


class _TooLarge(Exception):
    pass


class _AuditWrites:
    """ASGI middleware: every write (not GET/HEAD/OPTIONS) by a known key goes to the audit log
    with its answer's status, written off the event loop. Reads pass straight through."""

    def __init__(self, app, audit):
        self.app, self.audit = app, audit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            return await self.app(scope, receive, send)
        status = {}

        async def seen(message):
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        await self.app(scope, receive, seen)
        caller = scope.get("state", {}).get("caller")
        if caller is not None and "code" in status:
            await run_in_threadpool(self.audit, scope["method"], scope["path"], caller, status["code"])


KEY_CACHE_SECONDS = 5.0
RUN_ID = PathParam(..., description="a pipeline run id (GET /api/v1/runs lists them)", examples=["20261204T221244-7c3c14"])
QUEUE_ID = PathParam(..., description="a queue id (GET /api/v1/queues)", examples=["lyon_voice"])


class PipelineJobRequest(BaseModel):
    start: date | None = Field(None, description="first planned day (default: the day after the history)",
                               examples=["2026-11-30"])
    horizon_days: int | None = Field(None, ge=1, le=120, examples=[7])
    queue_ids: list[str] | None = Field(None, description="only these queues (default: all)", examples=[["lyon_voice"]])
    workers: int | None = Field(None, ge=1, le=256, description="parallel queue tasks")


class WhatIfRequest(BaseModel):
    queue_id: str = Field(examples=["lyon_voice"])
    run_id: str | None = Field(None, description="base forecast: this run's (default: the newest run that "
                                                 "forecast the queue)")
    volume_factor: float = Field(1.0, ge=0, le=100, description="multiplies every interval's volume",
                                 examples=[1.1])
    aht_factor: float = Field(1.0, gt=0, le=100, description="multiplies every interval's AHT")
    aht_seconds: float | None = Field(None, gt=0, le=86_400, description="sets every interval's AHT, seconds")
    shrinkage: float | None = Field(None, ge=0, lt=1, description="sets every interval's shrinkage, 0-1")
    targets: ServiceTarget | None = Field(None, description="replaces the queue's targets",
                                          examples=[{"service_level": 0.9, "service_level_threshold_seconds": 20}])
    patience_seconds: float | None = Field(None, gt=0, le=86_400, description="mean customer patience (Erlang A)")


class ReplanRequest(BaseModel):
    queue_id: str = Field(examples=["lyon_voice"])
    now: datetime = Field(description="the moment to re-plan from, with its timezone; intervals before it are "
                                      "frozen", examples=["2026-11-27T11:00:00+01:00"])
    max_overtime_minutes: int = Field(120, ge=0, le=480, description="most overtime suggested per agent")

    @field_validator("now")
    @classmethod
    def _aware(cls, v: datetime) -> datetime:
        if v.tzinfo is None:
            raise ValueError("give a timezone (e.g. 2026-11-27T11:00:00+01:00)")
        return v


class HiringRulesModel(BaseModel):
    training_weeks: int = Field(6, ge=0, le=52)
    training_attrition: float = Field(0.10, ge=0, lt=1, description="share of a class lost before graduating")
    weekly_attrition: float = Field(0.005, ge=0, lt=1)
    learning_curve: list[float] = Field([0.6, 0.8, 0.9], max_length=52,
                                        description="productivity 0-1 of a graduate in its first weeks (then 1)")
    max_class_size: int = Field(20, ge=0, le=1000)
    class_start_weeks: list[int] | None = Field(None, description="weeks a class may start (default: any)")
    cost_per_hire: float = Field(5_000.0, ge=0, le=1e7)
    weekly_cost_per_fte: float = Field(800.0, ge=0, le=1e6)
    shortage_cost_per_fte_week: float = Field(3_000.0, ge=0, le=1e7)

    @field_validator("learning_curve")
    @classmethod
    def _fractions(cls, v: list[float]) -> list[float]:
        if any(not 0 <= p <= 1 for p in v):
            raise ValueError("learning_curve values are fractions 0-1")
        return v


class CapacityPlanRequest(BaseModel):
    required_fte: list[Annotated[float, Field(ge=0, le=1e6)]] = Field(
        min_length=1, max_length=156, description="productive FTE needed each week (e.g. from a long-range "
                                                 "forecast), week 0 first", examples=[[120, 125, 130, 140, 150, 150]])
    current_fte: float = Field(ge=0, le=1e6, examples=[118])
    rules: HiringRulesModel = HiringRulesModel()
    time_limit_seconds: float = Field(10.0, ge=1, le=60)


class KeyRequest(BaseModel):
    name: str = Field(min_length=1, max_length=128, pattern=r"\S", examples=["overnight batch"])
    role: str = Field(pattern="^(admin|planner|desk|integration)$", examples=["planner"])


def create_app(database_url: str | None = None, *, config: CentreConfig | str | Path | None = None,
               max_body_bytes: int = 50 * 1024 * 1024, run_jobs: bool = True) -> FastAPI:
    """The API over ``database_url`` (default ``WFM_DATABASE_URL``) for the centre ``config``
    (a configuration or its TOML path; default ``WFM_CONFIG``), running queued jobs in a
    background thread unless ``run_jobs`` is false."""
    engine = connect(database_url)
    config = config if config is not None else os.environ.get("WFM_CONFIG")

    loaded: dict[str, Any] = {}

    def config_of() -> CentreConfig:
        """The centre's configuration (a file is read again only when it changes)."""
        if config is None:
            raise RuntimeError("the server has no centre configuration (wfm serve --config FILE)")
        if isinstance(config, CentreConfig):
            return config
        stamp = Path(config).stat().st_mtime_ns
        if loaded.get("stamp") != stamp:
            loaded.update(config=load_config(Path(config)), stamp=stamp)
        return loaded["config"]

    runner = jobs_mod.JobRunner(engine, config_of)
    desk_lock = threading.Lock()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        # the libraries loaded at start-up (pandas, SciPy, OR-Tools…) are a million long-lived objects:
        # leave them out of the garbage collector's full passes, which would otherwise pause every
        # request for ~100 ms now and then
        gc.collect()
        gc.freeze()
        if run_jobs:
            runner.start()
        yield
        runner.stop()

    app = FastAPI(title="wfm engine", version="0.1.0", lifespan=lifespan,
                  description="Workforce management engine. Service level and abandon rate on offered contacts; "
                              "ASA over answered contacts; occupancy on carried load; durations in seconds; "
                              "fractions 0-1; timestamps UTC.")
    app.add_middleware(_BodyLimit, max_bytes=max_body_bytes)

    @app.exception_handler(Exception)
    async def _no_traces(request: Request, exc: Exception) -> JSONResponse:  # never leak a stack trace
        return JSONResponse(status_code=500, content={"detail": f"internal error: {type(exc).__name__}"})

    def _audit(method: str, path: str, caller: security.Caller | None, status: int,
               detail: dict | None = None) -> None:
        with engine.begin() as conn:
            conn.execute(t.audit_log.insert().values(
                at=repo.now_utc(), key_id=caller.key_id if caller else None, role=caller.role if caller else None,
                method=method, path=path[:500], status=status, detail=detail))

    key_cache: dict[str, tuple[security.Caller | None, float]] = {}

    def caller_of(key: str | None) -> security.Caller | None:
        """The key's holder; answers are kept ``KEY_CACHE_SECONDS`` (a key revoked through the API
        stops at once, one revoked with the CLI within that time)."""
        hit = key_cache.get(key or "")
        if hit is not None and hit[1] > time.monotonic():
            return hit[0]
        with engine.connect() as conn:
            who = security.caller_of(conn, key)
        if len(key_cache) > 10_000:
            key_cache.clear()
        key_cache[key or ""] = (who, time.monotonic() + KEY_CACHE_SECONDS)
        return who

    def require(*roles: str):
        """Dependency: the caller's key must be active and of one of ``roles``."""

        async def check(request: Request) -> security.Caller:
            auth = request.headers.get("authorization", "")
            key = auth[7:].strip() if auth.lower().startswith("bearer ") else request.headers.get("x-api-key")
            if not key and request.method == "GET":  # the dashboard's cookie: reads only, never writes
                key = request.cookies.get(COOKIE)
            hit = key_cache.get(key or "")
            caller = hit[0] if hit is not None and hit[1] > time.monotonic() else \
                await run_in_threadpool(caller_of, key)
            path = request.url.path
            if caller is None:
                await run_in_threadpool(_audit, request.method, path, None, 401,
                                        {"reason": "missing" if not key else "unknown or revoked key"})
                raise HTTPException(401, "an active API key is required (Authorization: Bearer <key> or "
                                         "X-API-Key)", headers={"WWW-Authenticate": "Bearer"})
            if caller.role not in roles:
                await run_in_threadpool(_audit, request.method, path, caller, 403, {"allowed": list(roles)})
                raise HTTPException(403, f"role {caller.role!r} may not {request.method} {path} "
                                         f"(allowed: {', '.join(roles)})")
            request.state.caller = caller
            return caller

        return Depends(check)

    app.add_middleware(_AuditWrites, audit=_audit)
    add_dashboard(app, engine, config_of, caller_of)
    planner = require("admin", "planner")
    reader = require("admin", "planner", "desk")
    admin = require("admin")

    @app.get("/api/v1/health")
    def health() -> dict[str, str]:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        return {"status": "ok", "database": engine.dialect.name}

    @app.get("/api/v1/sites", dependencies=[reader])
    def sites() -> list[dict[str, Any]]:
        with engine.connect() as conn:
            rows = conn.execute(t.sites.select().order_by(t.sites.c.id)).mappings().all()
        return _clean([dict(r) for r in rows])

    @app.get("/api/v1/queues", dependencies=[reader])
    def queues() -> list[dict[str, Any]]:
        with engine.connect() as conn:
            rows = conn.execute(t.queues.select().order_by(t.queues.c.id)).mappings().all()
        return _clean([dict(r) for r in rows])

    @app.get("/api/v1/runs", dependencies=[planner])
    def runs(limit: int = Query(20, ge=1, le=500)) -> list[dict[str, Any]]:
        with engine.connect() as conn:
            return _clean(repo.read_runs(conn, limit).to_dict("records"))

    @app.get("/api/v1/runs/{run_id}", dependencies=[planner])
    def run(run_id: str = RUN_ID) -> dict[str, Any]:
        with engine.connect() as conn:
            r = repo.read_run(conn, run_id)
            if r is None:
                raise HTTPException(404, f"unknown run id {run_id!r}")
            r["stages"] = _clean(repo.read_stages(conn, run_id).to_dict("records"))
        return _clean([r])[0]

    def _frame(table, run_id: str, queue_id: str, start: datetime | None, end: datetime | None,
               **filters) -> list[dict[str, Any]]:
        for name, v in (("start", start), ("end", end)):
            if v is not None and v.tzinfo is None:
                raise HTTPException(422, [{"loc": ["query", name], "msg": "give a timezone (e.g. 2026-11-30T00:00:00Z)",
                                           "type": "value_error"}])
        with engine.connect() as conn:
            if repo.read_run(conn, run_id) is None:
                raise HTTPException(404, f"unknown run id {run_id!r}")
            df = repo.read_run_frame(conn, table, run_id, queue_id, **filters)
        if df.empty:
            raise HTTPException(404, f"no rows for queue {queue_id!r} in run {run_id!r}")
        if start is not None:
            df = df[df["interval_start"] >= pd.Timestamp(start)]
        if end is not None:
            df = df[df["interval_start"] < pd.Timestamp(end)]
        return _clean(df.to_dict("records"))

    period = {"start": Query(None, description="first interval start, inclusive (with timezone)"),
              "end": Query(None, description="last interval start, exclusive (with timezone)")}

    @app.get("/api/v1/runs/{run_id}/queues/{queue_id}/forecast", dependencies=[planner])
    def forecast(run_id: str = RUN_ID, queue_id: str = QUEUE_ID, start: datetime | None = period["start"],
                 end: datetime | None = period["end"]) -> list[dict[str, Any]]:
        """Volume (with its prediction interval), AHT, shrinkage, concurrency per interval and the model used."""
        return _frame(t.forecasts, run_id, queue_id, start, end, kind="forecast")

    @app.get("/api/v1/runs/{run_id}/queues/{queue_id}/requirements", dependencies=[planner])
    def requirements(run_id: str = RUN_ID, queue_id: str = QUEUE_ID, start: datetime | None = period["start"],
                     end: datetime | None = period["end"]) -> list[dict[str, Any]]:
        """Agents net and gross of shrinkage per interval with the predicted service level (on offered),
        abandon rate, ASA (answered), occupancy, the binding target and the model."""
        return _frame(t.requirements, run_id, queue_id, start, end)

    @app.get("/api/v1/runs/{run_id}/queues/{queue_id}/realisation", dependencies=[planner])
    def realisation(run_id: str = RUN_ID, queue_id: str = QUEUE_ID, start: datetime | None = period["start"],
                    end: datetime | None = period["end"]) -> list[dict[str, Any]]:
        return _frame(t.realisation, run_id, queue_id, start, end)

    def _days(first: date, last: date) -> None:
        for name, d in (("from", first), ("to", last)):
            if not 1970 <= d.year <= 2200:
                raise HTTPException(422, [{"loc": ["query", name], "msg": "a day between 1970 and 2200",
                                           "type": "value_error"}])
        if last < first or (last - first).days > 92:
            raise HTTPException(422, [{"loc": ["query", "to"], "msg": "to must be on or after from, at most 92 "
                                       "days later", "type": "value_error"}])

    @app.get("/api/v1/adherence", dependencies=[require("admin", "planner", "desk")])
    def adherence(from_: date = Query(..., alias="from", examples=["2026-11-26"]),
                  to: date = Query(..., examples=["2026-11-28"]),
                  grace_seconds: float = Query(0.0, ge=0, le=3600)) -> dict[str, Any]:
        """Adherence per agent and local day (time in the scheduled activity / scheduled time, 0-1),
        against the latest stored schedule, with the exceptions (out-of-adherence spells)."""
        _days(from_, to)
        rep = adherence_report(engine, config_of(), from_, to, grace_seconds=grace_seconds)
        return {"schedule_run_id": rep.schedule_run, "per_agent": _clean(rep.per_agent.to_dict("records")),
                "exceptions": _clean(rep.exceptions.head(5000).to_dict("records"))}

    @app.get("/api/v1/metrics", dependencies=[planner])
    def metrics(from_: date = Query(..., alias="from", examples=["2026-11-23"]),
                to: date = Query(..., examples=["2026-11-28"]),
                lead_days: int = Query(7, ge=0, le=365)) -> dict[str, Any]:
        """COPC metrics per queue over local days: service (SL on offered, abandon, ASA, AHT,
        occupancy, realisation) and forecast accuracy of the forecast made ``lead_days`` ahead."""
        _days(from_, to)
        cfg = config_of()
        return {"conventions": CONVENTIONS,
                "service": _clean(service_report(engine, cfg, from_, to).to_dict("records")),
                "forecast_accuracy": _clean(accuracy_report(engine, cfg, from_, to, lead_days=lead_days)
                                            .to_dict("records"))}

    @app.post("/api/v1/jobs/pipeline", status_code=202)
    def submit_pipeline(body: PipelineJobRequest, caller: security.Caller = planner) -> dict[str, Any]:
        """Plan queues in the background (forecast → requirements → schedule → metrics): answers at
        once with the job id; follow it at ``/api/v1/jobs/{id}``."""
        try:
            cfg = config_of()
        except Exception as exc:  # noqa: BLE001 - a missing or broken configuration is the server's state
            raise HTTPException(409, f"cannot plan: {exc}")
        known = [q.id for q in cfg.queues]
        unknown = sorted(set(body.queue_ids or []) - set(known))
        if unknown:
            raise HTTPException(422, [{"loc": ["body", "queue_ids"], "msg": f"unknown queue(s) {unknown}; "
                                       f"configured: {known}", "type": "value_error"}])
        params = body.model_dump(mode="json", exclude_none=True)
        wanted = set(body.queue_ids or known)
        for other in jobs_mod.read_jobs(engine, 200):  # two plans of the same queues at once would race
            if other["status"] in ("queued", "running") and \
                    wanted & set((other["parameters"] or {}).get("queue_ids") or known):
                raise HTTPException(409, f"job {other['id']} ({other['status']}) already plans "
                                         f"{sorted(wanted & set(other['parameters'].get('queue_ids') or known))}; "
                                         f"wait for it (GET /api/v1/jobs/{other['id']})")
        job_id = jobs_mod.submit(engine, "pipeline", params, caller.key_id)
        return {"id": job_id, "status": "queued", "url": f"/api/v1/jobs/{job_id}"}

    @app.get("/api/v1/jobs", dependencies=[planner])
    def list_jobs(limit: int = Query(50, ge=1, le=1000)) -> list[dict[str, Any]]:
        return _clean(jobs_mod.read_jobs(engine, limit))

    @app.get("/api/v1/jobs/{job_id}", dependencies=[planner])
    def job(job_id: str = PathParam(..., examples=["20261204T221343-fae1c5"])) -> dict[str, Any]:
        """Status (queued | running | succeeded | partial | failed), progress 0-1 with a message, the run it made."""
        row = jobs_mod.read_job(engine, job_id)
        if row is None:
            raise HTTPException(404, f"unknown job id {job_id!r}")
        return _clean([row])[0]

    @app.get("/api/v1/runs/{run_id}/schedule", dependencies=[planner],
             responses={200: {"content": {"text/calendar": {}}}})
    def schedule(run_id: str = RUN_ID, queue_id: str | None = Query(None, examples=["lyon_voice"]),
                 agent_id: str | None = Query(None, examples=["lyovo001"]),
                 site_id: str | None = Query(None, examples=["lyon"]),
                 format: str = Query("json", pattern="^(json|ics)$")):
        """Shifts of a run with their activities, for a queue, an agent or a site's team; ``format=ics``
        gives an iCalendar file (one event per shift, times in UTC)."""
        with engine.connect() as conn:
            if repo.read_run(conn, run_id) is None:
                raise HTTPException(404, f"unknown run id {run_id!r}")
            shifts, acts = repo.read_shifts(conn, run_id, queue_id)
            agents = repo.read_agents(conn)
        if agent_id is not None:
            shifts = shifts[shifts["agent_id"] == agent_id]
        if site_id is not None:
            shifts = shifts[shifts["agent_id"].isin(agents.loc[agents["site_id"] == site_id, "id"])]
        if shifts.empty:
            raise HTTPException(404, "no shifts match " + ", ".join(f"{k}={v!r}" for k, v in (
                ("run", run_id), ("queue_id", queue_id), ("agent_id", agent_id), ("site_id", site_id)) if v))
        acts = acts[acts["shift_id"].isin(shifts["id"])]
        if format == "ics":
            return Response(ical(shifts, acts), media_type="text/calendar",
                            headers={"Content-Disposition": f'attachment; filename="schedule-{run_id}.ics"'})
        by_shift = {k: _clean(g.drop(columns="shift_id").to_dict("records")) for k, g in acts.groupby("shift_id")}
        return [dict(r, activities=by_shift.get(r["id"], [])) for r in _clean(shifts.drop(columns="run_id")
                                                                            .to_dict("records"))]

    async def _upload(kind: str, request: Request) -> dict[str, Any]:
        """A CSV body (``text/csv``) or a JSON list of row objects, canonical column names, through the
        importer's validation; all rows are written or none (422 lists every bad row)."""
        import io

        cfg = config_of()
        ctype = request.headers.get("content-type", "")
        raw = await request.body()
        try:
            if "csv" in ctype:
                frame = pd.read_csv(io.BytesIO(raw), dtype=str, keep_default_na=False)
            else:
                rows = json.loads(raw or b"null")
                if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
                    raise ValueError("expected a JSON list of row objects (or a text/csv body)")
                frame = pd.DataFrame(rows)
        except (ValueError, pd.errors.ParserError, UnicodeDecodeError) as exc:
            raise HTTPException(422, [{"loc": ["body"], "msg": f"unreadable {kind} upload: {exc}", "type": "value_error"}])
        # validation and the write run in a worker thread: the event loop keeps answering polls meanwhile
        report = await run_in_threadpool(import_frame, engine, kind, frame, cfg, source=f"upload:{kind}")
        if kind == "agent_events" and report.ok:
            await run_in_threadpool(_feed_desks, report.import_id)
        if not report.ok:
            raise HTTPException(422, [{"loc": ["body", e.line - 2 if e.line > 1 else None, e.column or None],
                                       "msg": e.reason, "value": e.value, "type": "value_error",
                                       "line": e.line} for e in report.errors[:1000]])
        return {"kind": kind, "rows_read": report.rows_read, "rows_written": report.rows_written,
                "import_id": report.import_id, "warnings": report.warnings}

    @app.post("/api/v1/actuals", dependencies=[require("admin", "integration")],
              openapi_extra={"requestBody": {"content": {"application/json": {"example": [
                  {"queue_id": "lyon_voice", "interval_start": "2026-11-30T08:00:00+01:00", "offered": 41,
                   "answered": 40, "abandoned": 1, "answered_within_threshold": 33, "handle_seconds": 12800}]},
                  "text/csv": {"example": "queue_id,interval_start,offered\nlyon_voice,2026-11-30T08:00:00+01:00,41\n"}}}})
    async def push_actuals(request: Request) -> dict[str, Any]:
        """Interval actuals (ACD export rows); same validation and all-or-nothing rule as ``wfm import``."""
        return await _upload("actuals", request)

    @app.post("/api/v1/agent-events", dependencies=[require("admin", "integration")],
              openapi_extra={"requestBody": {"content": {"application/json": {"example": [
                  {"agent_id": "lyovo001", "timestamp": "2026-11-30T08:58:00+01:00", "state": "Available"}]}}}})
    async def push_events(request: Request) -> dict[str, Any]:
        """Agent-state events; same validation and all-or-nothing rule as ``wfm import``."""
        return await _upload("agent_events", request)

    desks: dict[str, Any] = {}

    def _feed_desks(import_id: int) -> None:
        """The desk sees pushed events at once (its periodic check re-reads them, harmlessly)."""
        with engine.connect() as conn:  # as stored: validated, UTC
            stored = repo.read_agent_events(conn, import_after=import_id - 1)
        with desk_lock:
            for cached in desks.values():
                cached["desk"].ingest(stored)

    def _refresh_desk(cfg: CentreConfig, day: date, at: pd.Timestamp) -> None:
        """Build the day's desk (first poll, or a replay going back in time) or read the events
        imported elsewhere since the last look (the CLI, another server process)."""
        key = day.isoformat()
        with engine.connect() as conn:
            newest = repo.latest_import_id(conn, "agent_events")
            cached = desks.get(key)
            if cached is None or at < cached["since"]:
                fresh = {"desk": desk_from_store(engine, cfg, day, until=at), "since": at, "import_id": newest,
                         "checked": time.monotonic()}
                with desk_lock:
                    desks.clear()
                    desks[key] = fresh
                return
            new = repo.read_agent_events(conn, import_after=cached["import_id"] or 0) \
                if newest != cached["import_id"] else None
        with desk_lock:
            if new is not None:
                cached["desk"].ingest(new)
                cached["import_id"] = newest
            cached["checked"] = time.monotonic()

    @app.get("/api/v1/desk", dependencies=[require("admin", "planner", "desk")])
    async def desk(queue_id: list[str] | None = Query(None), now: datetime | None = None) -> dict[str, Any]:
        """The real-time desk's poll: staffed vs required now, service so far today, agents out of
        adherence now and for how long (seconds). ``now`` defaults to the server's clock. Events
        pushed through this server count at once; imports made elsewhere within 2 seconds."""
        cfg = config_of()
        at = pd.Timestamp(now or repo.now_utc())
        if at.tzinfo is None or not 1970 <= at.year <= 2200:
            raise HTTPException(422, [{"loc": ["query", "now"], "msg": "a time between 1970 and 2200 with its "
                                       "timezone (e.g. 2026-11-27T10:00:00Z)", "type": "value_error"}])
        unknown = sorted(set(queue_id or []) - {q.id for q in cfg.queues})
        if unknown:
            raise HTTPException(422, [{"loc": ["query", "queue_id"], "msg": f"unknown queue(s) {unknown}",
                                       "type": "value_error"}])
        day = at.tz_convert(cfg.sites[0].timezone).date()
        cached = desks.get(day.isoformat())
        if cached is None or at < cached["since"] or time.monotonic() - cached["checked"] > 2.0:
            await run_in_threadpool(_refresh_desk, cfg, day, at)  # database work: off the event loop
            cached = desks[day.isoformat()]
        with desk_lock:  # about a millisecond for 2,000 agents: answered on the event loop
            answer = cached["desk"].poll(at, queue_id)
        return JSONResponse(_clean([answer])[0])  # plain JSON types already: no re-encoding

    def config_and_queue(queue_id: str, in_path: bool = False):
        """The centre configuration and one of its queues: 409 when the configuration cannot be
        read, 404 (path) or 422 naming the field (body) for an unknown queue."""
        try:
            cfg = config_of()
        except Exception as exc:  # noqa: BLE001
            raise HTTPException(409, f"cannot compute: {exc}")
        queue = next((q for q in cfg.queues if q.id == queue_id), None)
        if queue is None and in_path:
            raise HTTPException(404, f"unknown queue {queue_id!r}")
        if queue is None:
            raise HTTPException(422, [{"loc": ["body", "queue_id"], "msg": f"unknown queue {queue_id!r}; "
                                       f"configured: {[q.id for q in cfg.queues]}", "type": "value_error"}])
        return cfg, queue

    @app.post("/api/v1/what-if", dependencies=[planner])
    def what_if(body: WhatIfRequest) -> dict[str, Any]:
        """Requirements and predicted service per interval after changing volume, AHT, shrinkage,
        targets or patience of a stored forecast — computed as the pipeline does, stored nowhere."""
        cfg, queue = config_and_queue(body.queue_id)
        with engine.connect() as conn:
            run_id = body.run_id or repo.latest_run_of(conn, t.forecasts, queue.id)
            base = repo.read_run_frame(conn, t.forecasts, run_id, queue.id, kind="forecast") if run_id else None
        if base is None or base.empty:
            raise HTTPException(404, f"no stored forecast of queue {queue.id!r}" + (f" in run {run_id!r}" if run_id
                                else ": run the pipeline first"))
        tz = cfg.queue_timezone(queue.id)
        req, planned = what_if_requirements(base, queue, tz, volume_factor=body.volume_factor,
                                            aht_factor=body.aht_factor, aht_seconds=body.aht_seconds,
                                            shrinkage=body.shrinkage, targets=body.targets,
                                            patience_seconds=body.patience_seconds)
        hours = queue.interval_minutes / 60
        sl = req["service_level"].to_numpy(float)
        vol = req["volume"].to_numpy(float)
        ok = np.isfinite(sl) & (vol > 0)
        return {
            "queue_id": queue.id, "base_run_id": run_id, "grid": describe_grid(queue.interval_minutes, tz),
            "model": str(req["model"].iloc[0]) if len(req) else None,
            "targets": planned.targets.model_dump(exclude_none=True),
            "conventions": CONVENTIONS,
            "totals": {"volume": float(vol.sum()), "net_hours": float(req["agents_net"].sum() * hours),
                       "gross_hours": float(req["agents_gross"].sum() * hours),
                       "base_gross_hours": float(what_if_requirements(base, queue, tz)[0]["agents_gross"].sum() * hours),
                       "predicted_service_level": float((sl[ok] * vol[ok]).sum() / vol[ok].sum()) if ok.any() else None,
                       "infeasible_intervals": int((~req["feasible"].astype(bool)).sum())},
            "intervals": _clean(req.to_dict("records")),
        }

    @app.get("/api/v1/queues/{queue_id}/weekly-forecast", dependencies=[planner])
    def weekly_forecast(queue_id: str = QUEUE_ID,
                        weeks: int = Query(78, ge=1, le=104, description="weeks ahead (12–18 months: 52–78)"),
                        level: float = Query(0.8, gt=0, lt=1, description="prediction interval coverage")
                        ) -> dict[str, Any]:
        """Contacts and workload per local week (Monday start) for capacity planning, from the
        queue's stored interval history: the calendar by the day-type model, the weekly level by
        statsmodels ETS (see ``forecasting.weekly_totals``). Workload hours = contacts × the
        volume-weighted AHT of the last 8 weeks ÷ 3600."""
        cfg, queue = config_and_queue(queue_id, in_path=True)
        with engine.connect() as conn:
            hist = repo.read_actuals(conn, queue.id)
        if hist.empty:
            raise HTTPException(404, f"no interval actuals of queue {queue.id!r}: import history first")
        tz = cfg.queue_timezone(queue.id)
        site = cfg.site(queue.site)
        idx = pd.DatetimeIndex(hist["interval_start"])
        offered = pd.Series(hist["offered"].to_numpy(float), index=idx)
        local = idx.tz_convert(tz)
        try:
            fc = forecasting.weekly_totals(
                offered, timezone=tz, weeks=weeks, level=level, prior_factors=site.day_type_factors,
                special_days=site.day_types(local.min().date(), local.max().date() + timedelta(weeks=weeks + 2)))
        except ValueError as exc:
            raise HTTPException(422, [{"loc": ["path", "queue_id"], "msg": str(exc), "type": "value_error"}])
        recent = hist[idx >= idx.max() - pd.Timedelta(weeks=8)]
        handled = recent["answered"].fillna(recent["offered"]).to_numpy(float)
        hs = recent["handle_seconds"].to_numpy(float)
        ok = np.isfinite(hs) & np.isfinite(handled)
        aht = float(hs[ok].sum() / handled[ok].sum()) if ok.any() and handled[ok].sum() > 0 else None
        rows = [{"week_start": w.isoformat(), "contacts": float(r["forecast"]), "contacts_lower": float(r["lower"]),
                 "contacts_upper": float(r["upper"]),
                 "workload_hours": float(r["forecast"] * aht / 3600) if aht else None}
                for w, r in fc.iterrows()]
        return {"queue_id": queue.id, "timezone": tz, "week": "local Monday 00:00 to Monday 00:00",
                "model": fc.attrs["model"], "level": level, "aht_seconds": aht,
                "aht_basis": "volume-weighted AHT of the last 8 weeks of history", "weeks": rows}

    @app.post("/api/v1/replan", dependencies=[reader])
    def replan(body: ReplanRequest) -> dict[str, Any]:
        """Suggested changes for the rest of the queue's day (moved breaks, overtime, voluntary
        time off) from the day's latest schedule, the plan's forecast of the day (its newest
        forecast, else the newest backtest re-forecast), and the actuals before ``now``:
        ``realtime.replan_rest_of_day``. Stored nowhere."""
        cfg, queue = config_and_queue(body.queue_id)
        tz = cfg.queue_timezone(queue.id)
        now = pd.Timestamp(body.now).tz_convert(tz)
        day = now.normalize()
        lo, hi = day.tz_convert("UTC"), (day + pd.Timedelta(days=1)).normalize().tz_convert("UTC")
        with engine.connect() as conn:
            sched_run, segments = repo.read_schedule(conn, lo.to_pydatetime(), hi.to_pydatetime())
            fc_run, kind, fc = repo.read_forecast_covering(conn, queue.id, lo.to_pydatetime(), hi.to_pydatetime())
            actuals = repo.read_actuals(conn, queue.id, lo.to_pydatetime(), now.tz_convert("UTC").to_pydatetime())
        segments = segments[segments["queue_id"] == queue.id]
        if segments.empty:
            raise HTTPException(404, f"no schedule of queue {queue.id!r} on {day.date()} ({tz}): "
                                     "import or plan one first")
        if fc is None or fc.empty:
            raise HTTPException(404, f"no forecast of queue {queue.id!r} covers {day.date()} ({tz})")
        local = pd.DatetimeIndex(fc["interval_start"]).tz_convert(tz)
        mask = open_mask(local, queue.open_hours, queue.interval_minutes)
        rules = cfg.scheduling
        report = realtime.replan_rest_of_day(
            queue, fc, actuals, segments, now, timezone=tz, rules=rules,
            available_codes=[a.id for a in cfg.activity_codes if a.available], open_mask=mask,
            max_overtime_minutes=body.max_overtime_minutes,
            options=scheduling.SolveOptions(time_limit_seconds=min(rules.time_limit_seconds, 20.0), workers=1,
                                            seed=rules.seed, deterministic_time=2.0))
        return {"queue_id": queue.id, "grid": describe_grid(queue.interval_minutes, tz), "schedule_run": sched_run,
                "forecast_run": fc_run, "forecast_kind": kind, "conventions": CONVENTIONS, **report.summary,
                "changes": _clean(report.changes.to_dict("records")), "fixed": report.fixed,
                "intervals": _clean(report.intervals.to_dict("records"))}

    @app.post("/api/v1/capacity-plan", dependencies=[planner])
    def capacity_plan(body: CapacityPlanRequest) -> dict[str, Any]:
        """The hiring plan (class sizes and start weeks) that covers weekly required FTE at minimum
        cost, with the weekly gap table (existing staff after attrition, trainees, new hires'
        productive FTE). Computed by ``capacity.capacity_plan`` (a MIP); stored nowhere."""
        rules = capacity.HiringRules(**dict(body.rules.model_dump(), learning_curve=tuple(body.rules.learning_curve),
                                            class_start_weeks=tuple(body.rules.class_start_weeks)
                                            if body.rules.class_start_weeks is not None else None))
        try:
            plan = capacity.capacity_plan(body.required_fte, body.current_fte, rules,
                                          time_limit_seconds=body.time_limit_seconds)
        except RuntimeError as exc:  # no plan found within the time limit
            raise HTTPException(422, [{"loc": ["body", "time_limit_seconds"], "msg": f"{exc}: allow more time",
                                       "type": "value_error"}])
        return {"status": plan.status, "total_cost": plan.total_cost, "bound": plan.bound,
                "hires": {str(w): n for w, n in plan.hires.items()},
                "weeks": _clean(plan.weeks.to_dict("records")),
                "conventions": "FTE are productive full-time equivalents; rates are weekly fractions 0-1"}

    @app.post("/api/v1/keys", status_code=201, dependencies=[admin])
    def create_key(body: KeyRequest) -> dict[str, str]:
        """A new API key: the key is in this answer only (it is stored hashed)."""
        try:
            with engine.begin() as conn:
                key_id, key = security.create_key(conn, body.name, body.role)
        except ValueError as exc:
            raise HTTPException(422, [{"loc": ["body", "name"], "msg": str(exc), "type": "value_error"}])
        return {"id": key_id, "name": body.name, "role": body.role, "key": key}

    @app.get("/api/v1/keys", dependencies=[admin])
    def keys() -> list[dict[str, Any]]:
        with engine.connect() as conn:
            return _clean(security.list_keys(conn))

    @app.delete("/api/v1/keys/{key_id}", dependencies=[admin])
    def revoke(key_id: str = PathParam(..., examples=["9179a41b"])) -> dict[str, str]:
        with engine.begin() as conn:
            if not security.revoke_key(conn, key_id):
                raise HTTPException(404, f"no active key with id {key_id!r}")
        key_cache.clear()
        return {"id": key_id, "status": "revoked"}

    @app.get("/api/v1/audit", dependencies=[admin])
    def audit(limit: int = Query(100, ge=1, le=10_000)) -> list[dict[str, Any]]:
        """The newest entries first: writes and refused requests, with the key that made them."""
        with engine.connect() as conn:
            rows = conn.execute(t.audit_log.select().order_by(t.audit_log.c.id.desc()).limit(limit)).mappings().all()
        return _clean([dict(r) for r in rows])

    return app
