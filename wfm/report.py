"""HTML report of a pipeline run: summary, forecast vs actual, required vs scheduled staff,
schedule realisation. Self-contained file (plots embedded as PNG)."""

from __future__ import annotations

import base64
import io
from datetime import timedelta
from pathlib import Path
from typing import Any

import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy import Engine

from wfm.config import CentreConfig
from wfm.grid import describe_grid
from wfm.storage import repository as repo
from wfm.storage import tables as t


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def queue_frames(conn, cfg: CentreConfig, run_id: str, qid: str) -> dict[str, Any]:
    """What a run says about one queue, ready to plot (``interval_start`` UTC; closed hours put
    back as gaps so lines do not bridge the nights): ``forecast`` (+ prediction interval),
    ``backtest``, ``actual`` (the 14 days of history before the horizon), ``requirements``
    with ``scheduled`` (agents on contacts, breaks excluded), ``realisation``, ``shifts``."""
    from scheduling import coverage_from_activities

    q = cfg.queue(qid)
    tz = cfg.queue_timezone(qid)
    out: dict[str, Any] = {"id": qid, "name": q.name or qid, "channel": str(q.channel), "timezone": tz,
                           "interval_minutes": q.interval_minutes, "grid": describe_grid(q.interval_minutes, tz)}
    fc = repo.read_run_frame(conn, t.forecasts, run_id, qid, kind="forecast")
    out["forecast"] = fc
    if fc.empty:
        return out

    def with_gaps(frame: pd.DataFrame) -> pd.DataFrame:
        if frame.empty:
            return frame
        full = pd.date_range(frame["interval_start"].min(), frame["interval_start"].max(),
                             freq=f"{q.interval_minutes}min")
        return frame.set_index("interval_start").reindex(full).rename_axis("interval_start").reset_index()

    start = fc["interval_start"].min()
    out["actual"] = with_gaps(repo.read_actuals(conn, qid, (start - timedelta(days=14)).to_pydatetime(),
                                                start.to_pydatetime()))
    out["backtest"] = with_gaps(repo.read_run_frame(conn, t.forecasts, run_id, qid, kind="backtest"))
    req = repo.read_run_frame(conn, t.requirements, run_id, qid)
    shifts, acts = repo.read_shifts(conn, run_id, qid)
    if len(req):
        idx = pd.DatetimeIndex(req["interval_start"])
        req["scheduled"] = coverage_from_activities(acts, idx, q.interval_minutes) if len(acts) else 0.0
    out["requirements"], out["shifts"], out["activities"] = req, shifts, acts
    out["realisation"] = repo.read_run_frame(conn, t.realisation, run_id, qid)
    return out


def _queue_plots(conn, cfg: CentreConfig, run_id: str, qid: str) -> dict[str, Any]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    f = queue_frames(conn, cfg, run_id, qid)
    out = {k: f[k] for k in ("id", "name", "channel", "grid")}
    fc = f["forecast"]
    if fc.empty:
        return out
    tz, grid, minutes = f["timezone"], f["grid"], f["interval_minutes"]
    actual, bt, req, real = f["actual"], f["backtest"], f["requirements"], f["realisation"]

    def local(s: pd.Series) -> pd.DatetimeIndex:
        return pd.DatetimeIndex(s).tz_convert(tz).tz_localize(None)

    fig, ax = plt.subplots(figsize=(12, 3.4))
    if len(actual):
        ax.plot(local(actual["interval_start"]), actual["offered"], lw=0.8, color="#333", label="actual offered")
    if len(bt):
        ax.plot(local(bt["interval_start"]), bt["volume"], lw=0.8, color="#e67e22", label="backtest forecast")
    ax.plot(local(fc["interval_start"]), fc["volume"], lw=0.9, color="#2463eb", label="forecast")
    ax.fill_between(local(fc["interval_start"]), fc["volume_lower"], fc["volume_upper"], color="#2463eb",
                    alpha=0.15, step=None, label="80% prediction interval")
    ax.set_ylabel(f"contacts per {minutes} min")
    ax.set_title(f"{qid}: forecast vs actual ({grid}, local time)")
    ax.legend(loc="upper left", fontsize=8, ncols=4)
    out["forecast_png"] = _png(fig)

    if len(req):
        shifts = f["shifts"]
        fig, ax = plt.subplots(figsize=(12, 3.4))
        x = local(req["interval_start"])
        ax.step(x, req["agents_net"], where="post", lw=0.9, color="#16a34a", label="required net (on contacts)")
        ax.step(x, req["agents_gross"], where="post", lw=0.9, color="#dc2626", label="required gross (+ shrinkage)")
        ax.step(x, req["scheduled"], where="post", lw=0.9, color="#7c3aed", label="scheduled (lunches excluded)")
        ax.set_ylabel("agents")
        ax.set_title(f"{qid}: required vs scheduled staff ({grid}, local time)")
        ax.legend(loc="upper left", fontsize=8, ncols=3)
        out["staff_png"] = _png(fig)
        out["shifts"] = len(shifts)
        out["open_shifts"] = int(shifts["agent_id"].isna().sum()) if len(shifts) else 0
        out["model"] = req["model"].iloc[0]
    if len(real):
        fig, ax = plt.subplots(figsize=(12, 3.0))
        x = local(real["interval_start"])
        ax.step(x, real["required_fte"], where="post", lw=0.9, color="#16a34a", label="required FTE (from actuals)")
        ax.step(x, real["actual_fte"], where="post", lw=0.9, color="#0891b2", label="actual FTE (agent states)")
        ax.set_ylabel("FTE")
        ax.set_title(f"{qid}: schedule realisation ({grid}, local time)")
        ax.legend(loc="upper left", fontsize=8, ncols=2)
        out["realisation_png"] = _png(fig)
    return out


def write_report(engine: Engine, cfg: CentreConfig, path: str | Path, run_id: str | None = None) -> Path:
    """Render the report of ``run_id`` (default: the latest finished run) to ``path``."""
    path = Path(path)
    with engine.connect() as conn:
        run_id = run_id or repo.latest_run_id(conn)
        if run_id is None:
            raise ValueError("no finished pipeline run in the database: run `wfm run` first")
        run = repo.read_run(conn, run_id)
        if run is None:
            raise ValueError(f"unknown run id {run_id!r} (see `wfm runs`)")
        stages = repo.read_stages(conn, run_id)
        queues = [_queue_plots(conn, cfg, run_id, qid) for qid in run["parameters"].get("queues", [])
                  if qid in {q.id for q in cfg.queues}]
    env = Environment(loader=PackageLoader("wfm", "templates"), autoescape=select_autoescape())
    html = env.get_template("report.html").render(run=run, stages=stages.to_dict("records"), queues=queues,
                                                  summary=run.get("summary") or {}, centre=cfg.centre.name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    return path
