"""Reading and writing the store. Pure I/O: no computation lives here.

All functions take a SQLAlchemy ``Connection`` so callers control the transaction
(imports and pipeline stages write all-or-nothing).
"""

from __future__ import annotations

import getpass
import json
import socket
import uuid
from datetime import datetime, timezone
from typing import Any, Iterable

import numpy as np
import pandas as pd
from sqlalchemy import JSON, Connection, String, Table, bindparam, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from wfm.config import CentreConfig
from wfm.storage import tables as t

BATCH_ROWS = 10_000
JSON_TYPES = (JSON,)


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


def _records(df: pd.DataFrame, columns: Iterable[str]) -> list[dict[str, Any]]:
    """DataFrame -> list of dicts with NaN/NaT turned into None and numpy scalars into Python."""
    cols = list(columns)
    out = df[cols].astype(object).where(df[cols].notna(), None)
    records = out.to_dict("records")
    for r in records:
        for k, v in r.items():
            if isinstance(v, np.generic):
                r[k] = v.item()
    return records


def _insert_fn(conn: Connection):
    insert = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}.get(conn.dialect.name)
    if insert is None:
        raise NotImplementedError(f"upsert is implemented for SQLite and PostgreSQL, not {conn.dialect.name}")
    return insert


def _upsert_statement(conn: Connection, table: Table, present: Iterable[str]):
    keys = [c.name for c in table.primary_key.columns]
    stmt = _insert_fn(conn)(table)
    present = set(present)
    updates = {c.name: stmt.excluded[c.name] for c in table.columns if c.name not in keys and c.name in present}
    return stmt.on_conflict_do_update(index_elements=keys, set_=updates) if updates else stmt.on_conflict_do_nothing()


def upsert(conn: Connection, table: Table, rows: list[dict[str, Any]] | pd.DataFrame) -> int:
    """Insert rows, replacing any with the same primary key (idempotent writes). Returns row count.

    DataFrames take a bulk path: values are converted column-wise once (timestamps to the
    dialect's UTC form) and sent with one driver ``executemany`` per batch."""
    if isinstance(rows, pd.DataFrame):
        return _bulk_upsert(conn, table, rows)
    if not rows:
        return 0
    stmt = _upsert_statement(conn, table, rows[0])
    for i in range(0, len(rows), BATCH_ROWS):
        conn.execute(stmt, rows[i : i + BATCH_ROWS])
    return len(rows)


def _column_values(conn: Connection, table: Table, df: pd.DataFrame) -> dict[str, list[Any]]:
    """Column name -> Python values ready for the driver (timestamps in the dialect's UTC form,
    JSON as text, NaN/NaT as None), for the columns of ``table`` present in ``df``."""
    sqlite_text = conn.dialect.name == "sqlite"
    values: dict[str, list[Any]] = {}
    for c in table.columns:
        if c.name not in df.columns:
            continue
        series = df[c.name]
        if isinstance(c.type, t.UTCDateTime):
            ts = pd.to_datetime(series)
            if ts.dt.tz is None:
                raise ValueError(f"column {c.name}: naive timestamps cannot be stored; they must be timezone-aware")
            ts = ts.dt.tz_convert("UTC")
            # SQLite: the exact text SQLAlchemy's DateTime writes, so keys compare equal either way
            vals = (ts.dt.strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite_text else pd.Series(ts.dt.to_pydatetime(),
                                                                                         index=ts.index))
            values[c.name] = vals.astype(object).where(ts.notna(), None).tolist()
        elif isinstance(c.type, JSON_TYPES):
            values[c.name] = [None if v is None else json.dumps(v) for v in series.tolist()]
        else:
            obj = series.astype(object).where(series.notna(), None)
            values[c.name] = [v.item() if isinstance(v, np.generic) else v for v in obj.tolist()]
            limit = getattr(c.type, "length", None)
            if limit and isinstance(c.type, String):  # SQLite would accept it silently, PostgreSQL not
                too_long = [v for v in values[c.name] if isinstance(v, str) and len(v) > limit]
                if too_long:
                    raise ValueError(f"{table.name}.{c.name}: value longer than {limit} characters: {too_long[0]!r}")
    return values


