"""Erlang A against the published example, an independent birth–death solution and a
discrete-event simulation of M/M/n+M (fixed seed, statistical bounds)."""

import heapq

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from capacity import erlang_a_metrics, erlang_c_metrics, queue_metrics, required_agents


def birth_death(n, lam, aht, patience, states=4000):
    """Stationary distribution of the M/M/n+M chain by direct products (independent of the
    closed forms): returns P(wait), P(abandon) = θ·E[queue]/λ, carried load per agent."""
    mu, th = 1 / aht, 1 / patience
    k = np.arange(states)
    down = np.minimum(k, n) * mu + np.maximum(k - n, 0) * th
    logp = np.concatenate([[0.0], np.cumsum(np.log(lam) - np.log(down[1:]))])
    p = np.exp(logp - logp.max())
    p /= p.sum()
    busy = np.minimum(k, n) @ p
    return p[n:].sum(), th * (np.maximum(k - n, 0) @ p) / lam, busy / n if n else 0.0


def simulate(lam, aht, patience, n, threshold, calls, seed, batches=20):
    """FCFS M/M/n+M: each contact starts service when the earliest agent frees, unless its
    patience runs out first. Returns batch means of (SL on offered, abandon rate, ASA)."""
    rng = np.random.default_rng(seed)
    arrive = np.cumsum(rng.exponential(1 / lam, calls))
    service = rng.exponential(aht, calls)
    pat = rng.exponential(patience, calls)
    free = [0.0] * n
    within = np.zeros(calls, bool)
    abandoned = np.zeros(calls, bool)
    wait = np.full(calls, np.nan)
    for i in range(calls):
        start = max(arrive[i], free[0])
        w = start - arrive[i]
        if w > pat[i]:
            abandoned[i] = True
            continue
        heapq.heapreplace(free, start + service[i])
        wait[i] = w
        within[i] = w <= threshold
    out = []
    for part in np.array_split(np.arange(calls // 10, calls), batches):  # drop the warm-up tenth
        answered = ~abandoned[part]
        out.append((within[part].mean(), abandoned[part].mean(), np.nanmean(wait[part][answered])))
    return np.array(out)


def test_published_erlang_a_example():
    # 100 calls / 30 min, AHT 180 s, patience 300 s, 80 % in 20 s and abandon <= 5 % -> 13 agents
    r = required_agents(100, 180, interval_minutes=30, model="erlang_a", patience_seconds=300, sl_target=0.8,
                        sl_threshold_seconds=20, abandon_target=0.05)
    assert r["agents"].iloc[0] == 13 and bool(r["feasible"].iloc[0])
    assert r["abandon_rate"].iloc[0] == pytest.approx(0.02496, abs=5e-5)
    assert r["service_level"].iloc[0] == pytest.approx(0.858, abs=5e-4)
    assert r["binding"].iloc[0] == "service_level"
    twelve = queue_metrics(12, 100, 180, interval_minutes=30, model="erlang_a", patience_seconds=300,
                           sl_threshold_seconds=20)
    assert twelve["service_level"].iloc[0] < 0.8       # so 13 is the smallest


@pytest.mark.parametrize("n, volume, aht, patience", [(13, 100, 180, 300), (5, 60, 240, 60), (40, 500, 200, 120),
                                                        (90, 1000, 180, 600), (2000, 40000, 180, 200)])
def test_matches_the_birth_death_chain(n, volume, aht, patience):
    lam = volume / 1800
    m = erlang_a_metrics(n, lam * aht, aht, patience, 20.0)
    p_wait, p_ab, occ = birth_death(n, lam, aht, patience, states=max(4000, 3 * n))
    assert m["p_wait"][0] == pytest.approx(p_wait, rel=1e-9, abs=1e-14)
    assert m["p_abandon"][0] == pytest.approx(p_ab, rel=1e-9, abs=1e-14)
    assert m["occupancy"][0] == pytest.approx(occ, rel=1e-9)
    assert m["mean_wait_seconds"][0] == pytest.approx(p_ab * patience, rel=1e-12)   # Little's law


@pytest.mark.parametrize("n, volume, aht, patience, threshold", [(13, 100, 180, 300, 20), (12, 100, 180, 300, 20),
                                                                   (6, 80, 150, 40, 10), (9, 150, 120, 90, 30)])
def test_agrees_with_simulation(n, volume, aht, patience, threshold):
    lam = volume / 1800
    batches = simulate(lam, aht, patience, n, threshold, calls=120_000, seed=7)
    mean = batches.mean(axis=0)
    se = batches.std(axis=0, ddof=1) / np.sqrt(len(batches))
    m = erlang_a_metrics(n, lam * aht, aht, patience, threshold)
    for k, (name, key) in enumerate((("SL", "service_level"), ("abandon", "p_abandon"), ("ASA", "asa_seconds"))):
        assert abs(mean[k] - m[key][0]) < 4.5 * se[k] + 1e-3 * (k < 2), (name, mean[k], m[key][0], se[k])


def test_large_centres_are_finite_and_exact_enough():
    n = np.array([1000, 5000, 20000, 60000])
    load = n * 0.97
    m = erlang_a_metrics(n, load, 180.0, 240.0, 20.0)
    for v in m.values():
        assert np.isfinite(v).all()
    assert (m["service_level"] > 0.5).all() and (m["p_abandon"] < 0.05).all()
    p_wait, p_ab, _ = birth_death(5000, 5000 * 0.97 / 180, 180.0, 240.0, states=20000)
    assert m["p_wait"][1] == pytest.approx(p_wait, rel=1e-8) and m["p_abandon"][1] == pytest.approx(p_ab, rel=1e-8)
    r = required_agents(np.array([5_000.0, 50_000.0]), 180, interval_minutes=30, patience_seconds=200,
                        sl_target=0.8, sl_threshold_seconds=20, abandon_target=0.03)
    assert r["feasible"].all() and (r["service_level"] >= 0.8 - 1e-9).all() and (r["abandon_rate"] <= 0.03 + 1e-9).all()
    fewer = queue_metrics(r["agents"] - 1, np.array([5_000.0, 50_000.0]), 180, interval_minutes=30,
                          patience_seconds=200, sl_threshold_seconds=20)
    assert ((fewer["service_level"] < 0.8) | (fewer["abandon_rate"] > 0.03)).all()      # the smallest count


def test_overloaded_and_tiny_queues():
    m = erlang_a_metrics([0, 1, 3], [5.0, 20.0, 0.01], 300.0, 60.0, 20.0)
    assert m["p_abandon"][0] == pytest.approx(1.0) and m["service_level"][0] == 0.0
    assert 0.9 < m["p_abandon"][1] < 1.0                 # 20 Erlangs on one agent: nearly all abandon
    assert m["service_level"][2] > 0.999
    assert np.isnan(m["asa_seconds"][0])                  # nobody answered: no ASA, not 0


def test_long_patience_tends_to_erlang_c():
    a = erlang_a_metrics(14, 10.0, 180.0, 1e9, 20.0)
    c = erlang_c_metrics(14, 10.0, 180.0, 20.0)
    assert a["p_wait"][0] == pytest.approx(c["p_wait"], rel=1e-5)
    assert a["service_level"][0] == pytest.approx(c["service_level"], rel=1e-5)
    assert a["asa_seconds"][0] == pytest.approx(c["asa_seconds"], rel=1e-4)


def test_chat_slots_and_aht_divided():
    kw = dict(interval_minutes=30, model="erlang_a", patience_seconds=120, sl_target=0.8, sl_threshold_seconds=60)
    div = required_agents(200, 600, concurrency=3, **kw)
    slots = required_agents(200, 600, concurrency=3, concurrency_model="slots", **kw)
    one = required_agents(200, 600, concurrency=1, concurrency_model="slots", **kw)
    assert one["agents"].iloc[0] == required_agents(200, 600, concurrency=1, **kw)["agents"].iloc[0]
    assert slots["agents"].iloc[0] < div["agents"].iloc[0] < one["agents"].iloc[0]
    with pytest.raises(ValueError, match="concurrency_model"):
        required_agents(200, 600, concurrency=3, concurrency_model="magic", **kw)


def test_patience_is_never_silently_ignored():
    with pytest.raises(ValueError, match="needs patience_seconds"):
        required_agents(100, 180, interval_minutes=30, sl_target=0.8, sl_threshold_seconds=20)
    with pytest.raises(ValueError, match="only used by model='erlang_a'"):
        required_agents(100, 180, interval_minutes=30, model="erlang_c", patience_seconds=300, sl_target=0.8,
                        sl_threshold_seconds=20)
    with pytest.raises(ValueError, match="patience_seconds"):
        required_agents(100, 180, interval_minutes=30, patience_seconds=0, sl_target=0.8, sl_threshold_seconds=20)
    r = required_agents([100, 100], 180, interval_minutes=30, patience_seconds=300, abandon_target=0.0)
    assert not r["feasible"].any()
    r = required_agents([0.0, 0.0], 180, interval_minutes=30, patience_seconds=300, sl_target=0.8,
                        sl_threshold_seconds=20)                      # a closed day: nothing to staff
    assert r["agents"].tolist() == [0, 0] and r["service_level"].tolist() == [1, 1]
    assert required_agents([], 180, interval_minutes=30, patience_seconds=300, sl_target=0.8,
                           sl_threshold_seconds=20).empty


@settings(max_examples=60, deadline=None)
@given(n=st.integers(0, 300), rho=st.floats(0.05, 2.5), aht=st.floats(30, 900), patience=st.floats(5, 3000),
       t=st.floats(0, 120))
def test_properties(n, rho, aht, patience, t):
    load = max(n, 1) * rho
    m0 = erlang_a_metrics(n, load, aht, patience, t)
    m1 = erlang_a_metrics(n + 1, load, aht, patience, t)
    for m in (m0, m1):
        for key in ("p_wait", "p_abandon", "service_level", "service_level_excluding_abandons",
                    "service_level_of_answered", "occupancy"):
            assert -1e-12 <= m[key][0] <= 1 + 1e-12, key
        assert m["service_level"][0] <= 1 - m["p_abandon"][0] + 1e-9          # SL on offered <= 1 - abandon
        assert m["service_level"][0] <= m["service_level_excluding_abandons"][0] + 1e-9
        assert m["service_level"][0] <= m["service_level_of_answered"][0] + 1e-9
    assert m1["service_level"][0] >= m0["service_level"][0] - 1e-9             # monotone in agents
    assert m1["p_abandon"][0] <= m0["p_abandon"][0] + 1e-9
    if n > 0:
        assert m1["asa_seconds"][0] <= m0["asa_seconds"][0] + 1e-6


def test_closed_form_agrees_with_the_term_by_term_sums():
    """The staffing search uses the incomplete-gamma closed form; the reported metrics use
    the sums over queue lengths. Two independent computations of the same quantities."""
    from capacity.erlang_a import erlang_a_core

    rng = np.random.default_rng(11)
    n = rng.integers(0, 3000, 4000).astype(float)
    load = n * rng.uniform(0.3, 1.6, n.size) + rng.uniform(0.01, 3, n.size)
    aht = rng.uniform(30, 900, n.size)
    patience = rng.uniform(10, 1200, n.size)
    thr = rng.uniform(0, 120, n.size)
    core = erlang_a_core(n, load, aht, patience, thr)
    full = erlang_a_metrics(n, load, aht, patience, thr)
    for key in ("p_wait", "p_abandon", "service_level", "occupancy", "p_answered"):
        # the closed form's SL is a difference of two incomplete gammas: absolute accuracy
        # ~1e-12 in overloaded intervals, far below any target's resolution
        np.testing.assert_allclose(core[key], full[key], rtol=1e-9, atol=1e-10, err_msg=key)
