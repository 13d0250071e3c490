"""A live server for the browser and concurrency tests: the sample centre planned, uvicorn on loopback."""

import socket
import threading
import time

import pytest
import uvicorn

from api import create_app
from api.security import create_key
from wfm.pipeline import run_pipeline
from wfm.sample import import_sample
from wfm.storage import connect


@pytest.fixture(scope="module")
def server(tmp_path_factory, sample_config, sample_dir):
    url = f"sqlite:///{tmp_path_factory.mktemp('dash') / 'dash.sqlite'}"
    engine = connect(url)
    assert all(r.ok for r in import_sample(engine, sample_config, sample_dir))
    run = run_pipeline(engine, sample_config, workers=1, progress=False, queue_ids=["lyon_voice"], horizon_days=2)
    with engine.begin() as conn:
        keys = {role: create_key(conn, f"{role} user", role)[1] for role in ("planner", "desk", "integration")}
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(create_app(url, config=sample_config, run_jobs=False), host="127.0.0.1",
                                        port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield {"base": f"http://127.0.0.1:{port}", "keys": keys, "run_id": run.run_id, "dir": sample_dir,
           "url": url}
    srv.should_exit = True
    thread.join(10)