def _bulk_upsert(conn: Connection, table: Table, df: pd.DataFrame) -> int:
    if df.empty:
        return 0
    names = [c.name for c in table.columns if c.name in df.columns]
    if conn.dialect.name != "sqlite" and any(isinstance(table.c[n].type, JSON_TYPES) for n in names):
        return upsert(conn, table, _records(df, names))  # small tables: let SQLAlchemy adapt JSON
    compiled = _upsert_statement(conn, table, names).compile(dialect=conn.dialect, column_keys=names)
    return _executemany(conn, compiled, names, _column_values(conn, table, df))


def _executemany(conn: Connection, compiled, names: list[str], values: dict[str, list[Any]]) -> int:
    if compiled.positional:
        params: list[Any] = list(zip(*(values[k] for k in compiled.positiontup)))
    else:
        params = [dict(zip(names, r)) for r in zip(*(values[k] for k in names))]
    sql = str(compiled)
    for i in range(0, len(params), BATCH_ROWS):
        conn.exec_driver_sql(sql, params[i : i + BATCH_ROWS])
    return len(params)


def insert_frame(conn: Connection, table: Table, df: pd.DataFrame) -> int:
    """Insert new rows fast: PostgreSQL ``COPY … FROM STDIN`` (psycopg 3), elsewhere one driver
    ``executemany`` per batch. For rows known to be absent (replace = delete + insert_frame)."""
    if df.empty:
        return 0
    names = [c.name for c in table.columns if c.name in df.columns]
    values = _column_values(conn, table, df)
    if conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg":
        cols = ", ".join(conn.dialect.identifier_preparer.quote(n) for n in names)
        cursor = conn.connection.dbapi_connection.cursor()
        with cursor.copy(f"COPY {conn.dialect.identifier_preparer.format_table(table)} ({cols}) FROM STDIN") as copy:
            for row in zip(*(values[n] for n in names)):
                copy.write_row(row)
        return len(df)
    compiled = table.insert().compile(dialect=conn.dialect, column_keys=names)
    return _executemany(conn, compiled, names, values)


def replace_run_rows(conn: Connection, table: Table, run_id: str, queue_id: str, df: pd.DataFrame) -> int:
    """Make ``df`` the rows of (run, queue) in a per-run table: delete what is there, insert
    (idempotent: a retried or resumed stage never duplicates rows)."""
    conn.execute(delete(table).where(table.c.run_id == run_id).where(table.c.queue_id == queue_id))
    return insert_frame(conn, table, df.assign(run_id=run_id, queue_id=queue_id))


def _frame(conn: Connection, stmt, utc_columns: Iterable[str] = ()) -> pd.DataFrame:
    result = conn.execute(stmt)
    df = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    for c in utc_columns:
        if c in df.columns:
            df[c] = pd.to_datetime(df[c], utc=True)
    return df


# -- configuration ---------------------------------------------------------------------

def sync_config(conn: Connection, config: CentreConfig) -> None:
    """Store the sites, queues and configured agents of ``config`` (upsert by id)."""
    upsert(conn, t.sites, [{"id": s.id, "name": s.name, "timezone": s.timezone} for s in config.sites])
    upsert(conn, t.queues, [
        {
            "id": q.id, "site_id": q.site, "name": q.name, "channel": str(q.channel),
            "timezone": config.queue_timezone(q.id), "interval_minutes": q.interval_minutes,
            "definition": json.loads(q.model_dump_json()),
        }
        for q in config.queues
    ])
    upsert(conn, t.agents, [
        {"id": a.id, "site_id": a.site, "name": a.name, "contract_id": a.contract,
         "skills": list(a.skills), "days_off": list(a.days_off)}
        for a in config.agents
    ])


