"""Shared fixtures: databases (SQLite always, PostgreSQL when WFM_TEST_DATABASE_URL is set),
the generated sample centre, and the real data folder."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
SHARED_BENCH = REPO.parent / "shared" / "bench" / "scheduling"
PG_URL = os.environ.get("WFM_TEST_DATABASE_URL")


def _pg_schema_url(base: str, schema: str) -> str:
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """A fresh, empty database URL: a SQLite file, or a private schema on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.sqlite'}"
        return
    if not PG_URL:
        pytest.skip("PostgreSQL storage tests need WFM_TEST_DATABASE_URL (set by .ci/run when a server "
                    "answers on 127.0.0.1:5432)")
    schema = f"wfm_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield _pg_schema_url(PG_URL, schema)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture
def engine(db_url):
    from wfm.storage import connect

    eng = connect(db_url)
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def sample_dir(tmp_path_factory):
    """The seeded sample centre with 5 weeks of history (enough for every stage, and fast)."""
    from wfm.sample import generate

    out = tmp_path_factory.mktemp("sample")
    generate(out, weeks=5, event_days=3)
    return out


@pytest.fixture(scope="session")
def sample_config(sample_dir):
    from wfm.config import load_config

    return load_config(sample_dir / "centre.toml")


@pytest.fixture
def shared_data():
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data folder {SHARED_DATA} is absent (it lives beside the repository, not in it)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def bench():
    """The scheduling benchmark folder and its independent checker module (evaluate.py)."""
    import importlib.util

    if not (SHARED_BENCH / "evaluate.py").is_file():
        pytest.skip(f"scheduling benchmark folder {SHARED_BENCH} is absent (it lives beside the repository)")
    spec = importlib.util.spec_from_file_location("bench_evaluate", SHARED_BENCH / "evaluate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return SHARED_BENCH, module
