"""Capacity: queueing models that turn forecasts into staff requirements.

Conventions: service level and abandon rate on offered contacts; ASA over answered
contacts; occupancy on carried load; chat concurrency k → handle time AHT/k per agent
("aht_divided", or "slots": k parallel servers per agent); staff after shrinkage always
rounded up; no hidden occupancy cap.
"""

from capacity.consistency import ConsistencyReport, target_consistency
from capacity.erlang import erlang_b, erlang_c_metrics, log_inverse_erlang_b, traffic_erlangs
from capacity.erlang_a import erlang_a_metrics
from capacity.deferred import backlog_projection, deferred_staffing, outbound_agents, timeliness
from capacity.plan import CapacityPlan, HiringRules, capacity_plan, weekly_required_fte
from capacity.patience import estimate_patience, patience_from_counts
from capacity.requirements import requirements
from capacity.shrinkage import gross_agents, total_shrinkage
from capacity.staffing import queue_metrics, required_agents

__all__ = ["ConsistencyReport", "target_consistency", "erlang_a_metrics", "erlang_b", "erlang_c_metrics",
           "log_inverse_erlang_b", "traffic_erlangs", "estimate_patience", "patience_from_counts", "requirements",
           "gross_agents", "total_shrinkage", "queue_metrics", "required_agents", "backlog_projection",
           "deferred_staffing", "outbound_agents", "timeliness", "CapacityPlan", "HiringRules", "capacity_plan",
           "weekly_required_fte"]