def read_agent_sites(conn: Connection) -> dict[str, str]:
    """Agent id -> site id (cheaper than :func:`read_agents` for validating events)."""
    return dict(conn.execute(select(t.agents.c.id, t.agents.c.site_id)).all())


def read_agents(conn: Connection) -> pd.DataFrame:
    return _frame(conn, select(t.agents).order_by(t.agents.c.id))


# -- imports -----------------------------------------------------------------------------

def record_import(conn: Connection, kind: str, source: str, sha256: str, rows: int) -> int:
    result = conn.execute(
        t.imports.insert().values(kind=kind, source=source, sha256=sha256, rows=rows, created_at=now_utc())
    )
    return int(result.inserted_primary_key[0])


def read_actuals(
    conn: Connection, queue_id: str, start: datetime | None = None, end: datetime | None = None
) -> pd.DataFrame:
    """Interval actuals of one queue in [start, end), ordered, ``interval_start`` in UTC."""
    c = t.interval_actuals.c
    stmt = select(t.interval_actuals).where(c.queue_id == queue_id)
    if start is not None:
        stmt = stmt.where(c.interval_start >= start)
    if end is not None:
        stmt = stmt.where(c.interval_start < end)
    return _frame(conn, stmt.order_by(c.interval_start), ["interval_start"])


def actuals_span(conn: Connection, queue_id: str) -> tuple[datetime | None, datetime | None, int]:
    c = t.interval_actuals.c
    row = conn.execute(
        select(func.min(c.interval_start), func.max(c.interval_start), func.count())
        .where(c.queue_id == queue_id)
    ).one()
    conv = t.UTCDateTime().process_result_value
    return conv(row[0], conn.dialect), conv(row[1], conn.dialect), int(row[2])


def delete_agent_events(conn: Connection, agent_ids: list[str], start: datetime, end: datetime) -> int:
    """Delete the events of ``agent_ids`` with start <= timestamp <= end; returns the count."""
    c = t.agent_events.c
    deleted = 0
    for i in range(0, len(agent_ids), 500):
        res = conn.execute(delete(t.agent_events).where(c.agent_id.in_(agent_ids[i:i + 500]))
                           .where(c.timestamp >= start).where(c.timestamp <= end))
        deleted += res.rowcount or 0
    return deleted


def latest_import_id(conn: Connection, kind: str) -> int | None:
    """The id of the newest import of ``kind`` (a cheap change marker)."""
    return conn.execute(select(func.max(t.imports.c.id)).where(t.imports.c.kind == kind)).scalar()


def read_agent_events(
    conn: Connection, start: datetime | None = None, end: datetime | None = None,
    agent_ids: Iterable[str] | None = None, import_after: int | None = None,
) -> pd.DataFrame:
    """Agent-state events (optionally in [start, end), of some agents, or imported after the
    import id ``import_after``), ordered by agent and time, ``timestamp`` in UTC."""
    c = t.agent_events.c
    stmt = select(c.agent_id, c.timestamp, c.state, c.reason_code)
    if import_after is not None:
        stmt = stmt.where(c.import_id > import_after)
    if start is not None:
        stmt = stmt.where(c.timestamp >= start)
    if end is not None:
        stmt = stmt.where(c.timestamp < end)
    if agent_ids is not None:
        stmt = stmt.where(c.agent_id.in_(list(agent_ids)))
    return _frame(conn, stmt.order_by(c.agent_id, c.timestamp), ["timestamp"])


# -- pipeline runs -----------------------------------------------------------------------

def start_run(conn: Connection, parameters: dict[str, Any], kind: str = "pipeline") -> str:
    """Record a new run (status 'running') and return its id."""
    run_id = now_utc().strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
    try:
        user = getpass.getuser()
    except Exception:  # no login name in some containers
        user = "unknown"
    conn.execute(t.pipeline_runs.insert().values(
        id=run_id, kind=kind, started_at=now_utc(), status="running",
        user=user, host=socket.gethostname(), parameters=parameters,
    ))
    return run_id


