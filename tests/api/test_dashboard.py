"""The dashboard in a real browser: Debian's Chromium driven by Playwright against uvicorn on loopback."""

import os
import shutil

import httpx
import pandas as pd
import pytest


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
NOW = "2026-11-27T10:06:00Z"


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail("Debian's chromium is missing in CI: .ci/run must install it (apt-get install chromium)")
        pytest.skip("Debian's chromium is not installed (.ci/run installs it: apt-get install chromium)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


def _signed_in(browser, server, role):
    page = browser.new_page()
    page.goto(server["base"] + "/dashboard")
    assert "/dashboard/login" in page.url                      # not signed in: sent to the sign-in form
    page.fill("#key", server["keys"][role])
    page.click("button[type=submit]")
    return page


def test_sign_in_then_runs_forecast_and_staff_plots(browser, server):
    page = _signed_in(browser, server, "planner")
    page.wait_for_selector("#runs")
    assert server["run_id"] in page.inner_text("#runs")
    page.click(f"#runs a[href*='lyon_voice?run_id={server['run_id']}']")
    page.wait_for_selector("#forecast .main-svg")
    page.wait_for_selector("#staff .main-svg")
    assert "30-min intervals, Europe/Paris" in page.inner_text("main")
    names = page.evaluate("document.getElementById('forecast').data.map(t => t.name)")
    assert names[:3] == ["actual offered", "backtest forecast", "forecast"]
    points = page.evaluate("document.getElementById('forecast').data[2].y.filter(v => v !== null).length")
    assert points == 2 * 24 * 2                                 # two days of 30-min forecast intervals
    staff = page.evaluate("Object.fromEntries(document.getElementById('staff').data.map("
                          "t => [t.name, t.y.filter(v => v !== null).length]))")
    assert staff["scheduled"] == staff["required gross"] == 96 and staff["actual FTE (past days)"] > 0
    legend = page.text_content("#forecast .legend")
    assert "forecast" in legend and "actual offered" in legend  # drawn, not only in the data


def test_schedule_gantt_of_a_site(browser, server):
    page = _signed_in(browser, server, "planner")
    page.goto(server["base"] + f"/dashboard/schedule?site_id=lyon&run_id={server['run_id']}")
    page.wait_for_selector("#gantt .main-svg")
    traces = page.evaluate("document.getElementById('gantt').data.map(t => [t.name, t.y.length])")
    kinds = dict(traces)
    assert kinds.get("on_contact", 0) > 20 and kinds.get("lunch", 0) > 10
    agents = page.evaluate("new Set(document.getElementById('gantt').data.flatMap(t => t.y)).size")
    assert f"{agents} agent(s)" in page.inner_text("main")


def test_the_desk_board_refreshes_itself_when_events_arrive(browser, server):
    events = pd.read_csv(server["dir"] / "agent_events.csv")
    sched = pd.read_csv(server["dir"] / "schedule.csv")
    now = pd.Timestamp(NOW)
    ts = pd.to_datetime(events["timestamp"], utc=True)
    state = events[ts <= now].assign(ts=ts).sort_values("ts").groupby("agent_id")["state"].last()
    live = sched[(pd.to_datetime(sched["start"], utc=True) <= now) & (pd.to_datetime(sched["end"], utc=True) > now)]
    working = set(live.loc[live["activity"] == "on_contact", "agent_id"])
    mover = sorted(a for a in working if state.get(a) == "Available")[0]   # in adherence until we move it

    page = _signed_in(browser, server, "desk")
    page.goto(server["base"] + f"/dashboard/desk?now={NOW}&refresh_seconds=1")
    page.wait_for_function("document.getElementById('staffed').textContent.match(/^[0-9]+$/)")
    staffed = int(page.inner_text("#staffed"))
    assert staffed == int((state == "Available").sum())
    assert page.locator(f"#board tr[data-agent='{mover}']").count() == 0
    r = httpx.post(server["base"] + "/api/v1/agent-events", headers={"X-API-Key": server["keys"]["integration"]},
                   json=[{"agent_id": mover, "timestamp": "2026-11-27T10:05:00+00:00", "state": "Break"}])
    assert r.status_code == 200
    page.wait_for_selector(f"#board tr[data-agent='{mover}']", timeout=10_000)   # no reload: it refreshed itself
    row = page.inner_text(f"#board tr[data-agent='{mover}']")
    assert "on_contact" in row and "break" in row and "1.0" in row
    assert int(page.inner_text("#staffed")) == staffed - 1


def test_the_desk_role_cannot_open_planner_pages(server):
    with httpx.Client(base_url=server["base"], follow_redirects=False) as c:
        c.post("/dashboard/login", data={"key": server["keys"]["desk"], "next": "/dashboard"})
        assert c.get("/dashboard/desk").status_code == 200
        assert c.get("/dashboard").status_code == 303                       # back to sign-in
        assert c.get("/api/v1/runs").status_code == 403                     # cookie, but not a planner
        assert c.post("/api/v1/jobs/pipeline", json={}).status_code == 401  # cookies never authorise writes
