"""Real-time management: timelines, adherence, conformance, schedule realisation, interval
service metrics and forecast accuracy, intraday signals and re-plan."""

from realtime.accuracy import (continuous_improvement, glossary_error, peak_forecast_accuracy,
                               schedule_forecast_accuracy, staff_forecast_accuracy, steady_state_arrival_accuracy,
                               volume_errors)
from realtime.adherence import activity_adherence, adherence, adherence_pieces, conformance, exceptions
from realtime.realisation import band_share, interval_realisation, realisation_by_period, weighted_realisation
from realtime.desk import Desk
from realtime.service import chat_concurrency, occupancy_utilisation, rollup, service_metrics
from realtime.replan import ReplanReport, day_shifts, replan_rest_of_day
from realtime.signals import intraday_signals
from realtime.timeline import DEFAULT_STATE_MAP, TimelineReport, fte_per_interval, timelines

__all__ = ["realisation_by_period", "Desk", "chat_concurrency", "occupancy_utilisation", "intraday_signals", "continuous_improvement", "glossary_error", "peak_forecast_accuracy", "schedule_forecast_accuracy",
           "staff_forecast_accuracy", "steady_state_arrival_accuracy", "volume_errors", "activity_adherence",
           "adherence", "adherence_pieces", "conformance", "exceptions",
           "band_share", "interval_realisation", "weighted_realisation", "rollup", "service_metrics",
           "DEFAULT_STATE_MAP", "TimelineReport", "fte_per_interval", "timelines", "ReplanReport", "day_shifts",
           "replan_rest_of_day"]
