"""Web dashboard: server-rendered pages (Jinja2) from the same app, plots drawn in the browser
by plotly.js served from the installed plotly package (no network, no build step).

Pages: ``/dashboard`` (run and job history), ``/dashboard/queues/{id}`` (forecast vs
actual; required vs scheduled vs actual staff), ``/dashboard/schedule`` (Gantt of a
site's team), ``/dashboard/desk`` (the adherence board, refreshing itself). Signing in
stores the API key in an HttpOnly cookie, accepted for GET requests only (so another site
cannot make the browser write anything).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Callable
from urllib.parse import parse_qs

import pandas as pd
from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from jinja2 import Environment, PackageLoader, select_autoescape

from api import jobs as jobs_mod
from api import security
from wfm.report import queue_frames
from wfm.storage import repository as repo

COOKIE = "wfm_key"
PLOTLY_JS = Path(__import__("plotly").__file__).parent / "package_data" / "plotly.min.js"
ACTIVITY_COLOURS = {"on_contact": "#2563eb", "lunch": "#f59e0b", "break": "#10b981", "meeting": "#8b5cf6",
                    "training": "#ec4899", "open": "#9ca3af"}


def _series(frame: pd.DataFrame, column: str, tz: str) -> dict[str, list]:
    """x (local wall time, ISO) and y (None for gaps) of one column, for plotly."""
    if frame is None or frame.empty or column not in frame:
        return {"x": [], "y": []}
    x = pd.DatetimeIndex(frame["interval_start"]).tz_convert(tz).strftime("%Y-%m-%dT%H:%M").tolist()
    y = [None if v is None or (isinstance(v, float) and not math.isfinite(v)) else float(v)
         for v in frame[column].tolist()]
    return {"x": x, "y": y}


def add_dashboard(app: FastAPI, engine, config_of: Callable,
                  caller_of: Callable[[str | None], security.Caller | None]) -> None:
    """Mount the pages; ``caller_of`` is the API's key lookup (cached), shared by pages and routes."""
    env = Environment(loader=PackageLoader("api", "templates"), autoescape=select_autoescape())

    def page(name: str, **context: Any) -> HTMLResponse:
        return HTMLResponse(env.get_template(name).render(**context))

    def caller(request: Request, *roles: str) -> security.Caller | None:
        who = caller_of(request.cookies.get(COOKIE))
        return who if who is not None and who.role in roles else None

    def signin(request: Request) -> RedirectResponse:
        return RedirectResponse(f"/dashboard/login?next={request.url.path}", status_code=303)

    @app.get("/static/plotly.min.js", include_in_schema=False)
    def plotly_js() -> FileResponse:
        return FileResponse(PLOTLY_JS, media_type="application/javascript",
                            headers={"Cache-Control": "public, max-age=86400"})

    @app.get("/dashboard/login", include_in_schema=False)
    def login_form(next: str = "/dashboard", error: str = "") -> HTMLResponse:
        return page("login.html", next=next if next.startswith("/dashboard") else "/dashboard", error=error)

    @app.post("/dashboard/login", include_in_schema=False)
    async def login(request: Request) -> RedirectResponse:
        form = parse_qs((await request.body()).decode("utf-8", "replace"))  # a plain form: no multipart needed
        key, next = form.get("key", [""])[0], form.get("next", ["/dashboard"])[0]
        who = caller_of(key.strip())
        target = next if next.startswith("/dashboard") else "/dashboard"
        if who is None:
            return RedirectResponse(f"/dashboard/login?next={target}&error=unknown+or+revoked+key", status_code=303)
        if who.role == "desk" and target == "/dashboard":
            target = "/dashboard/desk"
        resp = RedirectResponse(target, status_code=303)
        resp.set_cookie(COOKIE, key.strip(), httponly=True, samesite="strict")
        return resp

    @app.get("/dashboard/logout", include_in_schema=False)
    def logout() -> RedirectResponse:
        resp = RedirectResponse("/dashboard/login", status_code=303)
        resp.delete_cookie(COOKIE)
        return resp

    @app.get("/dashboard", include_in_schema=False)
    def home(request: Request):
        who = caller(request, "admin", "planner")
        if who is None:
            return signin(request)
        with engine.connect() as conn:
            runs = repo.read_runs(conn, 30).to_dict("records")
        cfg = config_of()
        return page("home.html", who=who, runs=runs, jobs=jobs_mod.read_jobs(engine, 30),
                    queues=[q.id for q in cfg.queues], sites=[s.id for s in cfg.sites])

    @app.get("/dashboard/queues/{queue_id}", include_in_schema=False)
    def queue_page(request: Request, queue_id: str, run_id: str | None = None):
        who = caller(request, "admin", "planner")
        if who is None:
            return signin(request)
        cfg = config_of()
        if queue_id not in {q.id for q in cfg.queues}:
            return page("message.html", who=who, title="Unknown queue", message=f"No queue {queue_id!r}.")
        with engine.connect() as conn:
            run_id = run_id or repo.latest_run_of(conn, repo.t.forecasts, queue_id)
            if run_id is None:
                return page("message.html", who=who, title=queue_id, message="No run has planned this queue yet.")
            f = queue_frames(conn, cfg, run_id, queue_id)
        tz = f["timezone"]
        req, real = f.get("requirements"), f.get("realisation")
        plots = {
            "forecast": [
                dict(name="actual offered", line={"color": "#111827", "width": 1}, **_series(f.get("actual"), "offered", tz)),
                dict(name="backtest forecast", line={"color": "#ea580c", "width": 1}, **_series(f.get("backtest"), "volume", tz)),
                dict(name="forecast", line={"color": "#2563eb", "width": 1.5}, **_series(f["forecast"], "volume", tz)),
                dict(name="80% interval (upper)", line={"color": "#93c5fd", "width": 0.5, "dash": "dot"},
                     **_series(f["forecast"], "volume_upper", tz)),
            ],
            "staff": [
                dict(name="required net", line={"shape": "hv", "color": "#16a34a"}, **_series(req, "agents_net", tz)),
                dict(name="required gross", line={"shape": "hv", "color": "#dc2626"}, **_series(req, "agents_gross", tz)),
                dict(name="scheduled", line={"shape": "hv", "color": "#7c3aed"}, **_series(req, "scheduled", tz)),
                dict(name="actual FTE (past days)", line={"shape": "hv", "color": "#0891b2"},
                     **_series(real, "actual_fte", tz)),
                dict(name="required FTE of actuals", line={"shape": "hv", "color": "#65a30d", "dash": "dot"},
                     **_series(real, "required_fte", tz)),
            ],
        }
        return page("queue.html", who=who, q=f, run_id=run_id, plots=json.dumps(plots),
                    model=str(req["model"].iloc[0]) if req is not None and len(req) else "—")

    @app.get("/dashboard/schedule", include_in_schema=False)
    def schedule_page(request: Request, site_id: str | None = None, run_id: str | None = None,
                      day: str | None = None):
        who = caller(request, "admin", "planner")
        if who is None:
            return signin(request)
        cfg = config_of()
        site = next((s for s in cfg.sites if s.id == site_id), cfg.sites[0])
        with engine.connect() as conn:
            run_id = run_id or repo.latest_run_id(conn)
            shifts, acts = repo.read_shifts(conn, run_id) if run_id else (pd.DataFrame(), pd.DataFrame())
            agents = repo.read_agents(conn)
        team = set(agents.loc[agents["site_id"] == site.id, "id"]) if len(agents) else set()
        bars: dict[str, dict[str, list]] = {}
        days: list[str] = []
        if len(shifts):
            shifts = shifts[shifts["agent_id"].isin(team)]
            local_day = pd.DatetimeIndex(shifts["start"]).tz_convert(site.timezone).strftime("%Y-%m-%d")
            days = sorted(set(local_day))
            chosen = day if day in days else (days[0] if days else None)
            shifts = shifts[local_day == chosen]
            acts = acts.merge(shifts[["id", "agent_id"]], left_on="shift_id", right_on="id")
            for a in acts.sort_values(["agent_id", "start"]).itertuples():
                b = bars.setdefault(a.activity, {"y": [], "base": [], "x": [], "text": []})
                s0, s1 = a.start.tz_convert(site.timezone), a.end.tz_convert(site.timezone)
                b["y"].append(a.agent_id)
                b["base"].append(s0.strftime("%Y-%m-%dT%H:%M"))
                b["x"].append((s1 - s0).total_seconds() * 1000)
                b["text"].append(f"{a.activity} {s0:%H:%M}-{s1:%H:%M}")
            day = chosen
        traces = [dict(type="bar", orientation="h", name=k, marker={"color": ACTIVITY_COLOURS.get(k, "#6b7280")},
                       hoverinfo="text+y", textposition="none", **v) for k, v in sorted(bars.items())]
        return page("schedule.html", who=who, site=site, sites=[s.id for s in cfg.sites], run_id=run_id, day=day,
                    days=days, traces=json.dumps(traces), agents=len({y for v in bars.values() for y in v["y"]}))

    @app.get("/dashboard/desk", include_in_schema=False)
    def desk_page(request: Request, now: str | None = None, refresh_seconds: float = 5.0):
        who = caller(request, "admin", "planner", "desk")
        if who is None:
            return signin(request)
        cfg = config_of()
        return page("desk.html", who=who, now=now or "", queues=[q.id for q in cfg.queues],
                    refresh_ms=int(max(0.5, min(refresh_seconds, 300)) * 1000))
