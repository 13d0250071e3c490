import pytest
from fastapi.testclient import TestClient

from api import create_app
from wfm.sample import import_sample
from wfm.pipeline import run_pipeline
from wfm.storage import connect


@pytest.fixture(scope="module")
def client(tmp_path_factory, sample_config, sample_dir):
    url = f"sqlite:///{tmp_path_factory.mktemp('api') / 'api.sqlite'}"
    engine = connect(url)
    assert all(r.ok for r in import_sample(engine, sample_config, sample_dir, kinds=("roster", "actuals")))
    run = run_pipeline(engine, sample_config, workers=1, progress=False, queue_ids=["lyon_voice"])
    client = TestClient(create_app(url), raise_server_exceptions=False)
    client.run_id = run.run_id
    return client


def test_health_and_queues(client):
    assert client.get("/api/v1/health").json()["status"] == "ok"
    queues = client.get("/api/v1/queues").json()
    assert {q["id"] for q in queues} >= {"lyon_voice", "montreal_voice"}
    assert {q["timezone"] for q in queues} == {"Europe/Paris", "America/Toronto"}


def test_run_and_requirements(client):
    run = client.get(f"/api/v1/runs/{client.run_id}").json()
    assert run["status"] == "succeeded" and run["stages"]
    req = client.get(f"/api/v1/runs/{client.run_id}/queues/lyon_voice/requirements").json()
    assert req and req[0]["interval_minutes"] == 30 and req[0]["interval_start"].endswith("+00:00")


def test_unknown_ids_are_404_with_a_reason(client):
    r = client.get("/api/v1/runs/nope")
    assert r.status_code == 404 and "nope" in r.json()["detail"]
    r = client.get(f"/api/v1/runs/{client.run_id}/queues/nope/forecast")
    assert r.status_code == 404
    assert client.get("/api/v1/runs?limit=0").status_code == 422
