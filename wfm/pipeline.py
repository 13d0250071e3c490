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

import os
import time
import traceback
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
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

STAGES = ("forecast", "requirements", "schedule", "metrics")
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
    shifts_per_length: tuple[tuple[int, int], ...] = ()
    "shift length (minutes) -> most shifts of it the queue's rostered agents can work in the horizon"

    @property
    def grid(self) -> str:
        return describe_grid(self.queue.interval_minutes, self.timezone)


# -- pure stage functions -----------------------------------------------------------------

def to_queue_grid(actuals: pd.DataFrame, interval_minutes: int, timezone: str) -> pd.DataFrame:
    """Aggregate finer-grained actuals (e.g. 5-min exports) to the queue's interval: counts
    and times summed; shrinkage and concurrency averaged (weighted by offered)."""
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
    for c in ("shrinkage", "concurrency"):
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
        vol = forecasting.forecast(h["offered"], idx, timezone=tz, holidays=plan.holidays, level=PI_LEVEL)
        handled = h["answered"].fillna(h["offered"])
        if h["handle_seconds"].notna().any():
            aht = forecasting.forecast_aht(handled, h["handle_seconds"], idx, timezone=tz, holidays=plan.holidays)
        else:
            raise ValueError(f"queue {q.id}: history has no handle time, so AHT cannot be forecast "
                             "(import handle_seconds)")
        shrink = forecasting.forecast_slot_mean(h["shrinkage"], idx, timezone=tz,
                                                default=q.shrinkage if q.shrinkage is not None else 0.0)
        conc = forecasting.forecast_slot_mean(h["concurrency"], idx, timezone=tz, default=float(q.concurrency))
        return pd.DataFrame({
            "interval_start": idx.tz_convert("UTC"), "volume": vol["forecast"].to_numpy(),
            "volume_lower": vol["lower"].to_numpy(), "volume_upper": vol["upper"].to_numpy(),
            "aht_seconds": aht.to_numpy(), "shrinkage": shrink.clip(0, 0.95).to_numpy(),
            "concurrency": conc.to_numpy() if q.channel == "chat" else np.full(len(idx), float(q.concurrency)),
            "patience_seconds": q.patience_seconds, "model": f"{vol.attrs['model']} (PI {PI_LEVEL:.0%}); "
            "AHT: weighted 4-week slot average",
        })

    fc = predict(hist, index)
    detail: dict[str, Any] = {"grid": plan.grid, "history_intervals": int(len(hist)),
                              "holidays_excluded": [d.isoformat() for d in plan.holidays]}
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
        shifts, coverage, report = scheduling.design_horizon(
            required, local, q.interval_minutes, shift_lengths_minutes=rules.shift_lengths_minutes,
            start_step_minutes=rules.start_step_minutes, breaks=specs,
            weights=scheduling.Weights(rules.under_weight, rules.over_weight, 0, 0, rules.paid_minute_weight),
            options=scheduling.SolveOptions(rules.time_limit_seconds, rules.workers, rules.seed,
                                            rules.deterministic_time),
            open_mask=mask, shifts_per_length=dict(plan.shifts_per_length) or None)
    sdf, acts = scheduling.shifts_frames(shifts, local, q.interval_minutes, q.id)
    return {"shifts": sdf, "activities": acts, "coverage": coverage, "report": report,
            "service_level": scheduled_service_level(req, q, coverage)}


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


# -- orchestration --------------------------------------------------------------------------

@dataclass
class RunResult:
    run_id: str
    status: str
    summary: dict[str, dict[str, Any]] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)


