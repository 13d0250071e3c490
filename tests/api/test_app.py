import hashlib
from datetime import date, timedelta

import pandas as pd
import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from api import create_app
from api.security import ROLES, create_key
from wfm.pipeline import run_pipeline
from wfm.sample import import_sample
from wfm.storage import connect
from wfm.storage import tables as t

# The role matrix, written independently of the app: every route and who may call it.
MATRIX = {
    ("GET", "/api/v1/sites"): {"admin", "planner", "desk"},
    ("GET", "/api/v1/queues"): {"admin", "planner", "desk"},
    ("GET", "/api/v1/adherence"): {"admin", "planner", "desk"},
    ("GET", "/api/v1/metrics"): {"admin", "planner"},
    ("GET", "/api/v1/runs"): {"admin", "planner"},
    ("GET", "/api/v1/runs/{run_id}"): {"admin", "planner"},
    ("GET", "/api/v1/runs/{run_id}/queues/{queue_id}/forecast"): {"admin", "planner"},
    ("GET", "/api/v1/runs/{run_id}/queues/{queue_id}/requirements"): {"admin", "planner"},
    ("GET", "/api/v1/runs/{run_id}/queues/{queue_id}/realisation"): {"admin", "planner"},
    ("POST", "/api/v1/jobs/pipeline"): {"admin", "planner"},
    ("GET", "/api/v1/jobs"): {"admin", "planner"},
    ("GET", "/api/v1/jobs/{job_id}"): {"admin", "planner"},
    ("POST", "/api/v1/what-if"): {"admin", "planner"},
    ("POST", "/api/v1/capacity-plan"): {"admin", "planner"},
    ("GET", "/api/v1/queues/{queue_id}/weekly-forecast"): {"admin", "planner"},
    ("POST", "/api/v1/replan"): {"admin", "planner", "desk"},
    ("GET", "/api/v1/runs/{run_id}/schedule"): {"admin", "planner"},
    ("POST", "/api/v1/actuals"): {"admin", "integration"},
    ("POST", "/api/v1/agent-events"): {"admin", "integration"},
    ("GET", "/api/v1/desk"): {"admin", "planner", "desk"},
    ("POST", "/api/v1/keys"): {"admin"},
    ("GET", "/api/v1/keys"): {"admin"},
    ("DELETE", "/api/v1/keys/{key_id}"): {"admin"},
    ("GET", "/api/v1/audit"): {"admin"},
}
PUBLIC = {("GET", "/api/v1/health")}


@pytest.fixture(scope="module")
def client(tmp_path_factory, sample_config, sample_dir):
    url = f"sqlite:///{tmp_path_factory.mktemp('api') / 'api.sqlite'}"
    engine = connect(url)
    assert all(r.ok for r in import_sample(engine, sample_config, sample_dir, kinds=("roster", "schedule", "actuals")))
    run = run_pipeline(engine, sample_config, workers=1, progress=False, queue_ids=["lyon_voice"])
    with engine.begin() as conn:
        keys = {role: create_key(conn, f"test {role}", role)[1] for role in ROLES}
    client = TestClient(create_app(url, config=sample_config, max_body_bytes=1_000_000, run_jobs=False),
                        raise_server_exceptions=False)
    client.run_id, client.keys, client.url, client.sample_dir = run.run_id, keys, url, sample_dir
    return client


def _as(client, role):
    return {"Authorization": f"Bearer {client.keys[role]}"}


def test_health_is_public_and_queues_need_a_key(client):
    assert client.get("/api/v1/health").json()["status"] == "ok"
    assert client.get("/api/v1/queues").status_code == 401
    queues = client.get("/api/v1/queues", headers=_as(client, "desk")).json()
    assert {q["id"] for q in queues} >= {"lyon_voice", "montreal_voice"}
    assert {q["timezone"] for q in queues} == {"Europe/Paris", "America/Toronto"}


def test_run_and_requirements(client):
    h = _as(client, "planner")
    run = client.get(f"/api/v1/runs/{client.run_id}", headers=h).json()
    assert run["status"] == "succeeded" and run["stages"]
    req = client.get(f"/api/v1/runs/{client.run_id}/queues/lyon_voice/requirements", headers=h).json()
    assert req and req[0]["interval_minutes"] == 30 and req[0]["interval_start"].endswith("+00:00")


