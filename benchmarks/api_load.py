"""Load on the HTTP API: the desk's poll and the what-if route under concurrent clients on
loopback, while an integration pushes agent events — uvicorn in its own process, SQLite.

A synthetic day of 2,000 agents (4 queues, 8.5-hour shifts with breaks and lunch, their
agent-state events until 10:00, a stored forecast and requirement) is stored; the server is started with
``wfm serve``; the load generator (asyncio + httpx, open loop at a fixed rate, bounded in
clients and time) then runs, in order:

1. ``GET /api/v1/health`` at the target rate — the framework's floor (baseline, same run);
   (each phase starts with 2 s of unrecorded warm-up: connections opened, threads started)
2. ``GET /api/v1/desk`` (the replay clock advancing with real time) at the target rate,
   while ``POST /api/v1/agent-events`` pushes a batch of events every second;
3. ``POST /api/v1/what-if`` (one queue, a week of 15-minute intervals) with a few clients
   as fast as they go.

It reports throughput, p50/p99 latency and errors, and checks that every pushed event is
stored (nothing lost).

    .venv/bin/python benchmarks/api_load.py [--agents 2000] [--rate 200] [--seconds 20]
"""

from __future__ import annotations

import argparse
import os
import asyncio
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from adherence_scale import build  # noqa: E402

from api.security import create_key  # noqa: E402
from wfm.config import parse_config  # noqa: E402
from wfm.storage import connect  # noqa: E402
from wfm.storage import repository as repo  # noqa: E402
from wfm.storage import tables as t  # noqa: E402

OUT = Path("wfm-data") / "api-load"
QUEUES = ("q1", "q2", "q3", "q4")
TOML = """
[centre]
name = "API load test"
[[sites]]
id = "hq"
timezone = "UTC"
""" + "".join(f"""
[[queues]]
id = "{q}"
site = "hq"
channel = "voice"
interval_minutes = 15
patience_seconds = 180
open_hours = {{ default = "07:00-20:00" }}
  [queues.targets]
  service_level = 0.8
  service_level_threshold_seconds = 20
""" for q in QUEUES)


def prepare(agents: int) -> tuple[str, Path, dict[str, str], pd.Timestamp]:
    """A SQLite file with the agents, their schedule, the day's events until 10:00, a stored
    forecast and requirement per queue; returns its URL, the config path, keys and the day."""
    OUT.mkdir(parents=True, exist_ok=True)
    db = OUT / f"load-{agents}.sqlite"
    if db.exists():
        db.unlink()
    cfg_path = OUT / "centre.toml"
    cfg_path.write_text(TOML)
    cfg = parse_config(__import__("tomllib").loads(TOML))
    sched, events, day = build(agents)
    sched["queue_id"] = np.asarray(QUEUES)[sched["agent_id"].str[1:].astype(int) % len(QUEUES)]
    url = f"sqlite:///{db}"
    engine = connect(url)
    grid = pd.date_range(day, periods=7 * 96, freq="15min")
    with engine.begin() as conn:
        repo.sync_config(conn, cfg)
        ids = sorted(sched["agent_id"].unique())
        repo.upsert(conn, t.agents, [{"id": a, "site_id": "hq", "name": a, "contract_id": "none",
                                      "skills": [QUEUES[int(a[1:]) % len(QUEUES)]], "days_off": []} for a in ids])
        run_id = repo.start_run(conn, {"start": str(day.date()), "horizon_days": 7, "queues": list(QUEUES)})
        keys = sched.groupby("agent_id").ngroup()
        shifts = sched.groupby("agent_id").agg(start=("start", "min"), end=("end", "max"),
                                               queue_id=("queue_id", "first")).reset_index()
        shifts["shift_key"] = range(len(shifts))
        shifts["paid_seconds"] = (shifts["end"] - shifts["start"]).dt.total_seconds() - 1800
        repo.write_shifts(conn, run_id, shifts, sched.assign(shift_key=keys)[["shift_key", "start", "end", "activity"]])
        repo.upsert(conn, t.agent_events, events[events["timestamp"] < day + pd.Timedelta(hours=10)]
                    .assign(reason_code=""))
        hours = grid.hour + grid.minute / 60
        vol = np.where((hours >= 7) & (hours < 20), 60 + 40 * np.sin((hours - 7) / 13 * np.pi), 0.0)
        for q in QUEUES:
            fc = pd.DataFrame({"interval_start": grid, "interval_minutes": 15, "volume": vol, "volume_lower": vol * .9,
                               "volume_upper": vol * 1.1, "aht_seconds": 300.0, "shrinkage": 0.3, "concurrency": 1.0,
                               "patience_seconds": 180.0, "model": "synthetic", "kind": "forecast"})
            repo.replace_run_rows(conn, t.forecasts, run_id, q, fc)
            req = pd.DataFrame({"interval_start": grid, "interval_minutes": 15, "volume": vol, "aht_seconds": 300.0,
                                "agents_net": np.ceil(vol * 300 / 900 * 1.1), "agents_gross": np.ceil(vol / 2),
                                "shrinkage": 0.3, "feasible": True, "binding": "service_level", "model": "synthetic"})
            repo.replace_run_rows(conn, t.requirements, run_id, q, req)
        repo.finish_run(conn, run_id, "succeeded")
        keys = {role: create_key(conn, f"load {role}", role)[1] for role in ("desk", "planner", "integration")}
    engine.dispose()
    return url, cfg_path, keys, day


