"""Scheduling: CP-SAT shift design, weekly tours with labour rules, service-aware objective,
benchmark formats; plus the greedy cover used as a fallback and the agent assignment.

Units: positions and lengths in intervals of the instance, weekly amounts in paid minutes,
service level on offered contacts (0–1).
"""

from scheduling.design import SolveOptions, solve
from scheduling.horizon import BreakSpec, ContractGroup, contract_caps, design_horizon, horizon_instance
from scheduling.greedy import (PlannedShift, RosterAgent, ShiftRules, assign_agents, cover, coverage_from_activities,
                               shifts_frames)
from scheduling.instance import (AgentRules, BreakRule, Instance, InstanceError, Schedule, ScheduledShift, ShiftType,
                                 Weights)
from scheduling.objective import coverage_of, objective_components
from scheduling.replan import DayShift, Replan, day_coverage, replan_day
from scheduling.roster import RosterWeights, assign_roster
from scheduling.service import ServiceObjective, service_objective

__all__ = ["SolveOptions", "solve", "BreakSpec", "ContractGroup", "contract_caps", "design_horizon", "horizon_instance", "PlannedShift", "RosterAgent", "ShiftRules", "assign_agents", "cover",
           "coverage_from_activities", "shifts_frames", "AgentRules", "BreakRule", "Instance", "InstanceError",
           "Schedule", "ScheduledShift", "ShiftType", "Weights", "coverage_of", "objective_components",
           "ServiceObjective", "service_objective", "RosterWeights", "assign_roster", "DayShift", "Replan",
           "day_coverage", "replan_day"]