def test_unknown_ids_are_404_with_a_reason(client):
    h = _as(client, "planner")
    r = client.get("/api/v1/runs/nope", headers=h)
    assert r.status_code == 404 and "nope" in r.json()["detail"]
    assert client.get(f"/api/v1/runs/{client.run_id}/queues/nope/forecast", headers=h).status_code == 404
    assert client.get("/api/v1/runs?limit=0", headers=h).status_code == 422


def test_every_route_is_in_the_role_matrix(client):
    routes = {(m, r.path) for r in client.app.routes if isinstance(r, APIRoute) and r.path.startswith("/api/")
              for m in r.methods}
    assert routes == set(MATRIX) | PUBLIC


@pytest.mark.parametrize("route", sorted(MATRIX))
def test_each_role_is_refused_where_it_does_not_belong(client, route):
    method, path = route
    url = path.format(run_id=client.run_id, queue_id="lyon_voice", key_id="00000000", job_id="nope")
    body = {"json": {"name": "matrix", "role": "desk", "queue_id": "lyon_voice"}} if method == "POST" else {}
    assert client.request(method, url, **body).status_code == 401                      # no key
    assert client.request(method, url, headers={"X-API-Key": "wfm_00000000_forged"}, **body).status_code == 401
    for role in ROLES:
        r = client.request(method, url, headers=_as(client, role), **body)
        if role in MATRIX[route]:
            assert r.status_code not in (401, 403), (role, r.status_code, r.text)
        else:
            assert r.status_code == 403 and role in r.json()["detail"], (role, r.status_code)


def test_keys_are_hashed_revocable_and_every_write_is_audited(client):
    h = _as(client, "admin")
    made = client.post("/api/v1/keys", json={"name": "night batch", "role": "planner"}, headers=h)
    assert made.status_code == 201
    key, key_id = made.json()["key"], made.json()["id"]
    listed = client.get("/api/v1/keys", headers=h).json()
    assert key_id in {k["id"] for k in listed} and all("key" not in k and "key_sha256" not in k for k in listed)
    assert client.get("/api/v1/runs", headers={"X-API-Key": key}).status_code == 200
    assert client.delete(f"/api/v1/keys/{key_id}", headers=h).status_code == 200
    assert client.get("/api/v1/runs", headers={"X-API-Key": key}).status_code == 401         # revoked
    assert client.delete(f"/api/v1/keys/{key_id}", headers=h).status_code == 404
    audit = client.get("/api/v1/audit?limit=50", headers=h).json()
    writes = [(a["method"], a["path"], a["status"]) for a in audit if a["key_id"] == client.keys["admin"].split("_")[1]]
    assert ("POST", "/api/v1/keys", 201) in writes and ("DELETE", f"/api/v1/keys/{key_id}", 200) in writes
    assert any(a["status"] == 401 and a["key_id"] is None for a in audit)                  # refusals too
    with connect(client.url).connect() as conn:
        stored = [dict(r) for r in conn.execute(t.api_keys.select().where(t.api_keys.c.id == key_id)).mappings()]
    assert key not in str(stored) and stored[0]["key_sha256"] == hashlib.sha256(key.encode()).hexdigest()


def test_bad_bodies_are_4xx_with_the_field_and_oversized_ones_413(client):
    h = _as(client, "admin")
    r = client.post("/api/v1/keys", json={"name": "x", "role": "root"}, headers=h)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "role"]
    r = client.post("/api/v1/keys", content=b"{" + b" " * 1_100_000 + b"}", headers=dict(h, **{"content-type": "application/json"}))
    assert r.status_code == 413 and "1000000 bytes" in r.json()["detail"]
    assert "access-control-allow-origin" not in client.get("/api/v1/health", headers={"Origin": "http://evil"}).headers


