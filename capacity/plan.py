"""Long-range capacity plan (COPC 2.4.2): weekly requirement vs projected headcount, and the
hiring plan that closes the gap at minimum cost, far enough ahead for hiring and training.

Model (weeks t = 0..W-1, all staff in FTE):

* current productive staff leave at a weekly attrition rate a: E_t = E_0·(1 − a)^t;
* a hiring class of h_w people starts training in week w; ``training_weeks`` later the
  share (1 − training attrition) graduates, then leaves at rate a like everyone else, and
  is productive at ``learning_curve[k]`` of a tenured agent in its k-th week after
  graduating (1 afterwards);
* productive_t = E_t + Σ_w h_w·(1 − a_train)·(1 − a)^(t−w−L)·p(t−w−L) for t ≥ w + L.

Productive staff is linear in the class sizes, so the plan is a mixed-integer programme
(OR-Tools, SCIP): minimise hiring cost + paid weeks of staff and trainees + a penalty per
FTE-week short of the requirement, with whole people per class, a maximum class size and
the weeks in which classes may start. Shortfalls that no hiring can prevent (inside the
lead time) are reported in the gap table, never hidden.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class HiringRules:
    """Hiring assumptions; rates are weekly fractions 0–1, costs in any one currency."""

    training_weeks: int = 6
    training_attrition: float = 0.10
    "share of a class lost before graduating"
    weekly_attrition: float = 0.005
    learning_curve: tuple[float, ...] = (0.6, 0.8, 0.9)
    "productivity of a graduate in its first weeks (then 1)"
    max_class_size: int = 20
    class_start_weeks: tuple[int, ...] | None = None
    "weeks in which a class may start (None: any week)"
    cost_per_hire: float = 5_000.0
    weekly_cost_per_fte: float = 800.0
    "salary per person-week, paid to trainees and staff alike"
    shortage_cost_per_fte_week: float = 3_000.0

    def __post_init__(self) -> None:
        for name in ("training_attrition", "weekly_attrition"):
            v = getattr(self, name)
            if not 0 <= v < 1:
                raise ValueError(f"{name} must be in [0, 1), got {v}")
        if self.training_weeks < 0:
            raise ValueError(f"training_weeks must be >= 0, got {self.training_weeks}")
        if any(not 0 <= p <= 1 for p in self.learning_curve):
            raise ValueError(f"learning_curve values must be in [0, 1], got {self.learning_curve}")
        if self.max_class_size < 0:
            raise ValueError(f"max_class_size must be >= 0, got {self.max_class_size}")


@dataclass
class CapacityPlan:
    weeks: pd.DataFrame
    "the weekly gap table"
    hires: dict[int, int] = field(default_factory=dict)
    "week -> class size"
    total_cost: float = 0.0
    status: str = ""
    bound: float = 0.0
    "lower bound on the cost proven by the solver"


def cohort_productivity(weeks: int, rules: HiringRules) -> np.ndarray:
    """Productive FTE per person hired in week 0, for weeks 0..weeks-1 (the model's kernel)."""
    k = np.arange(weeks)
    after = k - rules.training_weeks
    curve = np.ones(weeks)
    lc = np.asarray(rules.learning_curve, dtype=float)
    inside = (after >= 0) & (after < len(lc))
    curve[inside] = lc[after[inside]]
    survive = (1 - rules.training_attrition) * (1 - rules.weekly_attrition) ** np.maximum(after, 0)
    return np.where(after >= 0, survive * curve, 0.0)


def cohort_headcount(weeks: int, rules: HiringRules) -> np.ndarray:
    """People on the payroll per person hired in week 0 (trainees count in full)."""
    k = np.arange(weeks)
    after = k - rules.training_weeks
    return np.where(after >= 0, (1 - rules.training_attrition) * (1 - rules.weekly_attrition) ** np.maximum(after, 0),
                    1.0)


def capacity_plan(required_fte, current_fte: float, rules: HiringRules = HiringRules(),
                  time_limit_seconds: float = 30.0, mip_gap: float = 1e-3) -> CapacityPlan:
    """Hiring plan over the weeks of ``required_fte`` (productive FTE needed each week),
    optimal within ``mip_gap`` (relative) unless the time limit stops the solver first
    (``status`` says which; ``bound`` is the solver's lower bound on the cost)."""
    from ortools.linear_solver import pywraplp

    req = np.asarray(required_fte, dtype=float)
    if req.ndim != 1 or len(req) == 0 or np.any(~np.isfinite(req)) or np.any(req < 0):
        raise ValueError("required_fte must be a non-empty sequence of finite values >= 0")
    if current_fte < 0:
        raise ValueError(f"current_fte must be >= 0, got {current_fte}")
    weeks = len(req)
    existing = current_fte * (1 - rules.weekly_attrition) ** np.arange(weeks)
    prod_kernel = cohort_productivity(weeks, rules)
    head_kernel = cohort_headcount(weeks, rules)
    starts = [w for w in range(weeks) if rules.class_start_weeks is None or w in rules.class_start_weeks]

    solver = pywraplp.Solver.CreateSolver("SCIP")
    solver.SetTimeLimit(int(time_limit_seconds * 1000))
    hire = {w: solver.IntVar(0, rules.max_class_size, f"hire_w{w}") for w in starts}
    short = [solver.NumVar(0, solver.infinity(), f"short_t{t}") for t in range(weeks)]
    for t in range(weeks):
        productive = existing[t] + sum(prod_kernel[t - w] * hire[w] for w in starts if w <= t)
        solver.Add(productive + short[t] >= req[t], f"cover_t{t}")
    payroll = sum(head_kernel[:weeks - w].sum() * hire[w] for w in starts)
    solver.Minimize(rules.cost_per_hire * sum(hire.values()) + rules.weekly_cost_per_fte * payroll
                    + rules.shortage_cost_per_fte_week * sum(short))
    params = pywraplp.MPSolverParameters()
    params.SetDoubleParam(pywraplp.MPSolverParameters.RELATIVE_MIP_GAP, mip_gap)
    status = solver.Solve(params)
    names = {pywraplp.Solver.OPTIMAL: "optimal (within the MIP gap)", pywraplp.Solver.FEASIBLE: "feasible (time limit)"}
    if status not in names:
        raise RuntimeError(f"the hiring model could not be solved (status {status})")
    h = np.zeros(weeks)
    for w, var in hire.items():
        h[w] = round(var.solution_value())
    productive_new = np.array([sum(prod_kernel[t - w] * h[w] for w in range(t + 1)) for t in range(weeks)])
    trainees = np.array([sum(h[w] for w in range(max(0, t - rules.training_weeks + 1), t + 1))
                         if rules.training_weeks > 0 else 0.0 for t in range(weeks)])
    graduates_headcount = np.array([sum(head_kernel[t - w] * h[w] for w in range(t + 1)) for t in range(weeks)]) \
        - trainees
    productive = existing + productive_new
    table = pd.DataFrame({
        "week": np.arange(weeks), "required_fte": req, "existing_fte": existing,
        "class_starting": h.astype(int), "in_training": trainees, "new_hire_headcount": graduates_headcount,
        "new_hire_productive_fte": productive_new, "productive_fte": productive,
        "gap_fte": productive - req, "short": productive < req - 1e-9,
    })
    return CapacityPlan(weeks=table, hires={int(w): int(h[w]) for w in range(weeks) if h[w] > 0},
                        total_cost=float(solver.Objective().Value()), status=names[status],
                        bound=float(solver.Objective().BestBound()))


def weekly_required_fte(requirements: pd.DataFrame, *, interval_minutes: int, timezone: str,
                        fte_hours_per_week: float = 37.5, column: str = "agents_gross") -> pd.Series:
    """Weekly requirement in FTE from an interval requirement frame: agent-hours of ``column``
    per local ISO week (Monday start) ÷ the hours of one FTE."""
    if fte_hours_per_week <= 0:
        raise ValueError(f"fte_hours_per_week must be > 0, got {fte_hours_per_week}")
    local = pd.DatetimeIndex(requirements["interval_start"]).tz_convert(timezone)
    week = (local.tz_localize(None).normalize() - pd.to_timedelta(local.day_of_week, unit="D"))
    hours = requirements[column].to_numpy(float) * interval_minutes / 60
    return pd.Series(hours, index=week).groupby(level=0).sum() / fte_hours_per_week
