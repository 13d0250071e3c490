"""Schema-driven fuzzing of every route (schemathesis): whatever the input, no 5xx.

(Cases are drawn per operation with Hypothesis directly: schemathesis' pytest fixture
loader does not run on pytest 9.)"""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from api import create_app
from api.security import create_key
from wfm.pipeline import run_pipeline
from wfm.sample import import_sample
from wfm.storage import connect


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory, sample_config, sample_dir):
    url = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'fuzz.sqlite'}"
    engine = connect(url)
    assert all(r.ok for r in import_sample(engine, sample_config, sample_dir, kinds=("roster", "schedule", "actuals")))
    run_pipeline(engine, sample_config, workers=1, progress=False, queue_ids=["lyon_voice"], horizon_days=1)
    with engine.begin() as conn:
        key = create_key(conn, "fuzzer", "admin")[1]
    app = create_app(url, config=sample_config, run_jobs=False, max_body_bytes=200_000)
    operations = [r.ok() for r in schemathesis.openapi.from_asgi("/openapi.json", app).get_all_operations()]
    return operations, {"Authorization": f"Bearer {key}"}


def _fuzz(operation, examples, check):
    @given(case=operation.as_strategy())
    @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def run(case):
        check(case)

    run()


def test_no_input_makes_a_server_error(fuzzed):
    operations, auth = fuzzed
    assert len(operations) >= 15

    def check(case):
        response = case.call(headers=auth)
        assert response.status_code < 500, (case.method, case.formatted_path, case.query, case.body,
                                             response.text[:500])
        if response.status_code >= 400:
            assert "detail" in response.json() and "Traceback" not in response.text   # says why, as JSON

    for op in operations:
        _fuzz(op, int(__import__("os").environ.get("WFM_FUZZ_EXAMPLES", 25)), check)


def test_no_input_gets_past_a_missing_key(fuzzed):
    operations, _ = fuzzed

    def check(case):
        assert case.call().status_code == 401, (case.method, case.formatted_path)

    for op in operations:
        if op.path != "/api/v1/health":
            _fuzz(op, 5, check)
