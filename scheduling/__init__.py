"""Scheduling: shift cover and agent assignment (greedy for now; CP-SAT to come)."""

from scheduling.greedy import (PlannedShift, ShiftRules, assign_agents, cover, coverage_from_activities,
                               shifts_frames)

__all__ = ["PlannedShift", "ShiftRules", "assign_agents", "cover", "coverage_from_activities", "shifts_frames"]
