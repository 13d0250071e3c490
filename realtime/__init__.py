"""Real-time management: timelines, schedule realisation, interval service metrics."""

from realtime.realisation import band_share, interval_realisation, weighted_realisation
from realtime.service import rollup, service_metrics
from realtime.timeline import DEFAULT_STATE_MAP, TimelineReport, fte_per_interval, timelines

__all__ = ["band_share", "interval_realisation", "weighted_realisation", "rollup", "service_metrics",
           "DEFAULT_STATE_MAP", "TimelineReport", "fte_per_interval", "timelines"]