def test_what_if_recomputes_the_stored_requirement_and_stores_nothing(client):
    from sqlalchemy import func, select

    h = _as(client, "planner")
    stored = client.get(f"/api/v1/runs/{client.run_id}/queues/lyon_voice/requirements", headers=h).json()
    same = client.post("/api/v1/what-if", json={"queue_id": "lyon_voice"}, headers=h).json()
    assert same["base_run_id"] == client.run_id and "on offered" in same["conventions"]
    assert same["grid"] == "30-min intervals, Europe/Paris"
    assert [r["agents_gross"] for r in same["intervals"]] == [r["agents_gross"] for r in stored]
    assert same["totals"]["gross_hours"] == same["totals"]["base_gross_hours"] == sum(
        r["agents_gross"] for r in stored) * 0.5
    with connect(client.url).connect() as conn:
        before = conn.execute(select(func.count()).select_from(t.requirements)).scalar()
    more = client.post("/api/v1/what-if", json={"queue_id": "lyon_voice", "volume_factor": 1.5, "targets": {
        "service_level": 0.9, "service_level_threshold_seconds": 20, "max_abandon_rate": 0.05}}, headers=h).json()
    with connect(client.url).connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.requirements)).scalar() == before
    assert more["totals"]["volume"] == pytest.approx(1.5 * same["totals"]["volume"])
    assert all(a["agents_net"] >= b["agents_net"] for a, b in zip(more["intervals"], same["intervals"]))
    assert more["totals"]["gross_hours"] > 1.5 * same["totals"]["base_gross_hours"] * 0.9
    served = [r for r in more["intervals"] if r["volume"] > 0 and r["feasible"]]
    assert served and all(r["service_level"] >= 0.9 - 1e-9 for r in served)        # the new target holds
    assert more["targets"]["service_level"] == 0.9


def test_what_if_errors_name_the_field(client):
    h = _as(client, "planner")
    r = client.post("/api/v1/what-if", json={"queue_id": "nope"}, headers=h)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "queue_id"]
    r = client.post("/api/v1/what-if", json={"queue_id": "lyon_voice", "shrinkage": 1.5}, headers=h)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "shrinkage"]
    r = client.post("/api/v1/what-if", json={"queue_id": "lyon_voice", "targets": {"service_level": 0.9}}, headers=h)
    assert r.status_code == 422 and "go together" in r.text
    r = client.post("/api/v1/what-if", json={"queue_id": "montreal_voice"}, headers=h)
    assert r.status_code == 404 and "run the pipeline first" in r.json()["detail"]


def test_schedules_per_queue_agent_and_site_in_json_and_icalendar(client):
    h = _as(client, "planner")
    url = f"/api/v1/runs/{client.run_id}/schedule"
    shifts = client.get(url, params={"queue_id": "lyon_voice"}, headers=h).json()
    assert len(shifts) > 50
    for s in shifts:                                         # activities tile each shift exactly
        acts = s["activities"]
        assert acts[0]["start"] == s["start"] and acts[-1]["end"] == s["end"]
        assert all(a["end"] == b["start"] for a, b in zip(acts, acts[1:]))
    agent = next(s["agent_id"] for s in shifts if s["agent_id"])
    mine = client.get(url, params={"agent_id": agent}, headers=h).json()
    assert mine and {s["agent_id"] for s in mine} == {agent}
    assert len(client.get(url, params={"site_id": "lyon"}, headers=h).json()) == sum(1 for s in shifts if s["agent_id"])
    ics = client.get(url, params={"agent_id": agent, "format": "ics"}, headers=h)
    assert ics.status_code == 200 and ics.headers["content-type"].startswith("text/calendar")
    text = ics.text
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert text.count("BEGIN:VEVENT") == len(mine)
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    first = min(mine, key=lambda s: s["start"])
    assert "DTSTART:" + first["start"][:19].replace("-", "").replace(":", "") + "Z" in text
    assert client.get(url, params={"agent_id": "nobody"}, headers=h).status_code == 404
    assert client.get(url, params={"format": "pdf"}, headers=h).status_code == 422


def _count(client, table):
    from sqlalchemy import func, select

    with connect(client.url).connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar()


