"""Scheduling benchmark: DBAI shift design, synthetic call-centre weeks, the two-peaked day.

Every schedule is written to a folder and checked by the benchmark's own checker
(``../shared/bench/scheduling/evaluate.py``): the objective reported is the checker's.

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python benchmarks/scheduling_bench.py [--time-limit 60] [--only dbai|cc|day] [--out DIR]

(a) DBAI instances: checker objective vs the README's reference value, time, status.
(b) synthetic weeks (30-min instances shipped, 15-min ones with three breaks per full-time
    shift generated with the shipped generator, seed 1): objective, best bound (max of
    CP-SAT's bound and the LP relaxation, a bound for the tour model), gap, agents, time.
(c) the two-peaked day of ``day_curve.json``: our service-aware schedule (8-hour shifts
    every 30 min, one 30-min lunch) vs pyworkforce's two schedulers on the same day,
    each judged by the same independent Erlang C formula: volume-weighted day service
    level, worst interval, paid hours, time.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
BENCH = REPO.parent / "shared" / "bench" / "scheduling"

from scheduling import Instance, SolveOptions, coverage_of, service_objective, solve  # noqa: E402

REFERENCE = {"sd1_RandomExample1": 480, "sd1_RandomExample2": 300, "sd1_RandomExample3": 600,
             "sd1_RandomExample4": 450, "sd1_RandomExample5": 480, "sd2_RandomExample26": 1020,
             "sd2_RandomExample27": 360, "cc_p10_s1_i30": 3660, "cc_p50_s1_i30": 10920, "cc_p200_s1_i30": 29490,
             "cc_p2000_s1_i30": 322800}


def _checker():
    spec = importlib.util.spec_from_file_location("bench_evaluate", BENCH / "evaluate.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _run(path: Path, limit: float, out: Path, ev) -> dict:
    inst = Instance.load(path)
    t0 = time.perf_counter()
    sched = solve(inst, SolveOptions(time_limit_seconds=limit))
    seconds = time.perf_counter() - t0
    doc = sched.to_json()
    (out / f"{inst.name}.schedule.json").write_text(json.dumps(doc))
    rep = ev.evaluate(inst.raw, doc)
    assert rep["objective"] == sched.objective, (rep["objective"], sched.objective)
    agents = len({s.agent for s in sched.shifts if s.agent}) or sum(s.count for s in sched.shifts)
    gap = (sched.objective - sched.bound) / sched.objective if sched.objective else 0.0
    return {"instance": inst.name, "checker_objective": rep["objective"], "valid": not rep["violations"],
            "violations": rep["violations"][:3], "bound": round(sched.bound, 1), "gap": gap, "status": sched.status,
            "seconds": round(seconds, 1), "agents_or_shifts": agents, "reference": REFERENCE.get(inst.name)}


def dbai(limit: float, out: Path, ev) -> list[dict]:
    return [_run(p, limit, out, ev) for p in sorted((BENCH / "instances").glob("sd*.json"))]


def callcentre(limit: float, out: Path, ev) -> list[dict]:
    paths = sorted((BENCH / "instances").glob("cc_*.json"), key=lambda p: int(p.name.split("_p")[1].split("_")[0]))
    for peak in (200, 2000):  # 15-minute weeks: lunch + two paid 15-min rest breaks per full-time shift
        dest = out / f"cc_p{peak}_s1_i15.json"
        subprocess.run([sys.executable, str(BENCH / "generate.py"), "--peak", str(peak), "--seed", "1",
                        "--interval", "15", "-o", str(dest)], check=True, capture_output=True)
        paths.append(dest)
    return [_run(p, limit, out, ev) for p in paths]


def _erlang_c_sl(calls: float, aht: float, agents: int, threshold: float, interval_s: float) -> float:
    """Textbook Erlang C service level (Erlang B recursion), independent of capacity/."""
    if calls <= 0:
        return 1.0
    a = calls * aht / interval_s
    if agents <= a:
        return 0.0
    b = 1.0
    for n in range(1, agents + 1):
        b = a * b / (n + a * b)
    c = agents * b / (agents - a * (1 - b))
    return 1 - c * math.exp(-(agents - a) * threshold / aht)


def _judge(name: str, cov: np.ndarray, paid_hours: float, seconds: float, day: dict) -> dict:
    vol = np.asarray(day["volume"], float)
    sl = np.array([_erlang_c_sl(v, day["aht_seconds"], int(n), day["sl_threshold_seconds"], 1800)
                   for v, n in zip(vol, cov)])
    return {"scheduler": name, "day_sl": float((sl * vol).sum() / vol.sum()), "worst_interval_sl": float(sl.min()),
            "paid_hours": paid_hours, "seconds": round(seconds, 2)}


def day_curve(out: Path) -> list[dict]:
    day = json.loads((BENCH / "day_curve.json").read_text())
    rows = []
    for label, length, paid_lunch in (("ours: 8 h span incl. 30-min unpaid lunch", 16, False),
                                      ("ours: 8 paid h + 30-min unpaid lunch (8.5 h span)", 17, False)):
        inst = Instance.from_json({
            "schema": "wfm-bench-instance/1", "name": "day_curve", "interval_minutes": 30, "days": 1,
            "intervals_per_day": 48, "cyclic": True, "requirement": [day["required"]],
            "shift_types": [{"name": "day", "start_min": 0, "start_max": 47, "length_min": length, "length_max": length,
                             "breaks": [{"name": "lunch", "length": 1, "earliest_offset": 6, "latest_offset": 10,
                                         "paid": paid_lunch}]}],
            "objective": {"kind": "weighted_cover", "weights": {"under_minutes": 0, "over_minutes": 0,
                                                                "paid_minutes": 1}}})
        t0 = time.perf_counter()
        svc = service_objective(day["volume"], day["aht_seconds"], interval_minutes=30, slots_per_day=48,
                                sl_threshold_seconds=day["sl_threshold_seconds"], interval_floor=0.6,
                                day_target=day["sl_target"])
        sched = solve(inst, SolveOptions(time_limit_seconds=2.0), service=svc)
        seconds = time.perf_counter() - t0
        (out / f"day_curve_{length}.schedule.json").write_text(json.dumps(sched.to_json()))
        rows.append(_judge(label, coverage_of(inst, sched.shifts), sched.components["paid_minutes"] / 60, seconds,
                           day))
    try:
        from pyworkforce.scheduling import MinAbsDifference, MinRequiredResources
    except ImportError:
        rows.append({"scheduler": "pyworkforce", "error": "not installed (pip install -e '.[bench]')"})
        return rows
    shifts = {}
    for s in range(48):
        cover = np.zeros(48, int)
        cover[[(s + k) % 48 for k in range(16)]] = 1
        shifts[f"s{s}"] = cover.tolist()
    for cls in (MinAbsDifference, MinRequiredResources):
        t0 = time.perf_counter()
        res = cls(num_days=1, periods=48, shifts_coverage=shifts, required_resources=[day["required"]],
                  max_period_concurrency=1000, max_shift_concurrency=300, max_search_time=60.0,
                  num_search_workers=2).solve()
        seconds = time.perf_counter() - t0
        cov = np.zeros(48, int)
        n = 0
        for r in res["resources_shifts"]:
            cov += r["resources"] * np.asarray(shifts[r["shift"]])
            n += r["resources"]
        rows.append(_judge(f"pyworkforce {cls.__name__} (8 h, no lunch)", cov, n * 8.0, seconds, day))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--only", choices=("dbai", "cc", "day"))
    ap.add_argument("--out", type=Path, default=Path("wfm-data/scheduling-bench"), help="where schedules and results.json go")
    a = ap.parse_args()
    a.out.mkdir(parents=True, exist_ok=True)
    ev = _checker()
    results = {}
    if a.only in (None, "day"):
        results["day_curve"] = day_curve(a.out)
        for r in results["day_curve"]:
            print(json.dumps(r))
    if a.only in (None, "dbai"):
        results["dbai"] = dbai(a.time_limit, a.out, ev)
        for r in results["dbai"]:
            print(json.dumps(r))
    if a.only in (None, "cc"):
        results["callcentre"] = callcentre(a.time_limit, a.out, ev)
        for r in results["callcentre"]:
            print(json.dumps(r))
    (a.out / "results.json").write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
