"""The ``wfm`` command line."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Optional

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from wfm.config import EXAMPLE_TOML, ConfigError, load_config

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Workforce management engine for contact centres (COPC 2.4 / 2.5).")
console = Console()
err = Console(stderr=True)
WIDE = 160  # the run summary is a wide table: never squeeze it into 80 columns

DEFAULT_DIR = Path("wfm-data")
ConfigOpt = Annotated[Path, typer.Option("--config", "-c", help="centre TOML file")]
DbOpt = Annotated[Optional[str], typer.Option("--database-url", envvar="WFM_DATABASE_URL",
                                              help="SQLAlchemy URL (default: SQLite wfm-data/wfm.sqlite)")]


def _fail(message: str, code: int = 2) -> None:
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(code)


def _config(path: Path):
    try:
        return load_config(path)
    except ConfigError as exc:
        _fail(str(exc))


def _engine(url: str | None):
    from wfm.storage import connect

    try:
        return connect(url)
    except Exception as exc:  # noqa: BLE001 - connection problems are the user's to fix, no traceback
        _fail(f"cannot open database {url or 'wfm-data/wfm.sqlite'}: {type(exc).__name__}: {exc}")


@app.command()
def init(path: Annotated[Path, typer.Argument(help="where to write the example")] = Path("centre.toml"),
         force: bool = typer.Option(False, help="overwrite an existing file")) -> None:
    """Write a commented example centre configuration."""
    if path.exists() and not force:
        _fail(f"{path} exists; use --force to overwrite")
    path.write_text(EXAMPLE_TOML, encoding="utf-8")
    load_config(path)  # the example must always be valid
    console.print(f"wrote {path}")


@app.command()
def check(config: ConfigOpt = Path("centre.toml")) -> None:
    """Validate a centre configuration and list what it defines."""
    cfg = _config(config)
    console.print(f"{config}: valid — {len(cfg.sites)} site(s), {len(cfg.queues)} queue(s), "
                  f"{len(cfg.contracts)} contract(s), {len(cfg.agents)} agent(s), {len(cfg.mappings)} mapping(s)")


@app.command()
def sample(out: Annotated[Path, typer.Option(help="output folder")] = DEFAULT_DIR / "sample",
           seed: int = 42, weeks: int = 13,
           end: Annotated[Optional[str], typer.Option(help="last day of history + 1 (YYYY-MM-DD)")] = None) -> None:
    """Generate the seeded sample centre (config, ACD history, roster, agent events)."""
    from wfm.sample import DEFAULT_END, generate

    paths = generate(out, seed=seed, weeks=weeks, end=date.fromisoformat(end) if end else DEFAULT_END)
    for name, p in paths.items():
        console.print(f"{name:17} {p}")


@app.command("import")
def import_(kind: Annotated[str, typer.Argument(help="actuals | agent_events | roster")],
            files: Annotated[list[Path], typer.Argument(help="CSV (or .csv.gz, .xlsx) files")],
            config: ConfigOpt = Path("centre.toml"),
            mapping: Annotated[Optional[str], typer.Option(help="column mapping name from the config")] = None,
            dry_run: bool = typer.Option(False, "--dry-run", help="validate only, write nothing"),
            database_url: DbOpt = None) -> None:
    """Import files all-or-nothing (each file in one transaction); errors name line and column."""
    from wfm.importers import KINDS, import_file

    if kind not in KINDS:
        _fail(f"kind must be one of {', '.join(KINDS)}; got {kind!r}")
    cfg = _config(config)
    engine = _engine(database_url)
    failed = 0
    for f in files:
        try:
            report = import_file(engine, kind, f, cfg, mapping=mapping, dry_run=dry_run)
        except ValueError as exc:
            _fail(str(exc))
        (console if report.ok else err).print(report.summary(), highlight=False, markup=False)
        failed += not report.ok
    if failed:
        raise typer.Exit(1)


@app.command()
def run(config: ConfigOpt = Path("centre.toml"),
        start: Annotated[Optional[str], typer.Option(help="first planned day (default: day after history)")] = None,
        horizon_days: Annotated[Optional[int], typer.Option(help="days to plan")] = None,
        queue: Annotated[Optional[list[str]], typer.Option(help="only these queues (repeatable)")] = None,
        workers: Annotated[Optional[int], typer.Option(help="parallel queue tasks: local processes or Dask "
                                                             "workers (1 = in-process)")] = None,
        executor: Annotated[Optional[str], typer.Option(help="inline | processes | dask (default: "
                                                             "[pipeline] executor)")] = None,
        scheduler: Annotated[Optional[str], typer.Option(help="Dask scheduler address, e.g. tcp://host:8786 "
                                                              "(implies --executor dask)")] = None,
        resume: Annotated[Optional[str], typer.Option(help="finish an interrupted run (id from `wfm runs`) "
                                                           "without redoing its finished queues")] = None,
        database_url: DbOpt = None) -> None:
    """The overnight job: forecast → requirements → schedule → metrics for every queue."""
    from wfm.pipeline import run_pipeline

    cfg = _config(config)
    engine = _engine(database_url)
    if resume and (start or horizon_days or queue):
        _fail("--resume continues a run with its own start, horizon and queues; leave out --start, "
              "--horizon-days and --queue")
    if executor not in (None, "inline", "processes", "dask"):
        _fail(f"--executor {executor!r}: expected inline, processes or dask")
    try:
        result = run_pipeline(engine, cfg, start=date.fromisoformat(start) if start else None,
                              horizon_days=horizon_days, queue_ids=queue, workers=workers, executor=executor,
                              scheduler=scheduler, resume=resume, progress=True, log=console.print)
    except ValueError as exc:
        _fail(str(exc))
    except OSError as exc:  # e.g. no Dask scheduler at the address
        _fail(f"could not start or reach the executor: {exc}")
    _print_summary(result)
    if result.failures:
        raise typer.Exit(1)


def _fmt(v, pct: bool = False) -> str:
    if v is None or (isinstance(v, float) and v != v):
        return "—"
    return f"{v:.1%}" if pct else (f"{v:,.0f}" if isinstance(v, float) else str(v))


def _print_summary(result) -> None:
    table = Table(title=f"run {result.run_id}: {result.status}")
    for col in ("queue", "grid", "forecast contacts", "backtest WAPE", "pred. SL*", "gross req. h",
                "scheduled h", "open shifts", "realisation (a)", "in band (b)", "adherence"):
        table.add_column(col, justify="left" if col in ("queue", "grid") else "right", no_wrap=col in ("queue", "grid"))
    for qid, s in result.summary.items():
        table.add_row(qid, s.get("grid", ""), _fmt(s.get("forecast_volume")), _fmt(s.get("backtest_wape"), True),
                      _fmt(s.get("mean_predicted_sl"), True), _fmt(s.get("required_gross_hours")),
                      _fmt(s.get("scheduled_paid_hours")), _fmt(s.get("open_shifts")),
                      _fmt(s.get("realisation"), True), _fmt(s.get("realisation_in_band"), True),
                      _fmt(s.get("adherence"), True))
    wide = Console(width=max(console.width, WIDE))
    wide.print(table)
    wide.print("* service level on offered contacts (Erlang A or C, see the report), volume-weighted over the horizon; "
               "realisation: COPC form (a) weighted by required FTE, form (b) share of intervals in band.")
    for qid, msg in result.failures.items():
        err.print(f"[bold red]FAILED[/] {qid}: {msg}", highlight=False)


def _days(day: str | None, first: str | None, last: str | None) -> tuple[date, date]:
    try:
        if day:
            d = date.fromisoformat(day)
            return d, d
        if first and last:
            a, b = date.fromisoformat(first), date.fromisoformat(last)
            if b < a:
                _fail(f"--to {last} is before --from {first}")
            return a, b
    except ValueError as exc:
        _fail(f"dates must be YYYY-MM-DD: {exc}")
    _fail("give --day YYYY-MM-DD, or --from and --to")


def _pct(v) -> str:
    return "—" if v is None or v != v else f"{v:.1%}"


@app.command("adherence")
def adherence_cmd(config: ConfigOpt = Path("centre.toml"),
                  day: Annotated[Optional[str], typer.Option(help="one local day YYYY-MM-DD")] = None,
                  from_: Annotated[Optional[str], typer.Option("--from", help="first day")] = None,
                  to: Annotated[Optional[str], typer.Option(help="last day")] = None,
                  grace: Annotated[float, typer.Option(help="ignore exceptions shorter than this, seconds")] = 0.0,
                  top: Annotated[int, typer.Option(help="agents listed (lowest adherence first)")] = 15,
                  database_url: DbOpt = None) -> None:
    """Schedule adherence, per-activity adherence and conformance for a day or period."""
    from wfm.period_metrics import adherence_report

    cfg = _config(config)
    first, last = _days(day, from_, to)
    rep = adherence_report(_engine(database_url), cfg, first, last, grace_seconds=grace)
    if rep.per_agent.empty:
        _fail(f"no schedule stored for {first}..{last} (import one: wfm import schedule FILE)", 1)
    pa = rep.per_agent
    overall = pa["in_adherence_seconds"].sum() / pa["scheduled_seconds"].sum()
    wide = Console(width=max(console.width, WIDE))
    wide.print(f"Adherence {first}..{last} (schedule of run {rep.schedule_run}; grace {grace:g} s; "
               f"time in the scheduled activity / scheduled time): [bold]{overall:.1%}[/] over {pa['agent_id'].nunique()} "
               f"agents; conformance {rep.conformance['worked_seconds'].sum() / rep.conformance['scheduled_seconds'].sum():.1%}")
    by_activity = rep.per_activity.groupby("activity")[["scheduled_seconds", "missed_seconds", "outside_seconds"]].sum()
    by_activity["adherence"] = ((by_activity["scheduled_seconds"] - by_activity["missed_seconds"]
                                 - by_activity["outside_seconds"]) / by_activity["scheduled_seconds"]).clip(lower=0)
    table = Table(title="per activity (COPC form: scheduled − late/missed − overrun, ÷ scheduled)")
    for c in ("activity", "scheduled h", "adherence"):
        table.add_column(c)
    for act, r in by_activity.iterrows():
        table.add_row(act, f"{r['scheduled_seconds'] / 3600:,.1f}", _pct(r["adherence"]))
    wide.print(table)
    per = pa.groupby(["agent_id", "queue_id"])[["scheduled_seconds", "in_adherence_seconds"]].sum()
    per["adherence"] = per["in_adherence_seconds"] / per["scheduled_seconds"]
    table = Table(title=f"lowest {top} agents")
    for c in ("agent", "queue", "scheduled h", "adherence"):
        table.add_column(c)
    for (aid, qid), r in per.sort_values("adherence").head(top).iterrows():
        table.add_row(aid, qid, f"{r['scheduled_seconds'] / 3600:.1f}", _pct(r["adherence"]))
    wide.print(table)
    wide.print(f"{len(rep.exceptions)} out-of-adherence exception(s); events of unknown agents: "
               f"{sum(rep.timeline.unknown_agents.values())}; unmapped states: {rep.timeline.unknown_states or 'none'}")


@app.command("metrics")
def metrics_cmd(config: ConfigOpt = Path("centre.toml"),
                day: Annotated[Optional[str], typer.Option(help="one local day YYYY-MM-DD")] = None,
                from_: Annotated[Optional[str], typer.Option("--from", help="first day")] = None,
                to: Annotated[Optional[str], typer.Option(help="last day")] = None,
                lead_days: Annotated[int, typer.Option(help="forecast accuracy of forecasts made this many "
                                                            "days ahead")] = 0,
                database_url: DbOpt = None) -> None:
    """Service, staffing and forecast-accuracy metrics per queue for a day or period (COPC definitions)."""
    from wfm.period_metrics import service_report

    cfg = _config(config)
    first, last = _days(day, from_, to)
    df = service_report(_engine(database_url), cfg, first, last)
    table = Table(title=f"queues {first}..{last}")
    for c in ("queue", "grid", "offered", "SL (offered)", "abandon", "ASA s", "AHT s", "occupancy", "utilisation",
              "realisation (a)", "in band (b)"):
        table.add_column(c, no_wrap=c in ("queue", "grid"))
    for r in df.to_dict("records"):
        table.add_row(r["queue_id"], r["grid"], _fmt(r.get("offered")), _pct(r.get("service_level")),
                      _pct(r.get("abandon_rate")), _fmt(r.get("asa_seconds")), _fmt(r.get("aht_seconds")),
                      _pct(r.get("occupancy")), _pct(r.get("utilisation")), _pct(r.get("realisation")),
                      _pct(r.get("realisation_in_band")))
    wide = Console(width=max(console.width, WIDE))
    wide.print(table)
    wide.print("Service level and abandon rate on offered contacts; ASA over answered; AHT incl. after-call work; "
               "occupancy = productive / (productive + available); utilisation = (productive + available) / paid; "
               "realisation vs the requirement of the actual volume.")
    from wfm.period_metrics import accuracy_report

    acc = accuracy_report(_engine(database_url), cfg, first, last, lead_days=lead_days)
    if acc.empty:
        wide.print(f"forecast accuracy: no stored forecast covers {first}..{last}"
                   + (f" made {lead_days} day(s) ahead" if lead_days else ""))
        return
    table = Table(title=f"forecast accuracy (COPC Annex 2), forecasts made >= {lead_days} day(s) ahead")
    for c in ("queue", "run", "volume WAPE", "bias", "AHT WAPE", "staff dev. (daily)", "schedule acc. ±10%",
              "peak acc.", "steady-state acc."):
        table.add_column(c, no_wrap=c in ("queue", "run"))
    for r in acc.to_dict("records"):
        table.add_row(r["queue_id"], r["forecast_run"], _pct(r["volume_wape"]), _pct(r["volume_bias"]),
                      _pct(r["aht_wape"]), _pct(r["staff_forecast_deviation"]),
                      _pct(r["schedule_forecast_accuracy"]), _pct(r["peak_accuracy"]),
                      _pct(r["steady_state_accuracy"]))
    wide.print(table)


@app.command("backtest")
def backtest_cmd(config: ConfigOpt = Path("centre.toml"),
                 queue: Annotated[Optional[list[str]], typer.Option(help="only these queues (repeatable)")] = None,
                 origins: Annotated[int, typer.Option(help="rolling origins per horizon")] = 4,
                 model: Annotated[Optional[list[str]], typer.Option(
                     help="models to compare (repeatable; default: seasonal_naive, day_type_profile, auto)")] = None,
                 within: Annotated[float, typer.Option(help="tolerance of 'within' and peak accuracy (fraction)")] = 0.10,
                 out: Annotated[Path, typer.Option(help="folder for metrics, forecast-vs-actual CSV and plots")]
                 = DEFAULT_DIR / "backtest",
                 database_url: DbOpt = None) -> None:
    """Rolling-origin backtest of the volume forecast per queue (next day, next week): WAPE,
    bias, MAPE, % of intervals within ±x, daily MAPE, peak accuracy, interval coverage."""
    import forecasting
    from wfm.pipeline import to_queue_grid
    from wfm.storage import repository as repo

    cfg = _config(config)
    engine = _engine(database_url)
    models = tuple(model or ("seasonal_naive", "day_type_profile", "auto"))
    unknown = [m for m in models if m != "auto" and m not in forecasting.MODELS]
    if unknown:
        _fail(f"--model {unknown[0]!r}: expected auto or one of {', '.join(sorted(forecasting.MODELS))}")
    if origins < 1:
        _fail("--origins must be at least 1")
    wanted = queue or [q.id for q in cfg.queues]
    missing = [q for q in wanted if q not in {x.id for x in cfg.queues}]
    if missing:
        _fail(f"--queue {missing[0]!r} is not a queue of {config}")
    wide = Console(width=max(console.width, WIDE))
    for q in cfg.queues:
        if q.id not in wanted:
            continue
        tz = cfg.queue_timezone(q.id)
        with engine.connect() as conn:
            hist = repo.read_actuals(conn, q.id)
        if hist.empty:
            wide.print(f"{q.id}: no interval actuals stored; import history first (wfm import actuals …)")
            continue
        hist = to_queue_grid(hist, q.interval_minutes, tz)
        series = pd.Series(hist["offered"].to_numpy(float), index=pd.DatetimeIndex(hist["interval_start"]))
        local = series.index.tz_convert(tz)
        special = cfg.site(q.site).day_types(local.min().date(), local.max().date() + timedelta(days=8))
        try:
            bt = forecasting.backtest(series, timezone=tz, models=models, origins=origins, special_days=special,
                                      prior_factors=cfg.site(q.site).day_type_factors, within=within)
        except ValueError as exc:
            _fail(f"{q.id}: {exc}")
        folder = out / q.id
        folder.mkdir(parents=True, exist_ok=True)
        bt.metrics.to_csv(folder / "metrics.csv", index=False)
        bt.detail.to_csv(folder / "forecast_vs_actual.csv", index=False)
        plots = [bt.plot(folder / f"{h}.png", h) for h in bt.metrics["horizon"].unique()]
        table = Table(title=f"{q.id} — volume backtest, {q.interval_minutes}-min intervals, {tz}, "
                            f"{origins} origins per horizon")
        for c in ("horizon", "model", "WAPE", "bias", "MAPE (A>0)", f"within ±{within:.0%}", "daily MAPE",
                  "peak acc.", f"{bt.level:.0%} PI coverage"):
            table.add_column(c, no_wrap=True)
        for r in bt.metrics.to_dict("records"):
            table.add_row(r["horizon"], r["model"], _pct(r["wape"]), _pct(r["bias"]), _pct(r["mape_nonzero"]),
                          _pct(r["within_share"]), _pct(r["daily_mape"]), _pct(r["peak_accuracy"]),
                          _pct(r["pi_coverage"]))
        wide.print(table)
        wide.print(f"written: {folder / 'metrics.csv'}, {folder / 'forecast_vs_actual.csv'}, "
                   + ", ".join(str(p) for p in plots))
    wide.print("WAPE = Σ|F−A| ÷ ΣA; bias = Σ(F−A) ÷ ΣA; within = share of intervals with A inside F ± x "
               "(COPC schedule forecast accuracy, on volume); daily MAPE = COPC staff forecast accuracy form "
               "on daily volume; each origin refits on the history before it.")


@app.command("schedule")
def schedule_cmd(instance: Annotated[Path, typer.Option("--instance", help="wfm-bench-instance/1 JSON file")],
                 out: Annotated[Path, typer.Option("--out", help="where to write the wfm-bench-schedule/1 JSON")],
                 time_limit: Annotated[float, typer.Option("--time-limit", help="seconds, model building included")] = 60.0,
                 workers: Annotated[int, typer.Option(help="CP-SAT search workers")] = 8,
                 seed: Annotated[int, typer.Option(help="CP-SAT random seed")] = 0,
                 deterministic_time: Annotated[Optional[float], typer.Option(
                     help="CP-SAT deterministic seconds: reproducible search (same seed -> same schedule)")] = None,
                 ) -> None:
    """Solve a scheduling instance in the benchmark format (check it with evaluate.py)."""
    import json

    from scheduling import Instance, InstanceError, SolveOptions, solve

    try:
        inst = Instance.load(instance)
    except (OSError, InstanceError) as exc:
        _fail(f"{instance}: {exc}")
    sched = solve(inst, SolveOptions(time_limit_seconds=time_limit, workers=workers, seed=seed,
                                     deterministic_time=deterministic_time))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(sched.to_json(), indent=1))
    gap = (sched.objective - sched.bound) / sched.objective if sched.objective and sched.bound is not None else 0.0
    console.print(f"{inst.name}: {sched.status}, objective {sched.objective:g} (best bound {sched.bound or 0:g}, "
                  f"gap {gap:.1%}) in {sched.solve_seconds:.1f} s; {len(sched.shifts)} shift rows, "
                  f"{len(sched.unmet)} slots short -> {out}", highlight=False, soft_wrap=True)
    for k, v in sched.components.items():
        console.print(f"  {k:16s} {v:g}", highlight=False)
    for note in sched.notes:
        console.print(f"  note: {note}", highlight=False)


@app.command()
def runs(limit: int = 10, database_url: DbOpt = None) -> None:
    """List recent pipeline runs."""
    from wfm.storage import repository as repo

    engine = _engine(database_url)
    with engine.connect() as conn:
        df = repo.read_runs(conn, limit)
    table = Table()
    for c in ("id", "kind", "started_at", "status", "user", "host", "error"):
        table.add_column(c, no_wrap=c in ("id", "kind"))
    for r in df.itertuples():
        table.add_row(r.id, r.kind, f"{r.started_at:%Y-%m-%d %H:%M:%S %Z}", r.status, r.user, r.host,
                      (r.error or "")[:80])
    Console(width=max(console.width, WIDE)).print(table)


@app.command()
def report(run_id: Annotated[Optional[str], typer.Option("--run", help="run id (default: latest)")] = None,
           out: Annotated[Path, typer.Option(help="HTML file to write")] = DEFAULT_DIR / "report.html",
           config: ConfigOpt = Path("centre.toml"), database_url: DbOpt = None) -> None:
    """Render the HTML report of a run (forecast vs actual, required vs scheduled, realisation)."""
    from wfm.report import write_report

    cfg = _config(config)
    engine = _engine(database_url)
    try:
        path = write_report(engine, cfg, out, run_id)
    except ValueError as exc:
        _fail(str(exc))
    console.print(f"report: {path}")


@app.command()
def demo(out: Annotated[Path, typer.Option(help="working folder")] = DEFAULT_DIR,
         workers: Annotated[Optional[int], typer.Option(help="parallel processes")] = None,
         database_url: DbOpt = None) -> None:
    """The main job on the bundled sample: generate the sample centre, import it, run the
    overnight pipeline into the database, print the summary and write the HTML report."""
    from wfm.pipeline import run_pipeline
    from wfm.report import write_report
    from wfm.sample import generate, import_sample

    paths = generate(out / "sample")
    cfg = _config(paths["config"])
    engine = _engine(database_url)
    console.print(f"database: {engine.url.render_as_string(hide_password=True)}")
    for rep in import_sample(engine, cfg, paths["config"].parent):
        (console if rep.ok else err).print(rep.summary(), highlight=False, markup=False)
        if not rep.ok:
            raise typer.Exit(1)
    result = run_pipeline(engine, cfg, workers=workers, progress=True)
    _print_summary(result)
    path = write_report(engine, cfg, out / "report.html", result.run_id)
    console.print(f"report: {path}")
    if result.failures:
        raise typer.Exit(1)


keys_app = typer.Typer(no_args_is_help=True, help="API keys: create (shown once), list, revoke.")
app.add_typer(keys_app, name="keys")


@keys_app.command("create")
def keys_create(role: Annotated[str, typer.Option(help="admin | planner | desk | integration")],
                name: Annotated[str, typer.Option(help="who or what holds the key")],
                database_url: DbOpt = None) -> None:
    """Create an API key and print it (only its SHA-256 is stored: copy it now)."""
    from api.security import create_key

    engine = _engine(database_url)
    try:
        with engine.begin() as conn:
            key_id, key = create_key(conn, name, role)
    except ValueError as exc:
        _fail(str(exc))
    console.print(f"key {key_id} ({role}, {name}):")
    print(key)


@keys_app.command("list")
def keys_list(database_url: DbOpt = None) -> None:
    """The keys: id, holder, role, created, revoked (never the key itself)."""
    from api.security import list_keys

    engine = _engine(database_url)
    with engine.connect() as conn:
        for k in list_keys(conn):
            console.print(f"{k['id']}  {k['role']:<12} {k['name']:<30} created {k['created_at']:%Y-%m-%d %H:%M}"
                          + (f"  revoked {k['revoked_at']:%Y-%m-%d %H:%M}" if k["revoked_at"] else ""))


@keys_app.command("revoke")
def keys_revoke(key_id: str, database_url: DbOpt = None) -> None:
    """Revoke a key by id (it stays listed for the audit trail)."""
    from api.security import revoke_key

    engine = _engine(database_url)
    with engine.begin() as conn:
        if not revoke_key(conn, key_id):
            _fail(f"no active key with id {key_id!r} (wfm keys list shows them)")
    console.print(f"key {key_id} revoked")


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000, config: ConfigOpt = Path("wfm-data/sample/centre.toml"),
          database_url: DbOpt = None) -> None:
    """Serve the HTTP API (and /docs) with uvicorn."""
    import os

    import uvicorn

    if database_url:
        os.environ["WFM_DATABASE_URL"] = database_url
    os.environ["WFM_CONFIG"] = str(config)
    uvicorn.run("api.app:create_app", factory=True, host=host, port=port)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
