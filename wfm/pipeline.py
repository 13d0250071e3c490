"""The overnight pipeline: forecast → requirements → schedule → metrics, for every queue.

Each stage is a plain function over DataFrames (documented columns below) run for all
queues in parallel (local processes; in-process with ``workers=1``). Results are stored
under one run id, each queue's stage in its own transaction, so one failing queue loses
nothing of the others; failures are recorded per queue and stage and the run ends
``partial`` (or ``failed`` when no queue succeeded).

Frames (one row per interval; ``interval_start`` tz-aware UTC):

* forecast: ``interval_start, volume, volume_lower, volume_upper, aht_seconds, shrinkage,
  concurrency, patience_seconds, model`` (``kind`` = forecast | backtest)
* requirements: see :data:`capacity.requirements.REQUIREMENT_COLUMNS`
* shifts: ``shift_key, queue_id, agent_id, start, end, paid_seconds``; activities:
  ``shift_key, start, end, activity``
* realisation: ``interval_start, required_fte, actual_fte, realisation, in_band, required_basis``
"""

from __future__ import annotations

import hashlib
import os
import time
import traceback
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any, Callable

import numpy as np
import pandas as pd
from sqlalchemy import Engine

import capacity
import forecasting
import realtime
import scheduling
from wfm.config import CentreConfig, SchedulingRules
from wfm.grid import describe_grid, intervals, open_mask
from wfm.model import Queue
from wfm.storage import repository as repo
from wfm.storage import tables as t

STAGES = ("forecast", "requirements", "schedule", "metrics", "roster")
PI_LEVEL = 0.8


@dataclass(frozen=True)
class QueuePlan:
    """Everything a worker needs for one queue (picklable)."""

    queue: Queue
    timezone: str
    start: date
    horizon_days: int
    history: pd.DataFrame
    holidays: tuple[date, ...]
    backtest_days: int
    rules: SchedulingRules
    band: tuple[float, float]
    special_days: tuple[tuple[date, str], ...] = ()
    "day types (holiday, holiday_eve, half_day, event…) the volume model learns and forecasts"
    day_type_factors: tuple[tuple[str, float], ...] = ()
    "the planner's factors for day types without history"
    contract_groups: tuple = ()
    "scheduling.ContractGroup per contract of the agents skilled for the queue (caps of the shift design)"

    @property
    def grid(self) -> str:
        return describe_grid(self.queue.interval_minutes, self.timezone)


# -- pure stage functions -----------------------------------------------------------------

def to_queue_grid(actuals: pd.DataFrame, interval_minutes: int, timezone: str) -> pd.DataFrame:
    """Aggregate finer-grained actuals (e.g. 5-min exports) to the queue's interval: counts
    and times summed; shrinkage (and its categories) and concurrency averaged (weighted by offered)."""
    if actuals.empty or (actuals["interval_minutes"] >= interval_minutes).all():
        return actuals
    local = pd.DatetimeIndex(actuals["interval_start"]).tz_convert(timezone)
    start = local.floor(f"{interval_minutes}min", ambiguous=np.asarray(local.map(lambda x: bool(x.dst()))),
                        nonexistent="shift_forward").tz_convert("UTC")
    sums = ["offered", "answered", "abandoned", "answered_within_threshold", "handle_seconds", "wait_seconds",
            "abandon_wait_seconds"]
    df = actuals.assign(interval_start=start)
    w = df["offered"].where(df["offered"] > 0, 1e-9)
    agg = df.groupby("interval_start")[sums].sum(min_count=1)
    for c in ("shrinkage", "shrinkage_planned", "shrinkage_unplanned", "concurrency"):
        if c not in df:
            continue
        num = (df[c] * w).groupby(df["interval_start"]).sum(min_count=1)
        agg[c] = num / w.groupby(df["interval_start"]).sum()
    agg["interval_minutes"] = interval_minutes
    agg["queue_id"] = actuals["queue_id"].iloc[0]
    return agg.reset_index()