def finish_run(conn: Connection, run_id: str, status: str, summary: dict | None = None,
               error: str | None = None) -> None:
    conn.execute(update(t.pipeline_runs).where(t.pipeline_runs.c.id == run_id).values(
        finished_at=now_utc(), status=status, summary=summary, error=error))


def reopen_run(conn: Connection, run_id: str) -> None:
    """Mark a run running again (resume): its finish time and error are cleared."""
    conn.execute(update(t.pipeline_runs).where(t.pipeline_runs.c.id == run_id).values(
        finished_at=None, status="running", error=None))


def record_stage(conn: Connection, run_id: str, queue_id: str, stage: str, status: str,
                 seconds: float, rows: int = 0, detail: dict | None = None, error: str | None = None) -> None:
    upsert(conn, t.run_stages, [{
        "run_id": run_id, "queue_id": queue_id, "stage": stage, "status": status,
        "seconds": float(seconds), "rows": int(rows), "detail": detail, "error": error,
    }])


def read_runs(conn: Connection, limit: int = 20) -> pd.DataFrame:
    c = t.pipeline_runs.c
    return _frame(conn, select(t.pipeline_runs).order_by(c.started_at.desc()).limit(limit),
                  ["started_at", "finished_at"])


def read_run(conn: Connection, run_id: str) -> dict[str, Any] | None:
    row = conn.execute(select(t.pipeline_runs).where(t.pipeline_runs.c.id == run_id)).mappings().first()
    return dict(row) if row else None


def latest_run_id(conn: Connection, kind: str = "pipeline") -> str | None:
    """The newest finished run of ``kind`` (succeeded or partial)."""
    c = t.pipeline_runs.c
    return conn.execute(
        select(c.id).where(c.kind == kind).where(c.status.in_(["succeeded", "partial"]))
        .order_by(c.started_at.desc()).limit(1)
    ).scalar()


def latest_run_of(conn: Connection, table: Table, queue_id: str) -> str | None:
    """The newest run that stored rows of ``queue_id`` in ``table`` (e.g. a forecast)."""
    r = t.pipeline_runs.c
    return conn.execute(select(r.id).where(r.id.in_(select(table.c.run_id).where(table.c.queue_id == queue_id)))
                        .order_by(r.started_at.desc()).limit(1)).scalar()


def read_stages(conn: Connection, run_id: str) -> pd.DataFrame:
    c = t.run_stages.c
    return _frame(conn, select(t.run_stages).where(c.run_id == run_id).order_by(c.queue_id, c.stage))


def read_run_frame(conn: Connection, table: Table, run_id: str, queue_id: str | None = None,
                   **filters: Any) -> pd.DataFrame:
    """Rows of a per-run table (forecasts, requirements, realisation) ordered by interval."""
    stmt = select(table).where(table.c.run_id == run_id)
    if queue_id is not None:
        stmt = stmt.where(table.c.queue_id == queue_id)
    for k, v in filters.items():
        stmt = stmt.where(table.c[k] == v)
    return _frame(conn, stmt.order_by(table.c.queue_id, table.c.interval_start), ["interval_start"])


def read_forecast_covering(conn: Connection, queue_id: str, start: datetime, end: datetime
                           ) -> tuple[str | None, str | None, pd.DataFrame | None]:
    """The newest run's forecast of ``queue_id`` over [start, end) — kind ``forecast`` if a run
    forecast that period ahead, else ``backtest`` (a re-forecast from history before it):
    ``(run_id, kind, rows)``, or Nones."""
    f, r = t.forecasts.c, t.pipeline_runs.c
    for kind in ("forecast", "backtest"):
        run_id = conn.execute(
            select(f.run_id).join(t.pipeline_runs, r.id == f.run_id)
            .where(f.queue_id == queue_id).where(f.kind == kind)
            .where(f.interval_start >= start).where(f.interval_start < end)
            .order_by(r.started_at.desc()).limit(1)).scalar()
        if run_id is not None:
            rows = _frame(conn, select(t.forecasts).where(f.run_id == run_id).where(f.queue_id == queue_id)
                          .where(f.kind == kind).where(f.interval_start >= start).where(f.interval_start < end)
                          .order_by(f.interval_start), ["interval_start"])
            return run_id, kind, rows
    return None, None, None


