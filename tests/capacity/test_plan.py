import itertools

import numpy as np
import pytest

from capacity.plan import HiringRules, capacity_plan, cohort_productivity


def test_cohort_kernel_by_hand():
    r = HiringRules(training_weeks=2, training_attrition=0.1, weekly_attrition=0.01, learning_curve=(0.5,))
    k = cohort_productivity(5, r)
    assert k[:2].tolist() == [0, 0]                                  # in training
    assert k[2] == pytest.approx(0.9 * 0.5)                          # first week: half productive
    assert k[3] == pytest.approx(0.9 * 0.99)
    assert k[4] == pytest.approx(0.9 * 0.99**2)


def test_plan_closes_a_gap_after_the_lead_time_and_reports_the_unavoidable_shortfall():
    rules = HiringRules(training_weeks=4, training_attrition=0.0, weekly_attrition=0.0, learning_curve=(),
                        max_class_size=50, cost_per_hire=100, weekly_cost_per_fte=10, shortage_cost_per_fte_week=1000)
    req = np.r_[np.full(8, 100.0), np.full(12, 120.0)]               # +20 FTE from week 8
    plan = capacity_plan(req, current_fte=100, rules=rules)
    assert plan.status.startswith("optimal")
    assert plan.hires == {4: 20}                                      # just in time: 4 weeks before week 8
    assert not plan.weeks["short"].any()
    assert (plan.weeks["gap_fte"] >= -1e-9).all()
    # a jump inside the lead time cannot be covered: reported as short, not hidden
    plan = capacity_plan(np.r_[np.full(2, 100.0), np.full(10, 110.0)], current_fte=100, rules=rules)
    short = plan.weeks.loc[plan.weeks["short"], "week"].tolist()
    assert short == [2, 3] and plan.hires == {0: 10}


def test_optimal_against_brute_force_on_a_small_instance():
    rules = HiringRules(training_weeks=1, training_attrition=0.2, weekly_attrition=0.02, learning_curve=(0.5,),
                        max_class_size=6, class_start_weeks=(0, 2, 4), cost_per_hire=50, weekly_cost_per_fte=5,
                        shortage_cost_per_fte_week=400)
    req = np.array([10, 11, 13, 14, 15, 15, 16, 16.0])
    plan = capacity_plan(req, current_fte=10, rules=rules, mip_gap=0.0)
    kernel = cohort_productivity(len(req), rules)
    from capacity.plan import cohort_headcount
    head = cohort_headcount(len(req), rules)
    existing = 10 * 0.98 ** np.arange(len(req))

    def cost(h):
        prod = existing.copy()
        pay = 0.0
        for w, n in zip((0, 2, 4), h):
            prod[w:] += n * kernel[:len(req) - w]
            pay += n * head[:len(req) - w].sum()
        return 50 * sum(h) + 5 * pay + 400 * np.maximum(req - prod, 0).sum()

    best = min(cost(h) for h in itertools.product(range(7), repeat=3))
    assert plan.total_cost == pytest.approx(best, rel=1e-6)


def test_bad_inputs():
    with pytest.raises(ValueError, match="required_fte"):
        capacity_plan([10, -1], 5)
    with pytest.raises(ValueError, match="weekly_attrition"):
        HiringRules(weekly_attrition=1.5)


def test_weekly_required_fte_from_intervals():
    import pandas as pd
    from capacity import weekly_required_fte

    idx = pd.date_range("2026-03-23", "2026-04-06", freq="30min", tz="Europe/Paris", inclusive="left")  # 2 weeks, DST
    req = pd.DataFrame({"interval_start": idx.tz_convert("UTC"), "agents_gross": 10.0})
    w = weekly_required_fte(req, interval_minutes=30, timezone="Europe/Paris", fte_hours_per_week=40)
    assert len(w) == 2
    assert w.iloc[0] == pytest.approx((7 * 24 - 1) * 10 / 40)     # the spring-forward week has 167 hours
    assert w.iloc[1] == pytest.approx(7 * 24 * 10 / 40)


def test_eighteen_month_plan_solves_and_explains_its_gap():
    weeks = np.arange(78)
    req = 200 + 30 * np.sin(weeks / 52 * 2 * np.pi) + 0.5 * weeks          # seasonal and growing
    plan = capacity_plan(req, current_fte=190, rules=HiringRules())
    assert plan.status.startswith("optimal")
    assert plan.total_cost >= plan.bound and (plan.total_cost - plan.bound) <= 1e-3 * plan.total_cost
    table = plan.weeks
    assert len(table) == 78 and set(plan.hires.values()) <= set(range(1, 21))   # class size cap
    # the table adds up: productive = existing + new hires' productive FTE; gap = productive - required
    np.testing.assert_allclose(table["productive_fte"], table["existing_fte"] + table["new_hire_productive_fte"])
    np.testing.assert_allclose(table["gap_fte"], table["productive_fte"] - table["required_fte"])
    # nothing hired can help before the training lead time: those weeks' shortfall is reported
    assert table.loc[:5, "short"].all()
    # when a shortfall costs far more than a salary, the plan covers every week it can reach
    strict = capacity_plan(req, current_fte=190, rules=HiringRules(shortage_cost_per_fte_week=1e6,
                                                                    max_class_size=60))
    assert strict.weeks.loc[10:, "gap_fte"].min() >= -1e-6