def serve(url: str, cfg_path: Path) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    wfm = Path(sys.executable).with_name("wfm")
    proc = subprocess.Popen([str(wfm), "serve", "--port", str(port), "--config", str(cfg_path),
                             "--database-url", url], stdout=subprocess.DEVNULL,
                            stderr=open(OUT / "server.log", "w"))
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(base + "/api/v1/health", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("server did not start: see " + str(OUT / "server.log"))


async def open_loop(client: httpx.AsyncClient, make, rate: float, seconds: float, clients: int) -> dict:
    """Send ``rate`` requests/s for ``seconds`` (each at its scheduled time, at most ``clients``
    in flight); latency counts from the scheduled time, so queueing shows."""
    sem = asyncio.Semaphore(clients)
    lat, errors, dropped = [], [], 0
    t0 = time.perf_counter()

    async def one(at: float, i: int):
        nonlocal dropped
        async with sem:
            method, path, kw = make(i, time.perf_counter() - t0)
            try:
                r = await client.request(method, path, **kw)
                if r.status_code >= 400:
                    errors.append(r.status_code)
            except httpx.HTTPError as exc:
                errors.append(type(exc).__name__)
            lat.append(time.perf_counter() - t0 - at)
            starts.append(at)

    starts: list[float] = []
    tasks, n = [], int(rate * seconds)
    for i in range(n):
        at = i / rate
        delay = t0 + at - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(at, i)))
    await asyncio.gather(*tasks)
    wall = time.perf_counter() - t0
    ms = np.asarray(lat) * 1000
    slow = np.argsort(-ms)[:int(os.environ.get("WFM_SHOW_SLOW", 0))]
    for k in slow:
        print(f"    slow: scheduled at {starts[k]:6.2f} s, {ms[k]:6.1f} ms")
    return {"requests": n, "throughput_rps": n / wall, "p50_ms": float(np.percentile(ms, 50)),
            "p99_ms": float(np.percentile(ms, 99)), "max_ms": float(ms.max()), "errors": len(errors)}


async def closed_loop(client, make, clients: int, seconds: float) -> dict:
    lat, errors = [], 0
    stop = time.perf_counter() + seconds

    async def worker():
        nonlocal errors
        i = 0
        while time.perf_counter() < stop:
            method, path, kw = make(i, 0.0)
            t = time.perf_counter()
            r = await client.request(method, path, **kw)
            lat.append(time.perf_counter() - t)
            errors += r.status_code >= 400
            i += 1

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    ms = np.asarray(lat) * 1000
    return {"requests": len(lat), "throughput_rps": len(lat) / (time.perf_counter() - t0),
            "p50_ms": float(np.percentile(ms, 50)), "p99_ms": float(np.percentile(ms, 99)), "errors": errors}