def forecast_queue(plan: QueuePlan) -> dict[str, Any]:
    """Volume (model chosen by rolling-origin backtest, holidays excluded from the pattern), AHT (weighted slot average),
    shrinkage and concurrency (slot averages) for the horizon, plus a backtest of the last
    ``backtest_days`` of history. Returns ``forecast`` and ``backtest`` frames and a detail dict."""
    q, tz = plan.queue, plan.timezone
    hist = to_queue_grid(plan.history, q.interval_minutes, tz)
    if hist.empty:
        raise ValueError(f"queue {q.id}: no interval actuals before {plan.start}: import history first")
    hist = hist.set_index(pd.DatetimeIndex(hist["interval_start"]).tz_convert(tz))
    index = intervals(plan.start, plan.start + timedelta(days=plan.horizon_days), tz, q.interval_minutes)

    def predict(h: pd.DataFrame, idx: pd.DatetimeIndex) -> pd.DataFrame:
        vol = forecasting.forecast(h["offered"], idx, timezone=tz, holidays=plan.holidays, level=PI_LEVEL,
                                   special_days=dict(plan.special_days), prior_factors=dict(plan.day_type_factors))
        handled = h["answered"].fillna(h["offered"])
        if h["handle_seconds"].notna().any():
            aht = forecasting.forecast_aht(handled, h["handle_seconds"], idx, timezone=tz, holidays=plan.holidays)
        else:
            raise ValueError(f"queue {q.id}: history has no handle time, so AHT cannot be forecast "
                             "(import handle_seconds)")
        planned, unplanned = (h.get(c, pd.Series(np.nan, index=h.index)).astype(float)
                              for c in ("shrinkage_planned", "shrinkage_unplanned"))
        by_category = planned.notna().any() and unplanned.notna().any()
        if by_category:  # total = planned + unplanned forecasts, so the parts add up
            sp = forecasting.forecast_slot_mean(planned, idx, timezone=tz, default=0.0).clip(0, 0.95)
            su = forecasting.forecast_slot_mean(unplanned, idx, timezone=tz, default=0.0).clip(0, 0.95)
            shrink = (sp + su).clip(0, 0.95)
        else:
            shrink = forecasting.forecast_slot_mean(h["shrinkage"], idx, timezone=tz,
                                                    default=q.shrinkage if q.shrinkage is not None else 0.0)
        conc = forecasting.forecast_slot_mean(h["concurrency"], idx, timezone=tz, default=float(q.concurrency))
        connect = None
        if q.channel == "outbound" and q.outbound is not None:
            with np.errstate(divide="ignore", invalid="ignore"):
                rate = (h["answered"] / h["offered"]).where(h["offered"] > 0)
            connect = forecasting.forecast_slot_mean(rate, idx, timezone=tz, weights=h["offered"],
                                                     default=q.outbound.right_party_connect_rate).clip(0, 1)
        out = pd.DataFrame({
            "interval_start": idx.tz_convert("UTC"), "volume": vol["forecast"].to_numpy(),
            "volume_lower": vol["lower"].to_numpy(), "volume_upper": vol["upper"].to_numpy(),
            "aht_seconds": aht.to_numpy(), "shrinkage": shrink.clip(0, 0.95).to_numpy(),
            "concurrency": conc.to_numpy() if q.channel == "chat" else np.full(len(idx), float(q.concurrency)),
            "patience_seconds": q.patience_seconds, "model": f"{vol.attrs['description']} (PI {PI_LEVEL:.0%}); "
            "AHT: weighted 4-week slot average" + ("; shrinkage: planned + unplanned slot averages" if by_category
                                                   else "") + ("; connect rate: weighted slot average of "
                                                               "connects per attempt" if connect is not None else ""),
            "shrinkage_planned": sp.to_numpy() if by_category else np.nan,
            "shrinkage_unplanned": su.to_numpy() if by_category else np.nan,
            "connect_rate": connect.to_numpy() if connect is not None else np.nan,
        })
        out.attrs["volume_model"] = {"model": vol.attrs["model"], **vol.attrs["params"],
                                     "backtest_wape": {m: (round(float(w), 4) if np.isfinite(w) else None)
                                                       for m, w in vol.attrs["backtest_wape"].items()}}
        return out

    fc = predict(hist, index)
    detail: dict[str, Any] = {"grid": plan.grid, "history_intervals": int(len(hist)),
                              "holidays_excluded": [d.isoformat() for d in plan.holidays],
                              "volume_model": fc.attrs.get("volume_model", {})}
    backtest = pd.DataFrame()
    if plan.backtest_days > 0:
        cut = hist.index.max().normalize() - pd.Timedelta(days=plan.backtest_days - 1)
        train, test = hist[hist.index < cut], hist[hist.index >= cut]
        if len(train) and len(test):
            backtest = predict(train, pd.DatetimeIndex(test.index))
            actual = test["offered"].to_numpy(float)
            errors = realtime.volume_errors(backtest["volume"].to_numpy(), actual)
            detail["backtest_wape"] = errors["wape"] if np.isfinite(errors["wape"]) else None
            detail["backtest_bias"] = errors["bias"] if np.isfinite(errors["bias"]) else None
            inside = (actual >= backtest["volume_lower"].to_numpy()) & (actual <= backtest["volume_upper"].to_numpy())
            detail["backtest_pi_coverage"] = float(inside.mean())
            detail["backtest_days"] = plan.backtest_days
    return {"forecast": fc, "backtest": backtest, "detail": detail}


def requirements_queue(plan: QueuePlan, forecast: pd.DataFrame) -> pd.DataFrame:
    """Net and gross agents per interval (closed intervals need nobody)."""
    q = plan.queue
    local = pd.DatetimeIndex(forecast["interval_start"]).tz_convert(plan.timezone)
    mask = open_mask(local, q.open_hours, q.interval_minutes)
    return capacity.requirements(forecast, q, open_mask=mask, timezone=plan.timezone)


