"""Service-aware scheduling objective: what each agent in each slot buys, from `capacity/`.

Per slot t, ``late_t(n)`` = expected contacts **not answered within the threshold** with n
agents (offered × (1 − service level), service level on offered contacts, so abandoned
contacts count as late under Erlang A). Above the interval floor it is convex and
decreasing in n; the model represents it exactly at whole agent counts by its secants
(a convex piecewise-linear penalty). Three terms use it:

* ``weight_per_late_contact`` × expected late contacts (objective units per contact);
* an interval floor: agents short of the count that gives ``interval_floor`` service level
  cost ``floor_penalty`` each;
* a day budget: late contacts beyond (1 − ``day_target``) × the day's offered contacts cost
  ``floor_penalty`` per contact.

With the instance's ``paid_minutes`` weight this is the trade of service against cost that
the targets describe.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from ortools.sat.python import cp_model

import capacity

CENTI = 100  # late contacts are modelled in hundredths of a contact


@dataclass
class ServiceObjective:
    """Per-slot late-contact curves and the service terms (see the module docstring).
    ``late_contacts[t][n]`` for n = 0…len−1 agents; slots are the instance's flat slots."""

    offered: np.ndarray
    late_contacts: list[np.ndarray]
    floor_agents: np.ndarray
    slots_per_day: int
    metrics_args: dict = field(default_factory=dict)
    weight_per_late_contact: float = 1.0
    floor_penalty: float = 1000.0
    day_target: float | None = None
    day_of_slot: np.ndarray | None = None
    "the day of each slot for the day budget (default: slot // slots_per_day); DST days have other lengths"
    available_share: np.ndarray | None = None
    ("share (0–1) of scheduled agents on contacts per slot, 1 − shrinkage: the curves are then in agents on "
     "contacts = ⌊scheduled × share⌋ (rounded down, as the requirement's gross-up rounds up)")

    def add_to_model(self, m: cp_model.CpModel, cover: list, scale: int) -> list[tuple]:
        """Adds the service variables and constraints; returns objective (var, coef) terms."""
        terms, late_by_day = [], {}
        for t, f in enumerate(self.late_contacts):
            if self.offered[t] <= 0 or len(f) < 2:
                continue
            F = np.round(np.asarray(f) * CENTI).astype(np.int64)
            lo = int(min(self.floor_agents[t], len(F) - 2))
            agents = cover[t]
            if self.available_share is not None:  # agents on contacts: an integer ≤ scheduled × share
                share = int(round(float(self.available_share[t]) * 1000))
                agents = m.new_int_var(0, len(F) - 1, f"net_{t}")
                m.add(1000 * agents <= share * cover[t])
            late = m.new_int_var(0, 10**12, f"late_{t}")
            for n in range(lo, len(F) - 1):
                slope = int(F[n + 1] - F[n])
                m.add(late - slope * agents >= int(F[n] - slope * n))
            day = int(self.day_of_slot[t]) if self.day_of_slot is not None else t // self.slots_per_day
            late_by_day.setdefault(day, []).append(late)
            terms.append((late, round(self.weight_per_late_contact * scale / CENTI)))
            if self.floor_agents[t] > 0:
                short = m.new_int_var(0, int(self.floor_agents[t]), f"short_{t}")
                m.add(short >= int(self.floor_agents[t]) - agents)
                terms.append((short, round(self.floor_penalty * scale)))
        if self.day_target is not None:
            for day, lates in late_by_day.items():
                if self.day_of_slot is not None:
                    offered = self.offered[np.asarray(self.day_of_slot) == day].sum()
                else:
                    offered = self.offered[day * self.slots_per_day:(day + 1) * self.slots_per_day].sum()
                budget = int((1 - self.day_target) * offered * CENTI)
                excess = m.new_int_var(0, 10**12, f"excess_{day}")
                m.add(sum(lates) - excess <= budget)
                terms.append((excess, round(self.floor_penalty * scale / CENTI)))
        return terms

    def predicted(self, agents: np.ndarray) -> pd.DataFrame:
        """Predicted service per slot with ``agents`` working: offered contacts, service
        level (on offered, 0–1), expected late contacts; same model as the objective."""
        m = capacity.queue_metrics(np.asarray(agents, float), self.offered, **self.metrics_args)
        sl = np.where(self.offered > 0, m["service_level"].to_numpy(), 1.0)
        return pd.DataFrame({"agents": agents, "offered": self.offered, "service_level": sl,
                             "late_contacts": self.offered * (1 - sl)})


def service_objective(volume, aht_seconds, *, interval_minutes: int, slots_per_day: int,
                      sl_threshold_seconds: float, model: str = "erlang_c", patience_seconds=None,
                      concurrency: float = 1, interval_floor: float | None = None,
                      day_target: float | None = None, weight_per_late_contact: float = 1.0,
                      floor_penalty: float = 1000.0, max_service_level: float = 0.999) -> ServiceObjective:
    """Late-contact curves per slot from the queueing model: ``volume`` = contacts offered per
    slot, ``aht_seconds`` per slot or scalar. Curves run from 0 agents to the count giving
    ``max_service_level``; ``interval_floor`` (0–1) sets each slot's floor agent count
    (default: the first stable count)."""
    vol = np.asarray(volume, float)
    aht = np.broadcast_to(np.asarray(aht_seconds, float), vol.shape)
    args = dict(aht_seconds=aht, interval_minutes=interval_minutes, model=model, patience_seconds=patience_seconds,
                concurrency=concurrency, sl_threshold_seconds=sl_threshold_seconds)
    load = vol * aht / (interval_minutes * 60.0) / max(concurrency, 1e-9)
    curves, floors = [], np.zeros(len(vol), np.int64)
    for t in range(len(vol)):
        if vol[t] <= 0:
            curves.append(np.zeros(1))
            continue
        top = int(np.ceil(load[t] + 10 * np.sqrt(load[t]) + 10))
        n = np.arange(top + 1, dtype=float)
        one = {**args, "aht_seconds": np.full(len(n), aht[t])}
        sl = capacity.queue_metrics(n, np.full(len(n), vol[t]), **one)["service_level"].to_numpy()
        enough = np.flatnonzero(sl >= max_service_level)
        end = int(enough[0]) if len(enough) else top
        curves.append(vol[t] * (1 - sl[: end + 1]))
        stable = np.flatnonzero(n > load[t])
        floor = int(stable[0]) if len(stable) else top
        if interval_floor is not None:
            meets = np.flatnonzero(sl >= interval_floor)
            floor = int(meets[0]) if len(meets) else top
        floors[t] = floor
    return ServiceObjective(vol, curves, floors, slots_per_day, args, weight_per_late_contact, floor_penalty,
                            day_target)