def _plans(engine: Engine, config: CentreConfig, start: date | None, queue_ids: list[str] | None,
           horizon_days: int | None) -> tuple[list[QueuePlan], date]:
    rules = config.scheduling
    plans = []
    with engine.connect() as conn:
        roster = repo.read_agents(conn)
        if start is None:
            ends = [repo.actuals_span(conn, q.id)[1] for q in config.queues]
            ends = [e for e in ends if e is not None]
            if not ends:
                raise ValueError("no interval actuals stored: import history first (wfm import actuals FILE)")
            start = max(ends).date() + timedelta(days=1)
        for q in config.queues:
            if queue_ids and q.id not in queue_ids:
                continue
            tz = config.queue_timezone(q.id)
            hist_start = start - timedelta(weeks=config.pipeline.history_weeks)
            lo = pd.Timestamp(hist_start, tz=tz).tz_convert("UTC")
            hi = pd.Timestamp(start, tz=tz).tz_convert("UTC")
            history = repo.read_actuals(conn, q.id, lo.to_pydatetime(), hi.to_pydatetime())
            site = config.site(q.site)
            hol = tuple(sorted(site.holiday_dates(hist_start, start + timedelta(days=config.pipeline.horizon_days))))
            days = horizon_days or config.pipeline.horizon_days
            plans.append(QueuePlan(q, tz, start, days, history, hol, config.pipeline.backtest_days, rules,
                                   tuple(config.pipeline.realisation_band),
                                   _roster_capacity(config, roster, q.id, days)))
    if queue_ids:
        unknown = set(queue_ids) - {p.queue.id for p in plans}
        if unknown:
            raise ValueError(f"unknown queue(s) {sorted(unknown)}; configured: {[q.id for q in config.queues]}")
    return plans, start