def schedule_queue(plan: QueuePlan, req: pd.DataFrame) -> dict[str, Any]:
    """Shifts with breaks covering the gross requirement: CP-SAT shift design over the whole
    horizon (or the greedy cover), and the service the schedule is predicted to give."""
    q, rules = plan.queue, plan.rules
    local = pd.DatetimeIndex(req["interval_start"]).tz_convert(plan.timezone)
    mask = open_mask(local, q.open_hours, q.interval_minutes)
    required = req["agents_gross"].to_numpy()
    if rules.solver == "greedy":
        greedy = scheduling.ShiftRules(tuple(rules.shift_lengths_minutes), rules.start_step_minutes,
                                       rules.lunch_minutes, rules.lunch_after_minutes)
        shifts, coverage = scheduling.cover(required, local, q.interval_minutes, greedy, mask)
        report: dict[str, Any] = {"status": "greedy cover"}
    else:
        if np.isnan(required).any():
            raise ValueError(f"{int(np.isnan(required).sum())} interval(s) have no requirement (NaN: targets no "
                             "staffing meets); fix the targets or set max_agents")
        specs = [scheduling.BreakSpec(rules.lunch_minutes, rules.lunch_earliest_offset_minutes,
                                      rules.lunch_latest_offset_minutes, rules.lunch_after_minutes, paid=False,
                                      activity="lunch")] if rules.lunch_minutes else []
        specs += [scheduling.BreakSpec(b.minutes, b.earliest_offset_minutes, b.latest_offset_minutes,
                                       b.min_shift_minutes, b.paid, b.activity) for b in rules.breaks]
        service = service_terms(plan, req, local) if rules.objective == "service" else None
        weights = scheduling.Weights(rules.under_weight, rules.over_weight, 0, 0, rules.paid_minute_weight) \
            if service is None else scheduling.Weights(0, 0, 0, 0, rules.paid_minute_weight or 1.0)
        shifts, coverage, report = scheduling.design_horizon(
            required, local, q.interval_minutes, shift_lengths_minutes=rules.shift_lengths_minutes,
            start_step_minutes=rules.start_step_minutes, breaks=specs, service=service,
            weights=weights,
            options=scheduling.SolveOptions(rules.time_limit_seconds, rules.workers, rules.seed,
                                            rules.deterministic_time),
            open_mask=mask,
            contract_groups=list(plan.contract_groups) or None)
    sdf, acts = scheduling.shifts_frames(shifts, local, q.interval_minutes, q.id)
    return {"shifts": sdf, "activities": acts, "coverage": coverage, "report": report,
            "service_level": scheduled_service_level(req, q, coverage)}


def service_terms(plan: QueuePlan, req: pd.DataFrame, local: pd.DatetimeIndex):
    """The service-aware objective of a real-time queue with a service-level target over its
    horizon (``[scheduling] objective = "service"``): expected late contacts per interval from
    the queue's model (Erlang A with a patience, else C), over *scheduled* agents (net =
    scheduled × (1 − shrinkage)), an interval floor and each local day's SL target; None for
    deferred and outbound work or queues without an SL target (they keep the cover objective)."""
    q, rules = plan.queue, plan.rules
    if str(q.channel) in ("email", "back_office", "outbound") or q.targets.service_level is None:
        return None
    vol = np.nan_to_num(req["volume"].to_numpy(float))
    obj = scheduling.service_objective(
        vol, np.where(vol > 0, req["aht_seconds"].to_numpy(float), 1.0), interval_minutes=q.interval_minutes,
        slots_per_day=len(vol), sl_threshold_seconds=q.targets.service_level_threshold_seconds or 0.0,
        model="erlang_a" if q.patience_seconds is not None else "erlang_c", patience_seconds=q.patience_seconds,
        concurrency=float(q.concurrency), interval_floor=rules.service_interval_floor,
        day_target=q.targets.service_level, weight_per_late_contact=rules.late_contact_weight)
    obj.day_of_slot = np.unique(np.asarray(local.date), return_inverse=True)[1]
    obj.available_share = 1.0 - np.nan_to_num(req["shrinkage"].to_numpy(float))
    return obj


def scheduled_service_level(req: pd.DataFrame, queue: Queue, scheduled: np.ndarray) -> np.ndarray:
    """Service level (on offered, 0–1) predicted per interval for the scheduled head-count:
    net agents = scheduled × (1 − shrinkage), the queue's model (Erlang A with a patience,
    else Erlang C); NaN for deferred and outbound work, 1 where nothing is offered."""
    if str(queue.channel) in ("email", "back_office", "outbound") or queue.targets.service_level is None:
        return np.full(len(req), np.nan)
    net = np.floor(np.asarray(scheduled, float) * (1 - req["shrinkage"].to_numpy(float)) + 1e-9)
    vol = req["volume"].to_numpy(float)
    model = "erlang_a" if queue.patience_seconds is not None else "erlang_c"
    m = capacity.queue_metrics(net, vol, np.where(vol > 0, req["aht_seconds"].to_numpy(float), 1.0),
                               interval_minutes=queue.interval_minutes, model=model,
                               patience_seconds=queue.patience_seconds, concurrency=float(queue.concurrency),
                               sl_threshold_seconds=queue.targets.service_level_threshold_seconds or 0.0)
    return np.where(vol > 0, m["service_level"].to_numpy(), 1.0)


def requirement_of_actuals(actuals: pd.DataFrame, queue: Queue, timezone: str, *, aht_fallback=None,
                           concurrency=None) -> pd.DataFrame:
    """The net requirement of what actually happened: the queue's model and targets applied
    to each interval's actual offered volume and AHT (handle time ÷ handled; where nothing
    was handled, ``aht_fallback`` or else the period's mean AHT), without shrinkage.
    ``actuals``: ``interval_start`` (UTC), ``offered``, ``answered``, ``handle_seconds``."""
    handled = actuals["answered"].fillna(actuals["offered"]).fillna(0)
    with np.errstate(divide="ignore", invalid="ignore"):
        aht = (actuals["handle_seconds"] / handled).where(handled > 0)
    aht = aht.fillna(pd.Series(aht_fallback, index=aht.index) if aht_fallback is not None else aht.mean()).fillna(1.0)
    local = pd.DatetimeIndex(actuals["interval_start"]).tz_convert(timezone)
    frame = pd.DataFrame({"interval_start": actuals["interval_start"].to_numpy(),
                          "volume": actuals["offered"].fillna(0).to_numpy(float), "aht_seconds": aht.to_numpy(),
                          "shrinkage": 0.0,
                          "concurrency": float(queue.concurrency) if concurrency is None
                          else np.asarray(concurrency, float)})
    return capacity.requirements(frame, queue, open_mask=open_mask(local, queue.open_hours, queue.interval_minutes),
                                 timezone=timezone)