def write_shifts(conn: Connection, run_id: str, shifts: pd.DataFrame, activities: pd.DataFrame) -> int:
    """Store shifts (``shift_key, queue_id, agent_id, start, end, paid_seconds``) and their
    activities (``shift_key, start, end, activity``); returns the number of shifts."""
    if shifts.empty:
        return 0
    recs = _records(shifts, ["queue_id", "agent_id", "start", "end", "paid_seconds"])
    ids = conn.execute(t.shifts.insert().returning(t.shifts.c.id, sort_by_parameter_order=True),
                       [dict(r, run_id=run_id) for r in recs]).scalars().all()
    key_to_id = dict(zip(shifts["shift_key"].tolist(), ids))
    if len(activities):
        acts = activities.assign(shift_id=activities["shift_key"].map(key_to_id))
        insert_frame(conn, t.shift_activities, acts[["shift_id", "start", "end", "activity"]])
    return len(key_to_id)


def delete_shifts(conn: Connection, run_id: str, queue_id: str) -> None:
    """Delete the shifts (and their activities) of one queue in one run."""
    ids = select(t.shifts.c.id).where(t.shifts.c.run_id == run_id).where(t.shifts.c.queue_id == queue_id)
    conn.execute(delete(t.shift_activities).where(t.shift_activities.c.shift_id.in_(ids)))
    conn.execute(delete(t.shifts).where(t.shifts.c.run_id == run_id).where(t.shifts.c.queue_id == queue_id))


def set_shift_agents(conn: Connection, agent_of: dict[int, str | None]) -> None:
    """Give stored shifts (by id) to agents (None = open shift)."""
    if agent_of:
        conn.execute(update(t.shifts).where(t.shifts.c.id == bindparam("sid")).values(agent_id=bindparam("aid")),
                     [{"sid": int(k), "aid": v if isinstance(v, str) else None} for k, v in agent_of.items()])


def read_shifts(conn: Connection, run_id: str, queue_id: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    s, a = t.shifts.c, t.shift_activities.c
    stmt = select(t.shifts).where(s.run_id == run_id)
    if queue_id is not None:
        stmt = stmt.where(s.queue_id == queue_id)
    shifts = _frame(conn, stmt.order_by(s.start, s.id), ["start", "end"])
    acts = _frame(
        conn,
        select(a.shift_id, a.start, a.end, a.activity).join(t.shifts, t.shifts.c.id == a.shift_id)
        .where(s.run_id == run_id).where(s.queue_id == queue_id if queue_id is not None else True)
        .order_by(a.shift_id, a.start),
        ["start", "end"],
    )
    return shifts, acts


def read_schedule(conn: Connection, start: datetime, end: datetime) -> tuple[str | None, pd.DataFrame]:
    """The latest schedule (any run with shifts: imported or planned) overlapping [start, end):
    its run id and its activity segments ``agent_id, queue_id, start, end, activity``."""
    s, a, r = t.shifts.c, t.shift_activities.c, t.pipeline_runs.c
    run_id = conn.execute(
        select(s.run_id).join(t.pipeline_runs, r.id == s.run_id)
        .where(s.start < end).where(s.end > start).where(s.agent_id.is_not(None))
        .order_by(r.started_at.desc()).limit(1)
    ).scalar()
    if run_id is None:
        return None, pd.DataFrame(columns=["agent_id", "queue_id", "start", "end", "activity"])
    frame = _frame(conn, select(s.agent_id, s.queue_id, a.start, a.end, a.activity)
                   .join(t.shifts, s.id == a.shift_id).where(s.run_id == run_id)
                   .where(s.start < end).where(s.end > start).where(s.agent_id.is_not(None))
                   .order_by(s.agent_id, a.start), ["start", "end"])
    return run_id, frame