def _roster_capacity(config: CentreConfig, roster: pd.DataFrame, queue_id: str, days: int
                     ) -> tuple[tuple[int, int], ...]:
    """Per allowed shift length (minutes), the most shifts of it the agents skilled for the
    queue can work over ``days`` (days per week × weeks; agents shared between queues are
    counted for each, so this is an upper bound). Empty without a roster."""
    contracts = {c.id: c for c in config.contracts}
    skilled = [contracts[c] for c, skills in zip(roster.get("contract_id", []), roster.get("skills", []))
               if c in contracts and queue_id in list(skills)]
    if not skilled:
        return ()
    weeks = -(-days // 7)
    return tuple((m, sum(c.days_per_week_max * weeks for c in skilled if m in c.shift_lengths_minutes))
                 for m in config.scheduling.shift_lengths_minutes)


class _Inline:
    """An executor that runs work in this process (tests, one worker)."""

    def submit(self, fn, *args):
        f: Future = Future()
        try:
            f.set_result(fn(*args))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller through the future
            f.set_exception(exc)
        return f

    def shutdown(self, wait=True):
        pass


def _timed(fn: Callable, *args):
    t0 = time.perf_counter()
    return fn(*args), time.perf_counter() - t0


def run_pipeline(engine: Engine, config: CentreConfig, *, start: date | None = None, horizon_days: int | None = None,
                 queue_ids: list[str] | None = None, workers: int | None = None, progress: bool = True,
                 log: Callable[[str], None] = lambda s: None) -> RunResult:
    """Run all stages for every queue and store the results under a new run id."""
    plans, start = _plans(engine, config, start, queue_ids, horizon_days)
    params = {"start": start.isoformat(), "horizon_days": horizon_days or config.pipeline.horizon_days,
              "queues": [p.queue.id for p in plans], "centre": config.centre.name,
              "history_weeks": config.pipeline.history_weeks, "workers": workers,
              "band": list(config.pipeline.realisation_band),
              "methods": {"forecast": "auto: lowest rolling-origin backtest WAPE among seasonal naive, recent "
                                      "same-slot average, daily total x intraday profile and their ensemble "
                                      "(local wall clock, holidays kept out of the pattern)",
                          "requirements": "Erlang A where the queue gives a patience (SL and abandon rate on "
                                          "offered), else Erlang C; gross = net/(1-shrinkage) rounded up",
                          "schedule": "greedy shift cover of gross requirement + rule-checked agent assignment",
                          "metrics": "schedule realisation (COPC forms a and b) vs the requirement of actuals"}}
    with engine.begin() as conn:
        repo.sync_config(conn, config)
        run_id = repo.start_run(conn, params)
    result = RunResult(run_id, "running")
    n_workers = workers or min(len(plans), os.cpu_count() or 1) or 1
    pool = _Inline() if n_workers <= 1 else ProcessPoolExecutor(max_workers=n_workers)
    alive = {p.queue.id: p for p in plans}
    summary: dict[str, dict[str, Any]] = {p.queue.id: {"grid": p.grid, "channel": str(p.queue.channel)} for p in plans}

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(TextColumn("{task.description:<13}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   disable=not progress, transient=False)

    def fail(qid: str, stage: str, exc: BaseException, seconds: float = 0.0) -> None:
        msg = f"{type(exc).__name__}: {exc}"
        result.failures[qid] = f"{stage}: {msg}"
        alive.pop(qid, None)
        with engine.begin() as conn:
            repo.record_stage(conn, run_id, qid, stage, "failed", seconds, error=msg + "\n" + "".join(
                traceback.format_exception(exc))[-4000:])
            for later in STAGES[STAGES.index(stage) + 1:]:
                repo.record_stage(conn, run_id, qid, later, "skipped", 0.0, error=f"{stage} failed")

    def stage(name: str, fn: Callable, args_of: Callable[[QueuePlan], tuple], store: Callable) -> dict[str, Any]:
        outputs: dict[str, Any] = {}
        task = bar.add_task(name, total=len(alive))
        futures = {qid: pool.submit(_timed, fn, *args_of(p)) for qid, p in list(alive.items())}
        for qid, fut in futures.items():
            try:
                value, seconds = fut.result()
            except Exception as exc:  # noqa: BLE001 - one queue failing must not stop the others
                fail(qid, name, exc)
            else:
                try:
                    with engine.begin() as conn:
                        rows, detail = store(conn, qid, value)
                        repo.record_stage(conn, run_id, qid, name, "succeeded", seconds, rows, detail)
                    outputs[qid] = value
                except Exception as exc:  # noqa: BLE001
                    fail(qid, name, exc, seconds)
            bar.advance(task)
        return outputs

    try:
        with bar:
            # 1. forecast
            def store_fc(conn, qid, out):
                q = alive[qid].queue
                rows = 0
                for kind in ("forecast", "backtest"):
                    f = out[kind]
                    if len(f):
                        rows += repo.upsert(conn, t.forecasts, f.assign(run_id=run_id, queue_id=qid, kind=kind,
                                                                        interval_minutes=q.interval_minutes))
                summary[qid].update(forecast_volume=float(out["forecast"]["volume"].sum()),
                                    backtest_wape=out["detail"].get("backtest_wape"))
                return rows, out["detail"]

            fcs = stage("forecast", forecast_queue, lambda p: (p,), store_fc)

            # 2. requirements
            def store_req(conn, qid, req):
                q = alive[qid].queue
                rows = repo.upsert(conn, t.requirements, req.assign(run_id=run_id, queue_id=qid,
                                                                    interval_minutes=q.interval_minutes))
                hours = q.interval_minutes / 60
                summary[qid].update(required_net_hours=float(req["agents_net"].sum() * hours),
                                    required_gross_hours=float(req["agents_gross"].sum() * hours),
                                    infeasible_intervals=int((~req["feasible"]).sum()),
                                    mean_predicted_sl=_weighted(req["service_level"], req["volume"]))
                return rows, {"model": str(req["model"].iloc[0]) if len(req) else None}

            reqs = stage("requirements", requirements_queue, lambda p: (p, fcs[p.queue.id]["forecast"]), store_req)

            # 3. schedule (cover in parallel, then agents assigned across queues in one place)
            def store_sched(conn, qid, out):
                sl = out["service_level"]
                summary[qid].update(scheduled_paid_hours=float(out["shifts"]["paid_seconds"].sum() / 3600),
                                    shifts=int(len(out["shifts"])),
                                    intervals_short=int((out["coverage"] < reqs[qid]["agents_gross"].to_numpy()).sum()),
                                    scheduled_sl=_weighted(pd.Series(sl), reqs[qid]["volume"]),
                                    scheduled_worst_sl=float(np.nanmin(sl)) if np.isfinite(sl).any() else None)
                return 0, {k: v for k, v in out["report"].items() if k in ("status", "objective", "bound",
                                                                            "slots_short", "notes", "solve_seconds")}

            scheds = stage("schedule", schedule_queue, lambda p: (p, reqs[p.queue.id]), store_sched)
            _assign_and_store(engine, config, run_id, scheds, summary, fail)

            # 4. metrics
            with engine.connect() as conn:
                lo = pd.Timestamp(start - timedelta(days=14)).tz_localize("UTC")
                events = repo.read_agent_events(conn, lo.to_pydatetime())
                agents = repo.read_agents(conn)
            day_end = pd.Timestamp(start).tz_localize("UTC") + pd.Timedelta(days=1)
            segments, trep = realtime.timelines(events, day_end, config.state_map)
            primary = {a: (s[0] if len(s) else None) for a, s in zip(agents.get("id", []), agents.get("skills", []))}
            available = {a.id for a in config.activity_codes if a.available}

            def store_real(conn, qid, real):
                if real.empty:
                    return 0, {"note": "no agent-state events for this queue's agents"}
                rows = repo.upsert(conn, t.realisation, real.assign(run_id=run_id, queue_id=qid,
                                                                   interval_minutes=alive[qid].queue.interval_minutes))
                summary[qid].update(realisation=realtime.weighted_realisation(real["required_fte"], real["realisation"]),
                                    realisation_in_band=realtime.band_share(real["in_band"]))
                return rows, {"timeline": {"duplicates_collapsed": trep.duplicates_collapsed,
                                           "unknown_states": trep.unknown_states,
                                           "closed_at_day_end": len(trep.closed_at_day_end)}}

            stage("metrics", realisation_queue,
                  lambda p: (p, segments[segments["agent_id"].map(primary) == p.queue.id], available), store_real)
            if len(events):
                _store_adherence(engine, config, run_id, events, start, summary, log)
    finally:
        pool.shutdown(wait=True)
    result.summary = summary
    result.status = "succeeded" if not result.failures else ("partial" if alive else "failed")
    with engine.begin() as conn:
        repo.finish_run(conn, run_id, result.status, summary=_jsonable(summary),
                        error="; ".join(f"{q}: {m}" for q, m in result.failures.items()) or None)
    return result


def _assign_and_store(engine: Engine, config: CentreConfig, run_id: str, scheds: dict[str, Any],
                      summary: dict[str, dict[str, Any]], fail: Callable) -> None:
    """Give shifts to rostered agents (one calendar across all queues) and store them."""
    contracts = {c.id: c for c in config.contracts}
    with engine.connect() as conn:
        roster = repo.read_agents(conn)

    agents = [scheduling.RosterAgent(r.id, r.site_id, tuple(r.skills), tuple(r.days_off), contracts[r.contract_id])
              for r in roster.itertuples() if r.contract_id in contracts]
    tz_of = {s.id: s.timezone for s in config.sites}
    booked: dict = {}
    rules = config.scheduling
    for qid, out in scheds.items():
        try:
            if rules.solver == "greedy":
                shifts, open_shifts = scheduling.assign_agents(out["shifts"], agents, tz_of, booked)
            else:
                shifts, open_shifts, penalties = scheduling.assign_roster(
                    out["shifts"], agents, tz_of, booked,
                    options=scheduling.SolveOptions(rules.time_limit_seconds, rules.workers, rules.seed,
                                                    rules.deterministic_time))
                summary[qid]["roster_penalties"] = penalties.to_dict("records")
            with engine.begin() as conn:
                repo.write_shifts(conn, run_id, shifts, out["activities"])
            summary[qid]["open_shifts"] = open_shifts
        except Exception as exc:  # noqa: BLE001
            fail(qid, "schedule", exc)


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