def realisation_queue(plan: QueuePlan, segments: pd.DataFrame, available_codes: set[str]) -> pd.DataFrame:
    """Schedule realisation on the days with agent activity: actual = FTE in available
    activities (fractional by time), required = the net requirement (same model and targets
    as planning) recomputed from the **actual** volume and AHT of each interval."""
    q = plan.queue
    if segments.empty or plan.history.empty:
        return pd.DataFrame()
    hist = to_queue_grid(plan.history, q.interval_minutes, plan.timezone)
    first = segments["start"].min().tz_convert(plan.timezone).date()
    last = segments["end"].max().tz_convert(plan.timezone).date()
    index = intervals(first, min(last, plan.start - timedelta(days=1)) + timedelta(days=1), plan.timezone,
                      q.interval_minutes)
    if len(index) == 0:  # the agent events all lie on or after the planned days
        return pd.DataFrame()
    act = hist.set_index("interval_start").reindex(index.tz_convert("UTC")).rename_axis("interval_start")
    req = requirement_of_actuals(act.reset_index(), q, plan.timezone)
    avail = segments[segments["activity"].isin(available_codes)]
    actual = realtime.fte_per_interval(avail["start"], avail["end"], index, q.interval_minutes)
    out = realtime.interval_realisation(req["agents_net"].to_numpy(), actual, plan.band)
    out.insert(0, "interval_start", index.tz_convert("UTC"))
    family = str(req["model"].iloc[0]).split()[0].rstrip(";:")  # erlang_a / erlang_c / deferred / outbound
    out["required_basis"] = f"{family} on actual volume and AHT (net)"
    return out


# -- per-queue work (runs where the executor puts it: this process, a local process, a Dask worker) --

QUEUE_STAGES = STAGES[:-1]
"stages one queue's task runs on a worker; ``roster`` (agents across queues) runs centrally after them"
FORECAST_COLUMNS = ["interval_start", "volume", "volume_lower", "volume_upper", "aht_seconds", "shrinkage",
                    "concurrency", "patience_seconds", "model"]


@dataclass(frozen=True)
class QueueTask:
    """What a worker needs to find one queue's data and store its results (small, picklable):
    the plan without history (the worker reads it from the database), the run and the URL."""

    url: str
    run_id: str
    plan: QueuePlan
    history_from: datetime
    "UTC; history is [history_from, start of the horizon)"
    events_from: datetime
    "UTC; agent-state events used by the metrics stage"
    agent_ids: tuple[str, ...]
    "agents whose primary skill is this queue (their events make its schedule realisation)"
    state_map: tuple[tuple[str, str], ...]
    available_codes: frozenset[str]


_ENGINES: dict[str, Engine] = {}


def _engine_for(url: str) -> Engine:
    """One engine per database URL and process (workers keep theirs between tasks)."""
    if url not in _ENGINES:
        from wfm.storage import db

        _ENGINES[url] = db.create(url)
    return _ENGINES[url]


def _stage_status(conn, run_id: str, queue_id: str) -> dict[str, dict[str, Any]]:
    st = repo.read_stages(conn, run_id)
    st = st[st["queue_id"] == queue_id] if len(st) else st
    return {r.stage: {"status": r.status, "detail": r.detail or {}} for r in st.itertuples()}


def record_failure(conn, run_id: str, queue_id: str, stage: str, exc: BaseException, seconds: float = 0.0) -> str:
    """Record ``stage`` failed (with the traceback's tail) and the later stages skipped; returns the message."""
    msg = f"{type(exc).__name__}: {exc}"
    repo.record_stage(conn, run_id, queue_id, stage, "failed", seconds,
                      error=msg + "\n" + "".join(traceback.format_exception(exc))[-4000:])
    done = _stage_status(conn, run_id, queue_id)
    for later in STAGES[STAGES.index(stage) + 1:]:
        if done.get(later, {}).get("status") != "succeeded":
            repo.record_stage(conn, run_id, queue_id, later, "skipped", 0.0, error=f"{stage} failed")
    return msg


