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
    import scheduling

    rows: list[dict[str, Any]] = []
    with engine.connect() as conn:
        agents = repo.read_agents(conn)
        events = repo.read_agent_events(conn)
    primary = {a: (s[0] if len(s) else None) for a, s in zip(agents.get("id", []), agents.get("skills", []))}
    productive = {a.id for a in config.activity_codes if a.productive}
    available = {a.id for a in config.activity_codes if a.available}
    unpaid = {a.id for a in config.activity_codes if not a.paid}
    for q in config.queues:
        tz = config.queue_timezone(q.id)
        lo, hi = _utc_span(first, last, tz)
        with engine.connect() as conn:
            act = repo.read_actuals(conn, q.id, lo.to_pydatetime(), hi.to_pydatetime())
        row: dict[str, Any] = {"queue_id": q.id, "grid": f"{q.interval_minutes}-min intervals, {tz}"}
        if len(act):
            m = realtime.rollup(act, by=np.zeros(len(act), int)).iloc[0]
            row.update(offered=m["offered"], service_level=m["service_level"], abandon_rate=m["abandon_rate"],
                       asa_seconds=m["asa_seconds"], aht_seconds=m["aht_seconds"])
        ev = events[events["agent_id"].map(primary) == q.id]
        ev = ev[(ev["timestamp"] >= lo - pd.Timedelta(hours=12)) & (ev["timestamp"] < hi)]
        segments, _ = realtime.timelines(ev, hi, config.state_map)
        if len(segments):
            from wfm.grid import intervals

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
            plan = QueuePlan(q, tz, last + timedelta(days=1), 1, act, (), 0, scheduling.ShiftRules(),
                             tuple(config.pipeline.realisation_band))
            real = realisation_queue(plan, segments, available)
            if len(real):
                real = real[(real["interval_start"] >= lo) & (real["interval_start"] < hi)]
                row.update(realisation=realtime.weighted_realisation(real["required_fte"], real["realisation"]),
                           realisation_in_band=realtime.band_share(real["in_band"]))
        rows.append(row)
    return pd.DataFrame(rows)
