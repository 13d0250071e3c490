"""Database tables (SQLAlchemy Core). Schema changes go through Alembic migrations.

Every stored computed number carries the ``run_id`` of the pipeline run that produced
it; ``pipeline_runs`` records who ran it, when, with which parameters and how it ended.
Interval starts are stored in UTC.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pandas as pd
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.types import TypeDecorator

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UTCDateTime(TypeDecorator):
    """Timezone-aware datetimes stored as UTC (``timestamptz`` on PostgreSQL, text on SQLite)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, pd.Timestamp):
            value = value.to_pydatetime()
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} cannot be stored: timestamps must be timezone-aware")
        value = value.astimezone(timezone.utc)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def _ts(name: str, **kw) -> Column:
    return Column(name, UTCDateTime(), **kw)


sites = Table(
    "sites", metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(200), nullable=False, default=""),
    Column("timezone", String(64), nullable=False),
)

queues = Table(
    "queues", metadata,
    Column("id", String(64), primary_key=True),
    Column("site_id", String(64), ForeignKey("sites.id"), nullable=False),
    Column("name", String(200), nullable=False, default=""),
    Column("channel", String(32), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("interval_minutes", Integer, nullable=False),
    Column("definition", JSON, nullable=False, doc="the queue's full configuration (targets, hours...)"),
)

agents = Table(
    "agents", metadata,
    Column("id", String(64), primary_key=True),
    Column("site_id", String(64), ForeignKey("sites.id"), nullable=False),
    Column("name", String(200), nullable=False, default=""),
    Column("contract_id", String(64), nullable=False),
    Column("skills", JSON, nullable=False),
    Column("days_off", JSON, nullable=False),
)

imports = Table(
    "imports", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(32), nullable=False),
    Column("source", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("rows", Integer, nullable=False),
    _ts("created_at", nullable=False),
)

interval_actuals = Table(
    "interval_actuals", metadata,
    Column("queue_id", String(64), ForeignKey("queues.id"), primary_key=True),
    _ts("interval_start", primary_key=True),
    Column("interval_minutes", Integer, nullable=False),
    Column("offered", Float, nullable=False, doc="contacts offered, count"),
    Column("answered", Float, doc="contacts answered (handled), count"),
    Column("abandoned", Float, doc="contacts abandoned before an agent, count"),
    Column("answered_within_threshold", Float, doc="answered within the SL threshold, count"),
    Column("handle_seconds", Float, doc="total handle time incl. after-contact work, seconds"),
    Column("wait_seconds", Float, doc="total wait of answered contacts, seconds"),
    Column("abandon_wait_seconds", Float, doc="total wait of abandoned contacts, seconds"),
    Column("concurrency", Float, doc="mean simultaneous chat sessions per agent"),
    Column("shrinkage", Float, doc="share of paid time not available, 0-1"),
    Column("shrinkage_planned", Float, doc="planned part of shrinkage (breaks, training, meetings, leave), 0-1"),
    Column("shrinkage_unplanned", Float, doc="unplanned part of shrinkage (sickness, absence, lateness), 0-1"),
    Column("import_id", Integer, ForeignKey("imports.id")),
)

agent_events = Table(
    "agent_events", metadata,
    Column("agent_id", String(64), primary_key=True),
    _ts("timestamp", primary_key=True),
    Column("state", String(64), primary_key=True),
    Column("reason_code", String(64), nullable=False, default=""),
    Column("import_id", Integer, ForeignKey("imports.id"), index=True),
)

pipeline_runs = Table(
    "pipeline_runs", metadata,
    Column("id", String(32), primary_key=True),
    Column("kind", String(32), nullable=False, default="pipeline"),
    _ts("started_at", nullable=False),
    _ts("finished_at"),
    Column("status", String(16), nullable=False, doc="running | succeeded | partial | failed"),
    Column("user", String(128), nullable=False),
    Column("host", String(255), nullable=False),
    Column("parameters", JSON, nullable=False),
    Column("summary", JSON),
    Column("error", Text),
)

run_stages = Table(
    "run_stages", metadata,
    Column("run_id", String(32), ForeignKey("pipeline_runs.id"), primary_key=True),
    Column("queue_id", String(64), primary_key=True),
    Column("stage", String(32), primary_key=True),
    Column("status", String(16), nullable=False, doc="succeeded | failed | skipped"),
    Column("seconds", Float, nullable=False),
    Column("rows", Integer, nullable=False, default=0),
    Column("detail", JSON),
    Column("error", Text),
)

forecasts = Table(
    "forecasts", metadata,
    Column("run_id", String(32), ForeignKey("pipeline_runs.id"), primary_key=True),
    Column("queue_id", String(64), primary_key=True),
    Column("kind", String(16), primary_key=True, doc="forecast (future) | backtest (re-forecast of history)"),
    _ts("interval_start", primary_key=True),
    Column("interval_minutes", Integer, nullable=False),
    Column("volume", Float, nullable=False, doc="contacts offered"),
    Column("volume_lower", Float),
    Column("volume_upper", Float),
    Column("aht_seconds", Float, nullable=False),
    Column("shrinkage", Float, nullable=False),
    Column("concurrency", Float, nullable=False),
    Column("patience_seconds", Float),
    Column("model", String(200), nullable=False),
    Column("shrinkage_planned", Float, doc="forecast planned shrinkage, 0-1 (when history has categories)"),
    Column("shrinkage_unplanned", Float, doc="forecast unplanned shrinkage, 0-1 (when history has categories)"),
    Column("connect_rate", Float, doc="outbound: forecast right-party connects per attempt, 0-1"),
)

requirements = Table(
    "requirements", metadata,
    Column("run_id", String(32), ForeignKey("pipeline_runs.id"), primary_key=True),
    Column("queue_id", String(64), primary_key=True),
    _ts("interval_start", primary_key=True),
    Column("interval_minutes", Integer, nullable=False),
    Column("volume", Float, nullable=False),
    Column("aht_seconds", Float, nullable=False),
    Column("agents_net", Float, nullable=False, doc="agents needed on contacts"),
    Column("agents_gross", Float, nullable=False, doc="net / (1 - shrinkage), rounded up"),
    Column("shrinkage", Float, nullable=False),
    Column("service_level", Float),
    Column("abandon_rate", Float),
    Column("asa_seconds", Float),
    Column("occupancy", Float),
    Column("p_wait", Float),
    Column("feasible", Boolean, nullable=False),
    Column("binding", String(64), nullable=False),
    Column("model", String(200), nullable=False),
)

shifts = Table(
    "shifts", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", String(32), ForeignKey("pipeline_runs.id"), nullable=False, index=True),
    Column("queue_id", String(64), nullable=False),
    Column("agent_id", String(64), doc="None = open shift (no rostered agent available)"),
    _ts("start", nullable=False),
    _ts("end", nullable=False),
    Column("paid_seconds", Float, nullable=False),
)

shift_activities = Table(
    "shift_activities", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("shift_id", Integer, ForeignKey("shifts.id", ondelete="CASCADE"), nullable=False, index=True),
    _ts("start", nullable=False),
    _ts("end", nullable=False),
    Column("activity", String(64), nullable=False),
)

realisation = Table(
    "realisation", metadata,
    Column("run_id", String(32), ForeignKey("pipeline_runs.id"), primary_key=True),
    Column("queue_id", String(64), primary_key=True),
    _ts("interval_start", primary_key=True),
    Column("interval_minutes", Integer, nullable=False),
    Column("required_fte", Float, nullable=False),
    Column("actual_fte", Float, nullable=False),
    Column("realisation", Float, doc="1 - |actual - required| / required; None when required = 0"),
    Column("in_band", Boolean),
    Column("required_basis", String(64), nullable=False),
)

adherence_daily = Table(
    "adherence_daily", metadata,
    Column("run_id", String(32), ForeignKey("pipeline_runs.id"), primary_key=True),
    Column("agent_id", String(64), primary_key=True),
    Column("day", String(10), primary_key=True, doc="local day of the agent's site, YYYY-MM-DD"),
    Column("queue_id", String(64)),
    Column("scheduled_seconds", Float, nullable=False),
    Column("in_adherence_seconds", Float, nullable=False),
    Column("adherence", Float, nullable=False, doc="time in the scheduled activity / scheduled time, 0-1"),
    Column("schedule_run_id", String(32), nullable=False, doc="the run whose schedule was compared"),
)

api_keys = Table(
    "api_keys", metadata,
    Column("id", String(16), primary_key=True, doc="public part of the key (wfm_<id>_<secret>)"),
    Column("name", String(128), nullable=False, doc="who or what holds it"),
    Column("role", String(16), nullable=False, doc="admin | planner | desk | integration"),
    Column("key_sha256", String(64), nullable=False, doc="SHA-256 of the whole key; the key itself is never stored"),
    _ts("created_at", nullable=False),
    _ts("revoked_at"),
)

audit_log = Table(
    "audit_log", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _ts("at", nullable=False, index=True),
    Column("key_id", String(16), doc="the API key used (None: refused before a key was known)"),
    Column("role", String(16)),
    Column("method", String(8), nullable=False),
    Column("path", String(500), nullable=False),
    Column("status", Integer, nullable=False),
    Column("detail", JSON),
)

jobs = Table(
    "jobs", metadata,
    Column("id", String(32), primary_key=True),
    Column("kind", String(32), nullable=False, doc="pipeline"),
    Column("status", String(16), nullable=False, doc="queued | running | succeeded | partial | failed"),
    Column("parameters", JSON, nullable=False),
    Column("progress", Float, nullable=False, default=0.0, doc="0-1"),
    Column("message", Text),
    Column("run_id", String(32), doc="the pipeline run the job made (resumed after a restart)"),
    Column("error", Text),
    Column("created_by", String(16), doc="API key id"),
    _ts("created_at", nullable=False),
    _ts("started_at"),
    _ts("finished_at"),
)