def run_queue(task: QueueTask) -> dict[str, Any]:
    """Forecast, requirements, schedule design and metrics of one queue, each stage stored
    with its record in one transaction (replacing rows of an earlier attempt, so a retried
    or resumed task never duplicates anything). Stages this run already stored are read
    back, not recomputed. Returns ``{"computed": [stages], "failed": None | (stage, message)}``."""
    engine = _engine_for(task.url)
    plan, qid, run_id = task.plan, task.plan.queue.id, task.run_id
    horizon_from = pd.Timestamp(plan.start, tz=plan.timezone).tz_convert("UTC").to_pydatetime()
    with engine.connect() as conn:
        done = {k for k, v in _stage_status(conn, run_id, qid).items() if v["status"] == "succeeded"}
        plan = replace(plan, history=repo.read_actuals(conn, qid, task.history_from, horizon_from))
    computed: list[str] = []
    memo: dict[str, Any] = {}

    def forecast_frame() -> pd.DataFrame:
        if "forecast" not in memo:
            with engine.connect() as conn:
                memo["forecast"] = repo.read_run_frame(conn, t.forecasts, run_id, qid, kind="forecast")[FORECAST_COLUMNS]
        return memo["forecast"]

    def requirements_frame() -> pd.DataFrame:
        if "requirements" not in memo:
            with engine.connect() as conn:
                memo["requirements"] = repo.read_run_frame(conn, t.requirements, run_id, qid)
        return memo["requirements"]

    def do_forecast(conn) -> tuple[int, dict]:
        out = forecast_queue(plan)
        memo["forecast"] = out["forecast"]
        frames = [out[k].assign(kind=k) for k in ("forecast", "backtest") if len(out[k])]
        rows = repo.replace_run_rows(conn, t.forecasts, run_id, qid, pd.concat(frames, ignore_index=True).assign(
            interval_minutes=plan.queue.interval_minutes))
        summary = {"forecast_volume": float(out["forecast"]["volume"].sum()),
                   "backtest_wape": out["detail"].get("backtest_wape")}
        return rows, dict(out["detail"], summary=summary)

    def do_requirements(conn) -> tuple[int, dict]:
        req = requirements_queue(plan, forecast_frame())
        memo["requirements"] = req
        q = plan.queue
        rows = repo.replace_run_rows(conn, t.requirements, run_id, qid, req.assign(interval_minutes=q.interval_minutes))
        hours = q.interval_minutes / 60
        summary = {"required_net_hours": float(req["agents_net"].sum() * hours),
                   "required_gross_hours": float(req["agents_gross"].sum() * hours),
                   "infeasible_intervals": int((~req["feasible"].astype(bool)).sum()),
                   "mean_predicted_sl": _weighted(req["service_level"], req["volume"])}
        return rows, {"model": str(req["model"].iloc[0]) if len(req) else None, "summary": summary}

    def do_schedule(conn) -> tuple[int, dict]:
        req = requirements_frame()
        out = schedule_queue(plan, req)
        sl = out["service_level"]
        repo.delete_shifts(conn, run_id, qid)
        rows = repo.write_shifts(conn, run_id, out["shifts"], out["activities"])  # designed, open until rostered
        summary = {"scheduled_paid_hours": float(out["shifts"]["paid_seconds"].sum() / 3600),
                   "shifts": int(len(out["shifts"])),
                   "intervals_short": int((out["coverage"] < req["agents_gross"].to_numpy()).sum()),
                   "scheduled_sl": _weighted(pd.Series(sl), req["volume"]),
                   "scheduled_worst_sl": float(np.nanmin(sl)) if np.isfinite(sl).any() else None}
        keep = ("status", "objective", "bound", "slots_short", "notes", "solve_seconds")
        return rows, dict({k: v for k, v in out["report"].items() if k in keep}, summary=summary)

    def do_metrics(conn) -> tuple[int, dict]:
        events = repo.read_agent_events(conn, task.events_from, agent_ids=task.agent_ids) if task.agent_ids \
            else pd.DataFrame(columns=["agent_id", "timestamp", "state", "reason_code"])
        day_end = pd.Timestamp(plan.start).tz_localize("UTC") + pd.Timedelta(days=1)
        segments, trep = realtime.timelines(events, day_end, dict(task.state_map))
        real = realisation_queue(plan, segments, set(task.available_codes))
        rows = repo.replace_run_rows(conn, t.realisation, run_id, qid,
                                     real.assign(interval_minutes=plan.queue.interval_minutes))
        if real.empty:
            return 0, {"note": "no agent-state events for this queue's agents", "summary": {}}
        summary = {"realisation": realtime.weighted_realisation(real["required_fte"], real["realisation"]),
                   "realisation_in_band": realtime.band_share(real["in_band"])}
        return rows, {"timeline": {"duplicates_collapsed": trep.duplicates_collapsed,
                                   "unknown_states": trep.unknown_states,
                                   "closed_at_day_end": len(trep.closed_at_day_end)}, "summary": summary}

    steps = {"forecast": do_forecast, "requirements": do_requirements, "schedule": do_schedule,
             "metrics": do_metrics}
    for name in QUEUE_STAGES:
        if name in done:
            continue
        t0 = time.perf_counter()
        try:
            with engine.begin() as conn:
                rows, detail = steps[name](conn)
                repo.record_stage(conn, run_id, qid, name, "succeeded", time.perf_counter() - t0, rows,
                                  _jsonable(detail))
            computed.append(name)
        except Exception as exc:  # noqa: BLE001 - recorded; the other queues go on
            with engine.begin() as conn:
                msg = record_failure(conn, run_id, qid, name, exc, time.perf_counter() - t0)
            return {"computed": computed, "failed": (name, msg)}
    return {"computed": computed, "failed": None}


# -- orchestration --------------------------------------------------------------------------

@dataclass
class RunResult:
    run_id: str
    status: str
    summary: dict[str, dict[str, Any]] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    computed: dict[str, list[str]] = field(default_factory=dict)
    "stages computed by this call per queue (a resumed run leaves out what was already stored)"


