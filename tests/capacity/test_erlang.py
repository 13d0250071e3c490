"""Erlang B/C against published figures and an independent exact computation (fractions)."""

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from capacity import erlang_b, erlang_c_metrics, gross_agents, queue_metrics, required_agents


def exact_erlang_c(n: int, a: Fraction) -> Fraction:
    """P(wait) of M/M/n by the textbook sum, in exact rational arithmetic."""
    s = sum(a**k / math.factorial(k) for k in range(n))
    top = a**n / math.factorial(n) * Fraction(n) / (n - a)
    return top / (s + top)


def test_published_example_erlang_c():
    # 100 calls in 30 min, AHT 180 s, 80 % within 20 s -> 14 agents
    r = required_agents(100, 180, interval_minutes=30, model="erlang_c", sl_target=0.8, sl_threshold_seconds=20)
    assert r["agents"].iloc[0] == 14
    assert r["service_level"].iloc[0] == pytest.approx(0.8883500191794669, abs=1e-12)
    assert r["occupancy"].iloc[0] == pytest.approx(10 / 14, abs=1e-15)
    assert r["binding"].iloc[0] == "service_level" and bool(r["feasible"].iloc[0])
    # 13 agents do not meet it (smallest count)
    m = queue_metrics(13, 100, 180, interval_minutes=30, model="erlang_c", sl_threshold_seconds=20)
    assert m["service_level"].iloc[0] < 0.8


def test_erlang_b_table_value():
    a = Fraction(5)
    exact = (a**10 / math.factorial(10)) / sum(a**k / math.factorial(k) for k in range(11))
    assert erlang_b(10, 5.0) == pytest.approx(float(exact), rel=1e-13)
    assert float(exact) == pytest.approx(0.018384, abs=1e-6)


@pytest.mark.parametrize("n, a", [(1, Fraction(1, 2)), (5, Fraction(37, 10)), (14, Fraction(10)),
                                  (30, Fraction(2851, 100)), (60, Fraction(45))])
def test_erlang_c_matches_exact_rational_formula(n, a):
    aht = 240.0
    m = erlang_c_metrics(n, float(a), aht, 20.0)
    c = exact_erlang_c(n, a)
    assert m["p_wait"] == pytest.approx(float(c), rel=1e-12)
    assert m["service_level"] == pytest.approx(1 - float(c) * math.exp(-(n - float(a)) * 20 / aht), rel=1e-12)
    assert m["asa_seconds"] == pytest.approx(float(c) * aht / (n - float(a)), rel=1e-12)


def test_unstable_and_whole_number_traffic_are_reported_not_raised():
    m = erlang_c_metrics(10, 10.0, 180.0, 20.0)  # n == A exactly
    assert not m["stable"] and m["service_level"] == 0 and math.isinf(m["asa_seconds"])
    r = required_agents(200, 180, interval_minutes=60, model="erlang_c", sl_target=0.8, sl_threshold_seconds=20)  # A = 10.0
    assert r["agents"].iloc[0] > 10 and np.isfinite(r["service_level"].iloc[0])


def test_large_loads_stay_finite():
    vol = np.array([0.1, 50_000.0, 200_000.0])
    r = required_agents(vol, 300, interval_minutes=30, model="erlang_c", sl_target=0.8, sl_threshold_seconds=20)
    assert np.isfinite(r[["service_level", "asa_seconds", "occupancy"]].to_numpy()).all()
    assert (r["service_level"] >= 0.8).all()
    below = queue_metrics(r["agents"].to_numpy() - 1, vol, 300, interval_minutes=30, model="erlang_c",
                          sl_threshold_seconds=20)
    assert (below["service_level"] < 0.8).all()  # smallest count


def test_zero_volume_and_unattainable_targets():
    r = required_agents([0, 10], 180, interval_minutes=30, model="erlang_c", sl_target=1.0, sl_threshold_seconds=20)
    assert r["agents"].tolist()[0] == 0 and bool(r["feasible"].iloc[0])
    assert not bool(r["feasible"].iloc[1]) and r["binding"].iloc[1] == "infeasible"
    r = required_agents([100], 180, interval_minutes=30, model="erlang_c", sl_target=0.8, sl_threshold_seconds=20,
                        max_agents=12)
    assert not bool(r["feasible"].iloc[0])


