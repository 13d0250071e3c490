"""Storage glue for the real-time package: adherence and service metrics of stored days.

Reads what a period needs (the latest schedule covering it, agent-state events, interval
actuals) and hands it to the pure functions of ``realtime``; nothing is computed here.
Days are local days of each agent's site (adherence) or each queue (service).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine

import realtime
from wfm.config import CentreConfig
from wfm.grid import describe_grid, intervals
from wfm.storage import repository as repo


@dataclass
class AdherenceReport:
    schedule_run: str | None
    per_agent: pd.DataFrame
    per_activity: pd.DataFrame
    exceptions: pd.DataFrame
    conformance: pd.DataFrame
    timeline: realtime.TimelineReport


def _utc_span(first: date, last: date, timezone: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    lo = pd.Timestamp(first, tz=timezone).tz_convert("UTC")
    hi = pd.Timestamp(last + timedelta(days=1), tz=timezone).tz_convert("UTC")
    return lo, hi


def adherence_report(engine: Engine, config: CentreConfig, first: date, last: date, *, grace_seconds: float = 0.0,
                     timezone: str | None = None) -> AdherenceReport:
    """Adherence, per-activity adherence, exceptions and conformance of every scheduled
    agent over the local days ``first``..``last`` (in ``timezone``, default the first site's)."""
    tz = timezone or config.sites[0].timezone
    lo, hi = _utc_span(first, last, tz)
    with engine.connect() as conn:
        run_id, schedule = repo.read_schedule(conn, lo.to_pydatetime(), hi.to_pydatetime())
        events = repo.read_agent_events(conn, (lo - pd.Timedelta(hours=12)).to_pydatetime(), hi.to_pydatetime())
        agents = repo.read_agents(conn)
    schedule = schedule[(schedule["end"] > lo) & (schedule["start"] < hi)]
    segments, trep = realtime.timelines(events, hi, config.state_map, known_agents=agents.get("id", []))
    available = [a.id for a in config.activity_codes if a.available]
    working = [a.id for a in config.activity_codes if a.available or a.productive]
    empty = pd.DataFrame()
    if schedule.empty:
        return AdherenceReport(run_id, empty, empty, empty, empty, trep)
    kw = dict(available_codes=available, grace_seconds=grace_seconds)
    per_agent = realtime.adherence(schedule, segments, by="day", timezone=tz, **kw)
    team = schedule.groupby("agent_id")["queue_id"].first()
    per_agent.insert(1, "queue_id", per_agent["agent_id"].map(team))
    conf = realtime.conformance(schedule, segments, working_codes=working)
    return AdherenceReport(run_id, per_agent, realtime.activity_adherence(schedule, segments, **kw),
                           realtime.exceptions(schedule, segments, **kw), conf, trep)


def service_report(engine: Engine, config: CentreConfig, first: date, last: date) -> pd.DataFrame:
    """Per queue over local days ``first``..``last``: offered, service level (on offered),
    abandon rate, ASA (answered), AHT from actuals; occupancy and utilisation from the agent
    timelines of the queue's agents (first skill); schedule realisation (both forms)."""
    from wfm.pipeline import QueuePlan, realisation_queue

    rows: list[dict[str, Any]] = []
    # the period's events only: UTC days padded by the widest timezone offsets, plus the
    # half-day before (a state entered the evening before still runs in the morning)
    pad_lo = pd.Timestamp(first, tz="UTC") - pd.Timedelta(hours=14 + 12)
    pad_hi = pd.Timestamp(last + timedelta(days=1), tz="UTC") + pd.Timedelta(hours=14)
    with engine.connect() as conn:
        agents = repo.read_agents(conn)
        events = repo.read_agent_events(conn, pad_lo.to_pydatetime(), pad_hi.to_pydatetime())
    primary = {a: (s[0] if len(s) else None) for a, s in zip(agents.get("id", []), agents.get("skills", []))}
    productive = {a.id for a in config.activity_codes if a.productive}
    available = {a.id for a in config.activity_codes if a.available}
    unpaid = {a.id for a in config.activity_codes if not a.paid}
    for q in config.queues:
        tz = config.queue_timezone(q.id)
        lo, hi = _utc_span(first, last, tz)
        with engine.connect() as conn:
            act = repo.read_actuals(conn, q.id, lo.to_pydatetime(), hi.to_pydatetime())
        row: dict[str, Any] = {"queue_id": q.id, "grid": describe_grid(q.interval_minutes, tz)}
        if len(act):
            m = realtime.rollup(act, by=np.zeros(len(act), int)).iloc[0]
            row.update(offered=m["offered"], service_level=m["service_level"], abandon_rate=m["abandon_rate"],
                       asa_seconds=m["asa_seconds"], aht_seconds=m["aht_seconds"])
        ev = events[events["agent_id"].map(primary) == q.id]
        ev = ev[(ev["timestamp"] >= lo - pd.Timedelta(hours=12)) & (ev["timestamp"] < hi)]
        segments, _ = realtime.timelines(ev, hi, config.state_map)
        if len(segments):
            idx = intervals(first, last + timedelta(days=1), tz, q.interval_minutes)
            ou = realtime.occupancy_utilisation(segments, idx, q.interval_minutes, productive=productive,
                                                available=available, unpaid=unpaid)
            prod, avail, paid = (ou[c].sum() for c in ("productive_seconds", "available_seconds", "paid_seconds"))
            if prod == 0 and len(act) and act["handle_seconds"].notna().any():
                # states without talk detail: productive time = the ACD's handle time (for chat,
                # ÷ the concurrency: sessions overlap on one agent)
                handle = float(act["handle_seconds"].sum())
                if str(q.channel) == "chat":
                    k = act["concurrency"].mean() if act["concurrency"].notna().any() else float(q.concurrency)
                    row["chat_concurrency"] = float(realtime.chat_concurrency(handle, avail)) if avail else np.nan
                    handle /= k
                prod = handle
                avail = max(avail - prod, 0.0)
                row["occupancy_basis"] = "ACD handle time / time in available states"
            else:
                row["occupancy_basis"] = "agent states"
            row.update(occupancy=prod / (prod + avail) if prod + avail > 0 else np.nan,
                       utilisation=(prod + avail) / paid if paid > 0 else np.nan)
            plan = QueuePlan(q, tz, last + timedelta(days=1), 1, act, (), 0, config.scheduling,
                             tuple(config.pipeline.realisation_band))
            real = realisation_queue(plan, segments, available)
            if len(real):
                real = real[(real["interval_start"] >= lo) & (real["interval_start"] < hi)]
                row.update(realisation=realtime.weighted_realisation(real["required_fte"], real["realisation"]),
                           realisation_in_band=realtime.band_share(real["in_band"]))
        rows.append(row)
    return pd.DataFrame(rows)


def accuracy_report(engine: Engine, config: CentreConfig, first: date, last: date, *, lead_days: int = 0,
                    band: tuple[float, float] = (0.10, 0.10), tolerance: float = 0.10) -> pd.DataFrame:
    """COPC Annex 2 forecast accuracy per queue over local days ``first``..``last``, of the
    newest stored forecast made at least ``lead_days`` before ``first``: volume and AHT
    WAPE / bias, staff forecast accuracy (daily mean absolute % deviation of required FTE
    hours), schedule forecast accuracy (share of intervals whose actual requirement lies
    within +``band[0]`` / −``band[1]`` of the forecast one), peak and steady-state arrival
    accuracy (± ``tolerance``). The actual requirement is the same model and targets applied
    to the actual volume and AHT."""
    from sqlalchemy import select

    from wfm.pipeline import requirement_of_actuals
    from wfm.storage import tables as t

    rows = []
    for q in config.queues:
        tz = config.queue_timezone(q.id)
        lo, hi = _utc_span(first, last, tz)
        made_by = pd.Timestamp(first - timedelta(days=lead_days), tz=tz).tz_convert("UTC")
        r, f = t.pipeline_runs.c, t.forecasts.c
        with engine.connect() as conn:
            run_id = conn.execute(
                select(r.id).join(t.forecasts, f.run_id == r.id).where(r.kind == "pipeline")
                .where(r.started_at <= made_by.to_pydatetime() if lead_days else True)
                .where(f.queue_id == q.id).where(f.kind == "forecast")
                .where(f.interval_start >= lo.to_pydatetime()).where(f.interval_start < hi.to_pydatetime())
                .order_by(r.started_at.desc()).limit(1)).scalar()
            if run_id is None:
                continue
            fc = repo.read_run_frame(conn, t.forecasts, run_id, q.id, kind="forecast")
            req = repo.read_run_frame(conn, t.requirements, run_id, q.id)
            act = repo.read_actuals(conn, q.id, lo.to_pydatetime(), hi.to_pydatetime())
        fc = fc[(fc["interval_start"] >= lo) & (fc["interval_start"] < hi)]
        both = fc.merge(act, on="interval_start", how="inner").merge(
            req[["interval_start", "agents_net"]], on="interval_start", how="left")
        if both.empty:
            continue
        handled = both["answered"].fillna(both["offered"])
        # forecast AHT and concurrency stand in where the actuals have none (columns _x: forecast)
        actual_req = requirement_of_actuals(both, q, tz, aht_fallback=both["aht_seconds"].to_numpy(),
                                            concurrency=both.get("concurrency_x", both.get("concurrency")))["agents_net"].to_numpy()
        local = pd.DatetimeIndex(both["interval_start"]).tz_convert(tz)
        day = np.asarray(local.date)
        vol = realtime.volume_errors(both["volume"], both["offered"])
        busy = handled > 0
        aht = realtime.volume_errors((both["aht_seconds"] * handled)[busy], both["handle_seconds"][busy].fillna(0))
        staff = realtime.staff_forecast_accuracy(both["agents_net"].fillna(0), actual_req, day)
        rows.append({"queue_id": q.id, "forecast_run": run_id, "intervals": len(both),
                     "volume_wape": vol["wape"], "volume_bias": vol["bias"], "aht_wape": aht["wape"],
                     "staff_forecast_deviation": staff.attrs["mean_deviation"],
                     "schedule_forecast_accuracy": realtime.schedule_forecast_accuracy(
                         both["agents_net"].fillna(0), actual_req, over=band[0], under=band[1]),
                     "peak_accuracy": realtime.peak_forecast_accuracy(both["volume"], both["offered"], day,
                                                                      tolerance=tolerance),
                     "steady_state_accuracy": realtime.steady_state_arrival_accuracy(
                         both["volume"], both["offered"], day, tolerance=tolerance)})
    return pd.DataFrame(rows)


def desk_from_store(engine: Engine, config: CentreConfig, day: date, until: pd.Timestamp | None = None
                    ) -> realtime.Desk:
    """A :class:`realtime.Desk` for a day: the latest schedule covering it, the newest
    pipeline run's requirements, and the day's actuals and agent events up to ``until``
    (default: now) — later events are fed with ``Desk.ingest`` as they arrive."""
    from wfm.storage import tables as t

    tz = config.sites[0].timezone
    lo, hi = _utc_span(day, day, tz)
    lo, hi = lo - pd.Timedelta(hours=14), hi + pd.Timedelta(hours=14)  # every site's local day
    with engine.connect() as conn:
        _, schedule = repo.read_schedule(conn, lo.to_pydatetime(), hi.to_pydatetime())
        agents = repo.read_agents(conn)
        run_id = repo.latest_run_id(conn)
        req = repo.read_run_frame(conn, t.requirements, run_id) if run_id else pd.DataFrame()
        actuals = pd.concat([repo.read_actuals(conn, q.id, lo.to_pydatetime(), hi.to_pydatetime())
                             for q in config.queues], ignore_index=True)
        upto = min(hi, pd.Timestamp.now(tz="UTC") if until is None else pd.Timestamp(until).tz_convert("UTC"))
        events = repo.read_agent_events(conn, lo.to_pydatetime(), upto.to_pydatetime())
    queue_of = {a: (s[0] if len(s) else None) for a, s in zip(agents.get("id", []), agents.get("skills", []))}
    desk = realtime.Desk(schedule, available_codes=[a.id for a in config.activity_codes if a.available],
                         state_map=config.state_map, requirements=req if len(req) else None,
                         actuals=actuals if len(actuals) else None, agent_queue=queue_of)
    desk.ingest(events)
    return desk