def _start_date(engine: Engine, config: CentreConfig) -> date:
    with engine.connect() as conn:
        ends = [repo.actuals_span(conn, q.id)[1] for q in config.queues]
    ends = [e for e in ends if e is not None]
    if not ends:
        raise ValueError("no interval actuals stored: import history first (wfm import actuals FILE)")
    return max(ends).date() + timedelta(days=1)


def _tasks(engine: Engine, config: CentreConfig, run_id: str, start: date, horizon_days: int,
           queue_ids: list[str]) -> dict[str, QueueTask]:
    """One task per queue: its plan (history left to the worker) and where to find its data."""
    url = engine.url.render_as_string(hide_password=False)
    with engine.connect() as conn:
        roster = repo.read_agents(conn)
    primary = {a: (s[0] if len(s) else None) for a, s in zip(roster.get("id", []), roster.get("skills", []))}
    events_from = (pd.Timestamp(start - timedelta(days=14)).tz_localize("UTC")).to_pydatetime()
    smap = tuple(sorted(config.state_map.items()))
    available = frozenset(a.id for a in config.activity_codes if a.available)
    tasks = {}
    for q in config.queues:
        if q.id not in queue_ids:
            continue
        tz = config.queue_timezone(q.id)
        hist_start = start - timedelta(weeks=config.pipeline.history_weeks)
        site = config.site(q.site)
        hol = tuple(sorted(site.holiday_dates(hist_start, start + timedelta(days=horizon_days))))
        plan = QueuePlan(q, tz, start, horizon_days, pd.DataFrame(), hol, config.pipeline.backtest_days,
                         config.scheduling, tuple(config.pipeline.realisation_band),
                         tuple(site.day_types(hist_start, start + timedelta(days=horizon_days + 1)).items()),
                         tuple(sorted(site.day_type_factors.items())), _contract_groups(config, roster, q.id))
        tasks[q.id] = QueueTask(url, run_id, plan, pd.Timestamp(hist_start, tz=tz).tz_convert("UTC").to_pydatetime(),
                                events_from, tuple(a for a, p in primary.items() if p == q.id), smap, available)
    return tasks


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _contract_groups(config: CentreConfig, roster: pd.DataFrame, queue_id: str) -> tuple:
    """Per contract, the agents skilled for the queue as a :class:`scheduling.ContractGroup`
    (available per weekday without their fixed days off, lengths, start window, days per
    week); an agent skilled for k queues counts 1/k here (rounded up per contract), so shared
    agents are not promised to every queue at once. Empty without a roster."""
    contracts = {c.id: c for c in config.contracts}
    counts: dict[str, np.ndarray] = {}
    agents: dict[str, float] = {}
    for c, skills, off in zip(roster.get("contract_id", []), roster.get("skills", []), roster.get("days_off", [])):
        if c not in contracts or queue_id not in list(skills):
            continue
        share = 1.0 / len(list(skills))  # an agent of k queues counts 1/k for each
        off = {str(x).lower()[:3] for x in (off or [])}
        counts[c] = counts.get(c, np.zeros(7)) + share * np.array([wd not in off for wd in WEEKDAYS], float)
        agents[c] = agents.get(c, 0.0) + share

    def minute(hhmm: str) -> int:
        h, m = hhmm.split(":")
        return int(h) * 60 + int(m)

    return tuple(scheduling.ContractGroup(int(np.ceil(agents[c] - 1e-9)), tuple(int(np.ceil(x - 1e-9)) for x in row),
                                          tuple(contracts[c].shift_lengths_minutes),
                                          minute(contracts[c].earliest_start), minute(contracts[c].latest_start),
                                          contracts[c].days_per_week_max) for c, row in sorted(counts.items()))


def config_fingerprint(config: CentreConfig) -> str:
    """SHA-256 of the configuration: a resumed run must plan with the configuration it started with."""
    return hashlib.sha256(config.model_dump_json().encode()).hexdigest()


