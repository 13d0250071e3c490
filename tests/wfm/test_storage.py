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


def _requirement_rows(n: int, start: datetime, value: float) -> pd.DataFrame:
    return pd.DataFrame({
        "interval_start": pd.date_range(start, periods=n, freq="15min"), "interval_minutes": 15,
        "volume": value, "aht_seconds": 300.0, "agents_net": 2.0, "agents_gross": 3.0, "shrinkage": 0.3,
        "service_level": None, "abandon_rate": 0.01, "asa_seconds": 5.0, "occupancy": 0.8, "p_wait": 0.2,
        "feasible": True, "binding": "service_level", "model": "erlang_c"})


def test_replace_run_rows_is_idempotent_and_takes_the_fast_path(engine):
    start = datetime(2026, 3, 29, tzinfo=timezone.utc)
    with engine.begin() as conn:
        run_id = repo.start_run(conn, {})
        repo.replace_run_rows(conn, t.requirements, run_id, "q", _requirement_rows(96, start, 1.0))
        n = repo.replace_run_rows(conn, t.requirements, run_id, "q", _requirement_rows(50, start, 2.0))
    with engine.connect() as conn:
        back = repo.read_run_frame(conn, t.requirements, run_id, "q")
    assert n == 50 and len(back) == 50 and (back["volume"] == 2.0).all()     # replaced, not appended
    assert back["service_level"].isna().all() and back["feasible"].all()
    assert list(back["interval_start"]) == list(pd.date_range(start, periods=50, freq="15min"))


def test_concurrent_writers_of_one_run_lose_nothing_and_never_deadlock(engine):
    """Eight writers (as pipeline workers do) replace their queues' rows and stage records of
    the same run at once, three times each; every row is there exactly once."""
    from concurrent.futures import ThreadPoolExecutor

    start = datetime(2026, 11, 30, tzinfo=timezone.utc)
    with engine.begin() as conn:
        run_id = repo.start_run(conn, {})

    def writer(i: int) -> None:
        for attempt in range(3):
            with engine.begin() as conn:
                repo.replace_run_rows(conn, t.requirements, run_id, f"q{i}", _requirement_rows(672, start, attempt))
                repo.record_stage(conn, run_id, f"q{i}", "requirements", "succeeded", 0.1, 672)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(writer, range(8)))
    with engine.connect() as conn:
        counts = conn.execute(select(t.requirements.c.queue_id, func.count(), func.max(t.requirements.c.volume))
                              .where(t.requirements.c.run_id == run_id).group_by(t.requirements.c.queue_id)).all()
        stages = repo.read_stages(conn, run_id)
    assert sorted((q, n, v) for q, n, v in counts) == [(f"q{i}", 672, 2.0) for i in range(8)]
    assert len(stages) == 8