async def run(base: str, keys: dict[str, str], day: pd.Timestamp, rate: float, seconds: float, agents: int,
              push: bool = True) -> dict:
    replay0 = day + pd.Timedelta(hours=10)
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as c:
        health = lambda i, s: ("GET", "/api/v1/health", {})  # noqa: E731
        await open_loop(c, health, rate, 2.0, 32)  # warm-up, not recorded
        out = {"health": await open_loop(c, health, rate, seconds, 32)}
        await c.get("/api/v1/desk", params={"now": replay0.isoformat()}, headers={"X-API-Key": keys["desk"]})
        pushed = 0
        stop = asyncio.Event()

        async def pusher():
            nonlocal pushed
            rng = np.random.default_rng(1)
            k = 0
            while push and not stop.is_set():
                who = rng.choice(agents, 50, replace=False)
                at = replay0 + pd.Timedelta(seconds=k)
                rows = [{"agent_id": f"a{i:05d}", "timestamp": at.isoformat(), "state": "Available"} for i in who]
                r = await c.post("/api/v1/agent-events", json=rows, headers={"X-API-Key": keys["integration"]})
                if r.status_code == 200:
                    pushed += len(rows)
                k += 1
                await asyncio.sleep(1.0)

        def poll(i, s):
            now = (replay0 + pd.Timedelta(seconds=s)).isoformat()
            params = {"now": now} if i % 2 else {"now": now, "queue_id": QUEUES[i % len(QUEUES)]}
            return "GET", "/api/v1/desk", {"params": params, "headers": {"X-API-Key": keys["desk"]}}

        await open_loop(c, poll, rate, 2.0, 32)  # warm-up (connections opened, threads started): not recorded
        push_task = asyncio.create_task(pusher())
        out["desk_poll"] = await open_loop(c, poll, rate, seconds, 32)
        stop.set()
        await push_task
        out["pushed_events"] = pushed

        def what_if(i, s):
            return "POST", "/api/v1/what-if", {"json": {"queue_id": QUEUES[i % 4], "volume_factor": 1 + (i % 7) / 20},
                                               "headers": {"X-API-Key": keys["planner"]}}

        out["what_if"] = await closed_loop(c, what_if, 4, min(seconds, 10))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--agents", type=int, default=2000)
    ap.add_argument("--rate", type=float, default=200.0, help="requests per second (open loop)")
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--no-push", action="store_true", help="poll without events being pushed meanwhile")
    args = ap.parse_args()
    url, cfg_path, keys, day = prepare(args.agents)
    with connect(url).connect() as conn:
        before = conn.execute(__import__("sqlalchemy").select(__import__("sqlalchemy").func.count())
                              .select_from(t.agent_events)).scalar()
    proc, base = serve(url, cfg_path)
    try:
        res = asyncio.run(run(base, keys, day, args.rate, args.seconds, args.agents, not args.no_push))
    finally:
        proc.terminate()
        proc.wait(10)
    with connect(url).connect() as conn:
        after = conn.execute(__import__("sqlalchemy").select(__import__("sqlalchemy").func.count())
                             .select_from(t.agent_events)).scalar()
    print(f"{args.agents} agents, {before:,} events stored before the run; target {args.rate:.0f} req/s for "
          f"{args.seconds:.0f} s, uvicorn 1 process, SQLite")
    for name in ("health", "desk_poll", "what_if"):
        r = res[name]
        print(f"  {name:<10} {r['requests']:>6} req  {r['throughput_rps']:7.1f} req/s  p50 {r['p50_ms']:7.1f} ms  "
              f"p99 {r['p99_ms']:7.1f} ms  errors {r['errors']}")
    new_rows = after - before
    print(f"  events pushed during the poll load: {res['pushed_events']:,} accepted; {new_rows:,} new rows stored "
          f"({'nothing lost' if new_rows == res['pushed_events'] else 'MISMATCH'})")
    print(f"  desk poll p99 / health p99: {res['desk_poll']['p99_ms'] / res['health']['p99_ms']:.1f}x")


if __name__ == "__main__":
    main()