def run_pipeline(engine: Engine, config: CentreConfig, *, start: date | None = None, horizon_days: int | None = None,
                 queue_ids: list[str] | None = None, workers: int | None = None, executor: str | None = None,
                 scheduler: str | None = None, resume: str | None = None, progress: bool = True,
                 log: Callable[[str], None] = lambda s: None,
                 on_progress: Callable[[str, float, str], None] = lambda run_id, done, what: None) -> RunResult:
    """Run all stages for every queue and store the results under a run id: a new run, or
    ``resume`` = the id of an interrupted (or partial) run, finishing only what it lacks.

    Per-queue work runs on ``executor`` (inline | processes | dask; default from the
    configuration, ``scheduler`` = a Dask scheduler address); agents are then given shifts
    across queues in this process (one calendar per agent). ``on_progress(run_id, fraction
    0-1, message)`` is called once the run id exists and as queues finish (background jobs)."""
    from wfm.executors import make_executor

    known = [q.id for q in config.queues]
    if resume:
        with engine.connect() as conn:
            run = repo.read_run(conn, resume)
        if run is None:
            raise ValueError(f"run {resume!r} not found (wfm runs lists them)")
        params = run["parameters"]
        if params.get("config_sha256") != config_fingerprint(config):
            raise ValueError(f"run {resume}: the configuration changed since it started; a resumed run must use "
                             "the same configuration (start a new run instead)")
        run_id, start = resume, date.fromisoformat(params["start"])
        days, queue_ids = int(params["horizon_days"]), list(params["queues"])
        with engine.begin() as conn:
            repo.reopen_run(conn, run_id)
    else:
        if queue_ids:
            unknown = sorted(set(queue_ids) - set(known))
            if unknown:
                raise ValueError(f"unknown queue(s) {unknown}; configured: {known}")
        queue_ids = [q for q in known if not queue_ids or q in queue_ids]
        start = start or _start_date(engine, config)
        days = horizon_days or config.pipeline.horizon_days
        rules = config.scheduling
        params = {"start": start.isoformat(), "horizon_days": days, "queues": queue_ids, "centre": config.centre.name,
                  "history_weeks": config.pipeline.history_weeks, "band": list(config.pipeline.realisation_band),
                  "config_sha256": config_fingerprint(config),
                  "methods": {"forecast": "auto: lowest rolling-origin backtest WAPE among seasonal naive, recent "
                                          "same-slot average, daily total x intraday profile and their ensemble "
                                          "(local wall clock, holidays kept out of the pattern)",
                              "requirements": "Erlang A where the queue gives a patience (SL and abandon rate on "
                                              "offered), else Erlang C; gross = net/(1-shrinkage) rounded up",
                              "schedule": ("greedy shift cover" if rules.solver == "greedy" else
                                           "CP-SAT shift design with breaks over the horizon ("
                                           + ("service objective: expected late contacts from the queueing model + "
                                              "paid minutes, interval floor, daily SL target"
                                              if rules.objective == "service" else
                                              "under/over-staffing weights from [scheduling]") + ")")
                                          + "; agents given shifts by contract rules",
                              "metrics": "schedule realisation (COPC forms a and b) vs the requirement of actuals"}}
        with engine.begin() as conn:
            repo.sync_config(conn, config)
            run_id = repo.start_run(conn, params)
    if str(engine.url).startswith("sqlite") and engine.url.database in (None, "", ":memory:"):
        executor = "inline"  # an in-memory database lives in this process only
    settings = config.pipeline
    kind = executor or ("dask" if (scheduler or settings.scheduler_address) else settings.executor)
    tasks = _tasks(engine, config, run_id, start, days, queue_ids)
    with engine.connect() as conn:
        before = repo.read_stages(conn, run_id)
    finished = set(before.loc[(before["stage"] == "metrics") & (before["status"] == "succeeded"), "queue_id"]) \
        if len(before) else set()
    todo = {q: task for q, task in tasks.items() if q not in finished}
    result = RunResult(run_id, "running")
    on_progress(run_id, 0.0, f"{len(todo)} queue(s) to plan" + (f", {len(finished)} already done" if finished else ""))
    _ENGINES.setdefault(engine.url.render_as_string(hide_password=False), engine)

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(TextColumn("{task.description:<13}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   disable=not progress, transient=False)
    pool = None
    try:
        with bar:
            if todo:
                pool = make_executor(kind, workers or settings.workers or min(len(todo), os.cpu_count() or 1),
                                     scheduler or settings.scheduler_address, settings.task_retries,
                                     key_prefix=f"wfm-{run_id}")
                log(f"run {run_id}: {len(todo)} queue(s) on {pool.name} ({pool.workers} worker(s))"
                    + (f"; {len(finished)} already done" if finished else ""))
                task_bar = bar.add_task("queues", total=len(todo))
                n_done = 0
                for qid, out, exc in pool.run(run_queue, todo):
                    if exc is not None:  # the task itself died (e.g. its worker kept dying): record it here
                        with engine.begin() as conn:
                            st = _stage_status(conn, run_id, qid)
                            stage = next(s for s in QUEUE_STAGES if st.get(s, {}).get("status") != "succeeded")
                            record_failure(conn, run_id, qid, stage, exc)
                    else:
                        result.computed[qid] = out["computed"]
                    bar.advance(task_bar)
                    n_done += 1
                    failed = exc is not None or out["failed"] is not None
                    on_progress(run_id, 0.9 * n_done / len(todo), f"queue {qid} {'failed' if failed else 'planned'} "
                                                                  f"({n_done}/{len(todo)})")
            on_progress(run_id, 0.9, "giving shifts to agents")
            _roster_and_store(engine, config, run_id, queue_ids, result, bar)
            summary = _summary(engine, run_id, tasks)
            with engine.connect() as conn:
                events = repo.read_agent_events(conn, pd.Timestamp(start - timedelta(days=14)).tz_localize("UTC"))
            if len(events):
                _store_adherence(engine, config, run_id, events, start, summary, log)
    except BaseException:
        with engine.begin() as conn:
            repo.finish_run(conn, run_id, "interrupted", error=f"interrupted: resume with `wfm run --resume {run_id}`")
        raise
    finally:
        if pool is not None:
            pool.close()
    with engine.connect() as conn:
        stages = repo.read_stages(conn, run_id)
    failed = stages[stages["status"] == "failed"]
    result.failures = {r.queue_id: f"{r.stage}: {str(r.error).splitlines()[0]}" for r in failed.itertuples()}
    result.summary = summary
    ok = [q for q in queue_ids if q not in result.failures]
    result.status = "succeeded" if not result.failures else ("partial" if ok else "failed")
    with engine.begin() as conn:
        repo.finish_run(conn, run_id, result.status, summary=_jsonable(summary),
                        error="; ".join(f"{q}: {m}" for q, m in result.failures.items()) or None)
    return result


def _summary(engine: Engine, run_id: str, tasks: dict[str, QueueTask]) -> dict[str, dict[str, Any]]:
    """Per queue: grid and channel, and what each stage stored in its record's summary."""
    with engine.connect() as conn:
        stages = repo.read_stages(conn, run_id)
    out = {q: {"grid": task.plan.grid, "channel": str(task.plan.queue.channel)} for q, task in tasks.items()}
    for r in stages.itertuples():
        if r.status == "succeeded" and r.queue_id in out:
            out[r.queue_id].update((r.detail or {}).get("summary", {}))
    return out


def _roster_and_store(engine: Engine, config: CentreConfig, run_id: str, queue_ids: list[str], result: RunResult,
                      bar) -> None:
    """Give the designed shifts of each queue to rostered agents (one calendar across all
    queues: shifts rostered earlier in this run are booked) and store who works which."""
    contracts = {c.id: c for c in config.contracts}
    with engine.connect() as conn:
        roster = repo.read_agents(conn)
        stages = repo.read_stages(conn, run_id)
        status = {(r.queue_id, r.stage): r.status for r in stages.itertuples()}
        rostered = {q for q in queue_ids if status.get((q, "roster")) == "succeeded"}
        booked: dict = {}
        for qid in rostered:  # a resumed run: shifts already given in it are booked
            given, _ = repo.read_shifts(conn, run_id, qid)
            for r in given[given["agent_id"].notna()].itertuples():
                booked.setdefault(r.agent_id, []).append((r.start, r.end))
    agents = [scheduling.RosterAgent(r.id, r.site_id, tuple(r.skills), tuple(r.days_off), contracts[r.contract_id])
              for r in roster.itertuples() if r.contract_id in contracts]
    tz_of = {s.id: s.timezone for s in config.sites}
    rules = config.scheduling
    todo = [q for q in queue_ids if status.get((q, "schedule")) == "succeeded" and q not in rostered]
    task = bar.add_task("roster", total=len(todo))
    for qid in todo:
        t0 = time.perf_counter()
        try:
            with engine.connect() as conn:
                shifts, _ = repo.read_shifts(conn, run_id, qid)
            shifts = shifts.rename(columns={"id": "shift_key"}).drop(columns=["run_id"])
            detail: dict[str, Any] = {}
            if rules.solver == "greedy":
                out, open_shifts = scheduling.assign_agents(shifts, agents, tz_of, booked)
            else:
                out, open_shifts, penalties = scheduling.assign_roster(
                    shifts, agents, tz_of, booked,
                    options=scheduling.SolveOptions(rules.time_limit_seconds, rules.workers, rules.seed,
                                                    rules.deterministic_time))
                # open shifts are counted in open_shifts; the penalties name agents and weeks
                detail["roster_penalties"] = penalties[penalties["rule"] != "open_shift"].to_dict("records")
            with engine.begin() as conn:
                repo.set_shift_agents(conn, dict(zip(out["shift_key"], out["agent_id"])))
                repo.record_stage(conn, run_id, qid, "roster", "succeeded", time.perf_counter() - t0,
                                  len(out) - open_shifts, _jsonable({"summary": dict(detail, open_shifts=open_shifts)}))
            result.computed.setdefault(qid, []).append("roster")
        except Exception as exc:  # noqa: BLE001 - one queue's roster failing must not stop the others
            with engine.begin() as conn:
                record_failure(conn, run_id, qid, "roster", exc, time.perf_counter() - t0)
        bar.advance(task)


def _store_adherence(engine: Engine, config: CentreConfig, run_id: str, events: pd.DataFrame, start: date,
                     summary: dict[str, dict[str, Any]], log: Callable[[str], None]) -> None:
    """Adherence per agent and local day for the days with agent events before ``start``,
    against the latest stored schedule of those days (stored under this run)."""
    from wfm.period_metrics import adherence_report

    with engine.connect() as conn:
        agents = repo.read_agents(conn)
    site_of = dict(zip(agents["id"], agents["site_id"]))
    last = start - timedelta(days=1)
    rows = []
    for site in config.sites:
        first = events["timestamp"].min().tz_convert(site.timezone).date()
        rep = adherence_report(engine, config, first, last, timezone=site.timezone)
        if rep.per_agent.empty:
            continue
        mine = rep.per_agent[rep.per_agent["agent_id"].map(site_of) == site.id]
        rows.append(mine.assign(day=mine["day"].astype(str), schedule_run_id=rep.schedule_run))
    if not rows:
        log("adherence: no stored schedule covers the days with agent events")
        return
    frame = pd.concat(rows, ignore_index=True)
    with engine.begin() as conn:
        repo.upsert(conn, t.adherence_daily, frame.assign(run_id=run_id))
    for qid, grp in frame.groupby("queue_id"):
        if qid in summary:
            summary[qid]["adherence"] = float(grp["in_adherence_seconds"].sum() / grp["scheduled_seconds"].sum())


def _weighted(values: pd.Series, weights: pd.Series) -> float | None:
    v, w = values.to_numpy(float), weights.to_numpy(float)
    ok = np.isfinite(v) & (w > 0)
    return float(np.sum(v[ok] * w[ok]) / np.sum(w[ok])) if ok.any() else None


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, (np.floating, float)):
        return None if not np.isfinite(obj) else float(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    return obj
