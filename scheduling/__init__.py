"""Scheduling: shift cover and agent assignment (greedy for now; CP-SAT to come)."""

from scheduling.greedy import (PlannedShift, RosterAgent, ShiftRules, assign_agents, cover, coverage_from_activities,
                               shifts_frames)

__all__ = ["PlannedShift", "RosterAgent", "ShiftRules", "assign_agents", "cover", "coverage_from_activities", "shifts_frames"]
