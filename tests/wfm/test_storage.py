from datetime import datetime, timedelta, timezone

import pandas as pd
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, inspect, select

from wfm.storage import connect, migrate
from wfm.storage import repository as repo
from wfm.storage import tables as t


def test_migrations_build_exactly_the_declared_schema(engine):
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": False})
        diff = compare_metadata(ctx, t.metadata)
    assert diff == [], f"tables.py and the Alembic migrations disagree: {diff}"


def test_migrate_is_idempotent(engine):
    migrate(engine)
    migrate(engine)
    names = set(inspect(engine).get_table_names())
    assert {"queues", "interval_actuals", "forecasts", "requirements", "shifts", "shift_activities",
            "agent_events", "pipeline_runs", "run_stages", "realisation", "alembic_version"} <= names


def test_sqlite_uses_wal(tmp_path):
    eng = connect(f"sqlite:///{tmp_path / 'x.sqlite'}")
    with eng.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar().lower() == "wal"


def test_timestamps_round_trip_as_utc(engine):
    paris = datetime(2026, 10, 25, 2, 30, tzinfo=timezone(timedelta(hours=1)))  # the second 02:30
    with engine.begin() as conn:
        run_id = repo.start_run(conn, {"x": 1})
        row = conn.execute(select(t.pipeline_runs.c.started_at).where(t.pipeline_runs.c.id == run_id)).scalar()
        assert row.tzinfo is not None
        conn.execute(t.sites.insert().values(id="s", name="", timezone="Europe/Paris"))
        conn.execute(t.queues.insert().values(id="q", site_id="s", name="", channel="voice",
                                              timezone="Europe/Paris", interval_minutes=30, definition={}))
        repo.upsert(conn, t.interval_actuals, [{"queue_id": "q", "interval_start": paris, "interval_minutes": 30,
                                                "offered": 3.0}])
        df = repo.read_actuals(conn, "q")
    assert df["interval_start"].iloc[0] == pd.Timestamp("2026-10-25 01:30", tz="UTC")


def test_naive_datetimes_are_refused(engine):
    with pytest.raises(Exception, match="naive datetime"):
        with engine.begin() as conn:
            conn.execute(t.imports.insert().values(kind="x", source="x", sha256="x", rows=0,
                                                   created_at=datetime(2026, 1, 1)))


def test_upsert_replaces_on_primary_key(engine):
    with engine.begin() as conn:
        repo.upsert(conn, t.sites, [{"id": "a", "name": "one", "timezone": "UTC"}])
        repo.upsert(conn, t.sites, [{"id": "a", "name": "two", "timezone": "UTC"},
                                    {"id": "b", "name": "", "timezone": "UTC"}])
        rows = conn.execute(select(t.sites.c.id, t.sites.c.name).order_by(t.sites.c.id)).all()
    assert [tuple(r) for r in rows] == [("a", "two"), ("b", "")]


def test_failed_transaction_writes_nothing(engine):
    with pytest.raises(RuntimeError):
        with engine.begin() as conn:
            repo.upsert(conn, t.sites, [{"id": "a", "name": "", "timezone": "UTC"}])
            raise RuntimeError("boom")
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.sites)).scalar() == 0


def test_runs_are_traceable(engine):
    with engine.begin() as conn:
        run_id = repo.start_run(conn, {"start": "2026-11-30"})
        repo.record_stage(conn, run_id, "q", "forecast", "succeeded", 0.5, 10)
        repo.finish_run(conn, run_id, "succeeded", {"q": {"x": 1.0}})
    with engine.connect() as conn:
        run = repo.read_run(conn, run_id)
        stages = repo.read_stages(conn, run_id)
        assert repo.latest_run_id(conn) == run_id
    assert run["status"] == "succeeded" and run["parameters"] == {"start": "2026-11-30"}
    assert run["user"] and run["host"] and run["finished_at"] >= run["started_at"]
    assert stages[["queue_id", "stage", "status", "rows"]].values.tolist() == [["q", "forecast", "succeeded", 10]]


def test_overlong_strings_are_refused_on_every_database(engine):
    with engine.begin() as conn:
        run_id = repo.start_run(conn, {})
    frame = pd.DataFrame({"run_id": [run_id], "queue_id": ["q" * 65], "stage": ["forecast"], "status": ["succeeded"],
                          "seconds": [0.1], "rows": [0]})
    with pytest.raises(ValueError, match="run_stages.queue_id: value longer than 64"):
        with engine.begin() as conn:
            repo.upsert(conn, t.run_stages, frame)