def test_pushed_events_feed_the_desk_poll(client):
    import pandas as pd

    events = pd.read_csv(client.sample_dir / "agent_events.csv", dtype=str, keep_default_na=False)
    day = events[events["timestamp"].str.startswith("2026-11-27")]
    r = client.post("/api/v1/agent-events", content=day.to_csv(index=False), headers=dict(
        _as(client, "integration"), **{"content-type": "text/csv"}))
    assert r.status_code == 200 and r.json()["rows_written"] == len(day)

    def staffed_at(frame, now):  # independent recount: each agent's newest state at `now`
        ts = pd.to_datetime(frame["timestamp"], utc=True)
        upto = frame[ts <= pd.Timestamp(now)].assign(ts=ts).sort_values("ts").groupby("agent_id").last()
        return int((upto["state"] == "Available").sum())

    poll = client.get("/api/v1/desk", params={"now": "2026-11-27T10:00:00Z"}, headers=_as(client, "desk")).json()
    assert poll["staffed"] == staffed_at(day, "2026-11-27T10:00:00Z") > 0
    assert poll["scheduled_now"] > 0 and isinstance(poll["out_of_adherence"], list)
    # three agents available at 10:00 go on break at 10:05; the next poll sees it without a reload
    ts = pd.to_datetime(day["timestamp"], utc=True)
    last = day[ts <= pd.Timestamp("2026-11-27T10:00:00Z")].assign(ts=ts).sort_values("ts").groupby("agent_id").last()
    movers = list(last.index[last["state"] == "Available"][:3])
    more = pd.DataFrame({"agent_id": movers, "timestamp": "2026-11-27T10:05:00+00:00", "state": "Break",
                         "reason_code": ""})
    assert client.post("/api/v1/agent-events", json=more.to_dict("records"),
                       headers=_as(client, "integration")).status_code == 200
    later = client.get("/api/v1/desk", params={"now": "2026-11-27T10:06:00Z"}, headers=_as(client, "desk")).json()
    assert later["staffed"] == staffed_at(pd.concat([day, more]), "2026-11-27T10:06:00Z")
    sched = pd.read_csv(client.sample_dir / "schedule.csv")
    at = pd.Timestamp("2026-11-27T10:06:00Z")
    live = sched[(pd.to_datetime(sched["start"], utc=True) <= at) & (pd.to_datetime(sched["end"], utc=True) > at)]
    should_work = set(live.loc[live["agent_id"].isin(movers) & (live["activity"] == "on_contact"), "agent_id"])
    out = {a["agent_id"]: a for a in later["out_of_adherence"]}
    assert should_work and all(out[a]["actual"] == "break" and out[a]["scheduled"] == "on_contact"
                               for a in should_work)
    r = client.get("/api/v1/desk", params={"now": "2026-11-27T10:06:00"}, headers=_as(client, "desk"))
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["query", "now"]


def test_a_bad_upload_names_the_row_and_column_and_writes_nothing(client):
    from wfm.storage import tables as t

    h = dict(_as(client, "integration"), **{"content-type": "text/csv"})
    before = _count(client, t.interval_actuals)
    csv = ("queue_id,interval_start,offered,answered\n"
           "lyon_voice,2026-11-30T08:00:00+01:00,41,40\n"
           "lyon_voice,2026-11-30T08:30:00+01:00,-3,0\n")
    r = client.post("/api/v1/actuals", content=csv, headers=h)
    assert r.status_code == 422
    err = r.json()["detail"][0]
    assert err["line"] == 3 and err["loc"][2] == "offered" and err["value"] == "-3"
    assert _count(client, t.interval_actuals) == before
    r = client.post("/api/v1/actuals", json={"not": "a list"}, headers=_as(client, "integration"))
    assert r.status_code == 422 and "JSON list" in r.text
    ok = client.post("/api/v1/actuals", content=csv.rsplit("lyon_voice,2026-11-30T08:30", 1)[0], headers=h)
    assert ok.status_code == 200 and _count(client, t.interval_actuals) == before + 1


def test_metrics_of_a_period_recount_the_actuals(client):
    import pandas as pd

    h = _as(client, "planner")
    r = client.get("/api/v1/metrics", params={"from": "2026-11-23", "to": "2026-11-28"}, headers=h)
    assert r.status_code == 200 and "on offered" in r.json()["conventions"]
    service = {row["queue_id"]: row for row in r.json()["service"]}
    raw = pd.read_csv(client.sample_dir / "actuals_lyon.csv")
    ts = pd.to_datetime(raw["interval_start"], utc=True).dt.tz_convert("Europe/Paris")
    week = raw[(raw["queue_id"] == "lyon_voice") & (ts.dt.date >= pd.Timestamp("2026-11-23").date())
               & (ts.dt.date <= pd.Timestamp("2026-11-28").date())]
    assert service["lyon_voice"]["offered"] == week["offered"].sum()
    assert service["lyon_voice"]["service_level"] == pytest.approx(
        week["answered_within_threshold"].sum() / week["offered"].sum())            # on offered
    bad = client.get("/api/v1/metrics", params={"from": "2026-11-28", "to": "2026-11-23"}, headers=h)
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", "to"]