@pytest.mark.parametrize("kwargs, message", [
    ({"volume": [-1]}, "volume"), ({"volume": [np.nan]}, "volume"), ({"aht_seconds": 0}, "aht_seconds"),
    ({"sl_target": 1.2}, "sl_target"), ({"max_occupancy": 0.0}, "max_occupancy"),
    ({"concurrency": 1.5}, "concurrency"), ({"asa_target_seconds": -1}, "asa_target_seconds"),
    ({"sl_threshold_seconds": None}, "go together"), ({"sl_threshold_seconds": -5}, "sl_threshold_seconds"),
    ({"volume": [np.inf]}, "volume"), ({"concurrency": 0}, "concurrency"), ({"max_occupancy": 1.2}, "max_occupancy"),
])
def test_invalid_inputs_name_the_argument(kwargs, message):
    args = {"volume": [100], "aht_seconds": 180, "interval_minutes": 30, "sl_target": 0.8, "sl_threshold_seconds": 20,
            "model": "erlang_c"}
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        required_agents(args.pop("volume"), args.pop("aht_seconds"), **args)


def test_asa_and_occupancy_targets_bind():
    r = required_agents(100, 180, interval_minutes=30, model="erlang_c", asa_target_seconds=5)
    assert r["asa_seconds"].iloc[0] <= 5 and r["binding"].iloc[0] == "asa"
    assert queue_metrics(r["agents"].iloc[0] - 1, 100, 180, interval_minutes=30, model="erlang_c")["asa_seconds"].iloc[0] > 5
    r = required_agents(100, 180, interval_minutes=30, model="erlang_c", sl_target=0.8, sl_threshold_seconds=20, max_occupancy=0.6)
    assert r["agents"].iloc[0] == 17 and r["binding"].iloc[0] == "occupancy"  # ceil(10 / 0.6)


def test_chat_concurrency_divides_handle_time():
    chat = required_agents(100, 360, interval_minutes=30, model="erlang_c", concurrency=2, sl_target=0.8, sl_threshold_seconds=20)
    voice = required_agents(100, 180, interval_minutes=30, model="erlang_c", sl_target=0.8, sl_threshold_seconds=20)
    assert chat["agents"].iloc[0] == voice["agents"].iloc[0] == 14


def test_gross_is_rounded_up_without_float_artefacts():
    assert gross_agents(14, 0.3) == 20            # 14 / 0.7 = 20.000000000000004 in floating point
    assert gross_agents(14.01, 0.3) == 21
    assert gross_agents(0, 0.5) == 0
    with pytest.raises(ValueError, match="shrinkage"):
        gross_agents(10, 1.0)


@settings(max_examples=200, deadline=None)
@given(net=st.integers(0, 5000), s=st.floats(0, 0.9))
def test_gross_property(net, s):
    g = float(gross_agents(net, s))
    exact = Fraction(net) / (1 - Fraction(s))
    assert g == math.ceil(exact) or (g == math.floor(exact) and exact - math.floor(exact) < Fraction(1, 10**8))


@settings(max_examples=100, deadline=None)
@given(a=st.floats(0.05, 400), extra=st.integers(1, 60), t=st.floats(0, 120))
def test_service_level_increases_with_agents(a, extra, t):
    n = math.floor(a) + extra
    m1 = erlang_c_metrics(n, a, 200.0, t)
    m2 = erlang_c_metrics(n + 1, a, 200.0, t)
    assert 0 <= m1["service_level"] <= m2["service_level"] + 1e-12 <= 1 + 1e-12
    assert m2["asa_seconds"] <= m1["asa_seconds"] + 1e-12


def test_shrinkage_categories_add_up_as_shares_of_paid_time():
    from capacity import total_shrinkage

    s = total_shrinkage({"breaks": 0.0625, "training": 0.05, "meetings": 0.02}, {"sickness": 0.04, "absence": 0.03})
    assert s["planned"] == pytest.approx(0.1325) and s["unplanned"] == pytest.approx(0.07)
    assert s["total"] == pytest.approx(0.2025)
    assert gross_agents(20, s["total"]) == 26                  # 20 / 0.7975 = 25.08 -> 26
    with pytest.raises(ValueError, match="sickness"):
        total_shrinkage(unplanned={"sickness": -0.1})
    with pytest.raises(ValueError, match="below 1"):
        total_shrinkage({"a": 0.6}, {"b": 0.5})
