"""Staffing requirement speed and exactness against the open-source peers, in one run.

One year of 15-minute intervals (35,040) of one queue with an intraday and weekly shape,
AHT varying by time of day. Our engine: Erlang C (80 % within 20 s) and Erlang A
(patience 180 s, 80/20 and abandon <= 5 %) for every interval, vectorised. Peers
(installed by the `bench` extra: pyworkforce, call-center-tools, wfmplan): Erlang C for a
sample of the busy intervals, one call per interval as their APIs require; their answers
are compared with ours. None of the peers models abandonment, so Erlang A is timed
against the fastest peer's Erlang C. Then a few large loads, where peers overflow or
stall (each peer call is stopped after a time limit).

    .venv/bin/python benchmarks/capacity_peers.py [--sample 1000]
"""

from __future__ import annotations

import argparse
import signal
import time

import numpy as np

from capacity import required_agents

INTERVAL_MIN = 15
SL, T = 0.8, 20.0


def year_of_intervals(seed: int = 0):
    rng = np.random.default_rng(seed)
    n = 365 * 96
    slot = np.arange(n) % 96
    day = np.arange(n) // 96
    weekday = np.array([1.15, 1.0, 1.0, 1.0, 0.95, 0.5, 0.3])[day % 7]
    shape = np.exp(-0.5 * ((slot - 42) / 10) ** 2) + 0.7 * np.exp(-0.5 * ((slot - 62) / 9) ** 2)
    volume = rng.poisson(160 * weekday * shape).astype(float)
    volume[(slot < 28) | (slot >= 88)] = 0
    aht = 240 * (1 + 0.12 * np.cos((slot / 96 - 0.4) * 2 * np.pi))
    return volume, aht


class Timeout(Exception):
    pass


def _alarm(_s, _f):
    raise Timeout


def with_limit(fn, seconds: float):
    signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return fn()
    except Timeout:
        return "timeout"
    except Exception as exc:  # noqa: BLE001 - a peer's failure is a result to report
        return f"error: {type(exc).__name__}"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def peers():
    out = {}
    try:
        from pyworkforce.queuing import ErlangC

        out["pyworkforce 0.5.1"] = lambda v, a: ErlangC(transactions=v, aht=a / 60, asa=T / 60,
                                                        interval=INTERVAL_MIN).required_positions(SL)["raw_positions"]
    except ImportError:
        pass
    try:
        from call_center_tools import calc_staffing

        # max_occupancy=1.0: its default of 0.85 silently adds staff
        out["call-center-tools 1.0.0"] = lambda v, a: calc_staffing(v * 60 / INTERVAL_MIN, a, max_occupancy=1.0,
                                                                    target_answer_time=T,
                                                                    target_service_level=SL).agents
    except ImportError:
        pass
    try:
        from wfmplan.AgentOptimizer.Optimizer import Optimizer

        out["wfmplan 1.2.2"] = lambda v, a: Optimizer(v, a, INTERVAL_MIN * 60, sla=SL, st=T,
                                                      method="sla").predict().get("agent_req")
    except ImportError:
        pass
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sample", type=int, default=1000, help="busy intervals given to each peer")
    args = ap.parse_args()
    volume, aht = year_of_intervals()
    n = len(volume)
    print(f"{n} intervals of {INTERVAL_MIN} min, {int((volume > 0).sum())} with contacts, "
          f"load up to {volume.max() * aht.max() / (INTERVAL_MIN * 60):.0f} Erlangs")

    timings = {}
    for label, kw in (("ours Erlang C", dict(model="erlang_c")),
                      ("ours Erlang A (+abandon <= 5 %)", dict(model="erlang_a", patience_seconds=180,
                                                                abandon_target=0.05))):
        best = np.inf
        for _ in range(3):
            t0 = time.perf_counter()
            res = required_agents(volume, aht, interval_minutes=INTERVAL_MIN, sl_target=SL, sl_threshold_seconds=T,
                                  **kw)
            best = min(best, time.perf_counter() - t0)
        timings[label] = best / n * 1e6
        print(f"{label:34s} {best:7.3f} s for all intervals = {timings[label]:8.2f} us/interval")
        if kw["model"] == "erlang_c":
            ours_c = res["agents"].to_numpy()

    rng = np.random.default_rng(1)
    busy = np.flatnonzero(volume > 0)
    sample = rng.choice(busy, size=min(args.sample, len(busy)), replace=False)
    peer_times = {}
    for name, fn in peers().items():
        answers = []
        t0 = time.perf_counter()
        for i in sample:
            answers.append(with_limit(lambda: fn(volume[i], aht[i]), 5.0))
        dt = time.perf_counter() - t0
        peer_times[name] = dt / len(sample) * 1e6
        numeric = np.array([a if isinstance(a, (int, float, np.integer, np.floating)) else np.nan for a in answers],
                           dtype=float)
        diff = numeric - ours_c[sample]
        print(f"{name:34s} {peer_times[name]:8.2f} us/interval; answers differ from ours in "
              f"{int(np.nansum(diff != 0))}/{len(sample)} intervals (too many: {int(np.nansum(diff > 0))}, "
              f"too few: {int(np.nansum(diff < 0))}, failed: {int(np.isnan(numeric).sum())})")
    if peer_times:
        fastest = min(peer_times, key=peer_times.get)
        for label, us in timings.items():
            print(f"speed-up of {label} over the fastest peer ({fastest}): {peer_times[fastest] / us:,.0f}x")

    print(f"\nlarge loads (one {INTERVAL_MIN}-min interval, AHT 180 s, 80/20; peers stopped after 10 s):")
    for calls in (2_000, 3_600, 5_000, 20_000, 100_000):
        ours = required_agents([float(calls)], 180, interval_minutes=INTERVAL_MIN, model="erlang_c", sl_target=SL,
                               sl_threshold_seconds=T)
        row = [f"{calls * 180 / (INTERVAL_MIN * 60):>7.0f} Erlangs: ours {int(ours['agents'].iloc[0])}"]
        for name, fn in peers().items():
            t0 = time.perf_counter()
            got = with_limit(lambda: fn(calls, 180.0), 10.0)
            row.append(f"{name.split()[0]} {got} ({time.perf_counter() - t0:.2f} s)")
        print("  " + "; ".join(row))


if __name__ == "__main__":
    main()