def test_results_of_a_period_only(client):
    h = _as(client, "planner")
    url = f"/api/v1/runs/{client.run_id}/queues/lyon_voice/requirements"
    every = client.get(url, headers=h).json()
    one_day = client.get(url, params={"start": "2026-12-01T00:00:00+01:00", "end": "2026-12-02T00:00:00+01:00"},
                         headers=h).json()
    assert len(one_day) == 48 and len(every) == 7 * 48
    assert one_day[0]["interval_start"] == "2026-11-30T23:00:00+00:00"
    assert client.get(url, params={"start": "2026-12-01T00:00:00"}, headers=h).status_code == 422


def test_capacity_plan_hires_ahead_of_the_growth_and_reports_the_gap(client):
    h = _as(client, "planner")
    need = [100.0] * 10 + [130.0] * 16                      # growth in week 10: hire before, train 6 weeks
    body = {"required_fte": need, "current_fte": 100, "rules": {"weekly_attrition": 0.0, "training_attrition": 0.0,
                                                               "learning_curve": [], "training_weeks": 6}}
    plan = client.post("/api/v1/capacity-plan", json=body, headers=h).json()
    weeks = plan["weeks"]
    assert sum(int(n) for n in plan["hires"].values()) == 30                # exactly the growth, no attrition
    assert all(int(w) + 6 <= 10 for w in plan["hires"])                    # graduates by week 10
    assert all(not w["short"] for w in weeks) and weeks[12]["productive_fte"] == pytest.approx(130)
    bad = client.post("/api/v1/capacity-plan", json=dict(body, required_fte=[-1]), headers=h)
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"][:2] == ["body", "required_fte"]


def test_weekly_forecast_for_capacity_plans(client):
    h = _as(client, "planner")
    r = client.get("/api/v1/queues/lyon_voice/weekly-forecast?weeks=60", headers=h)
    assert r.status_code == 200, r.text
    body = r.json()
    weeks = body["weeks"]
    assert len(weeks) == 60 and body["timezone"] == "Europe/Paris" and "ETSModel" in body["model"]
    starts = [date.fromisoformat(w["week_start"]) for w in weeks]
    assert all(d.weekday() == 0 for d in starts) and starts[1] - starts[0] == timedelta(weeks=1)
    for w in weeks:
        assert 0 < w["contacts_lower"] < w["contacts"] < w["contacts_upper"]
        assert w["workload_hours"] == pytest.approx(w["contacts"] * body["aht_seconds"] / 3600)
    by_week = {d: w["contacts"] for d, w in zip(starts, weeks)}
    xmas = date(2026, 12, 21)  # Christmas Friday 25th: a public holiday in the FR calendar
    if xmas in by_week:
        assert by_week[xmas] < 0.95 * by_week[xmas - timedelta(weeks=1)]
    assert client.get("/api/v1/queues/nope/weekly-forecast", headers=h).status_code == 404
    r = client.get("/api/v1/queues/lyon_voice/weekly-forecast?weeks=0", headers=h)
    assert r.status_code == 422 and "weeks" in r.text


def test_replan_the_rest_of_a_day_from_its_schedule(client):
    h = _as(client, "desk")
    now = "2026-11-27T11:00:00+01:00"
    r = client.post("/api/v1/replan", json={"queue_id": "lyon_voice", "now": now}, headers=h)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["grid"] == "30-min intervals, Europe/Paris" and body["forecast_kind"] in ("forecast", "backtest")
    assert body["status"] in ("optimal", "feasible") and body["agents"] > 10
    cut = pd.Timestamp(now)
    for iv in body["intervals"]:
        if pd.Timestamp(iv["interval_start"]) < cut:
            assert iv["elapsed"] and iv["scheduled_after"] == iv["scheduled_before"]  # the past is frozen
    for c in body["changes"]:
        for k in ("from", "to"):
            if c[k] is not None:
                assert pd.Timestamp(c[k]) >= cut and c[k].endswith("+01:00")
    assert body["short_agent_minutes_after"] <= body["short_agent_minutes_before"]
    r = client.post("/api/v1/replan", json={"queue_id": "lyon_voice", "now": "2026-10-01T11:00:00+02:00"}, headers=h)
    assert r.status_code == 404 and "no schedule" in r.text
    r = client.post("/api/v1/replan", json={"queue_id": "lyon_voice", "now": "2026-11-27T11:00:00"}, headers=h)
    assert r.status_code == 422 and "timezone" in r.text
