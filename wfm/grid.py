"""Timezone-aware interval grids.

A queue plans on intervals of 15, 30 or 60 minutes that start on the local wall clock's
grid (xx:00, xx:15, ...). A local day is built from local midnight to the next local
midnight, so a spring-forward day has 46 half-hours and a fall-back day 50. Timestamps
that are not on the grid are rejected, never rounded.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

ALLOWED_INTERVAL_MINUTES = (5, 6, 10, 15, 30, 60)


class GridError(ValueError):
    """A timestamp or interval specification that does not fit the planning grid."""


def _check_minutes(interval_minutes: int) -> None:
    if interval_minutes not in ALLOWED_INTERVAL_MINUTES:
        raise GridError(f"interval_minutes must be one of {ALLOWED_INTERVAL_MINUTES}, got {interval_minutes!r}")


def local_midnight(day: date, timezone: str) -> pd.Timestamp:
    """The instant the local day starts (tz-aware, in ``timezone``)."""
    return pd.Timestamp(datetime.combine(day, time(0)), tz=ZoneInfo(timezone))


def intervals(start: date, end: date, timezone: str, interval_minutes: int) -> pd.DatetimeIndex:
    """Interval starts of the local days ``start`` .. ``end`` (end exclusive), tz-aware local.

    Built in UTC from local midnight to local midnight, so DST days get 46/50 half-hours
    (92/100 quarter-hours) and every start is on the local grid.
    """
    _check_minutes(interval_minutes)
    if end <= start:
        return pd.DatetimeIndex([], dtype=f"datetime64[ns, {timezone}]")
    first = local_midnight(start, timezone).tz_convert("UTC")
    last = local_midnight(end, timezone).tz_convert("UTC")
    idx = pd.date_range(first, last, freq=f"{interval_minutes}min", inclusive="left")
    return idx.tz_convert(timezone)


def day_intervals(day: date, timezone: str, interval_minutes: int) -> pd.DatetimeIndex:
    """Interval starts of one local day (46/48/50 half-hours on DST/normal days)."""
    return intervals(day, day + timedelta(days=1), timezone, interval_minutes)


def off_grid(timestamps: pd.DatetimeIndex | pd.Series, interval_minutes: int, timezone: str) -> np.ndarray:
    """Boolean mask of timestamps that are not interval starts on the local grid."""
    _check_minutes(interval_minutes)
    idx = pd.DatetimeIndex(timestamps)
    if idx.tz is None:
        raise GridError("timestamps must be timezone-aware")
    local = idx.tz_convert(timezone)
    minute_of_day = local.hour * 60 + local.minute
    return np.asarray(
        (minute_of_day % interval_minutes != 0) | (local.second != 0) | (local.microsecond != 0) | (local.nanosecond != 0)
    )


def require_on_grid(timestamps: pd.DatetimeIndex | pd.Series, interval_minutes: int, timezone: str) -> None:
    """Raise :class:`GridError` naming the first bad timestamps if any is off the grid."""
    bad = off_grid(timestamps, interval_minutes, timezone)
    if bad.any():
        idx = pd.DatetimeIndex(timestamps)[bad]
        shown = ", ".join(t.isoformat() for t in idx[:3])
        raise GridError(
            f"{int(bad.sum())} timestamp(s) not on the {interval_minutes}-minute grid of {timezone} "
            f"(e.g. {shown}); interval starts must be multiples of {interval_minutes} min past local midnight"
        )


def parse_open_hours(spec: str) -> list[tuple[int, int]]:
    """Parse ``'08:00-20:00'``, ``'08:00-12:00,13:00-18:00'`` or ``'closed'`` into minute ranges."""
    spec = spec.strip().lower()
    if spec in ("closed", ""):
        return []
    ranges: list[tuple[int, int]] = []
    for part in spec.split(","):
        try:
            a, b = part.strip().split("-")
            ha, ma = (int(x) for x in a.split(":"))
            hb, mb = (int(x) for x in b.split(":"))
        except ValueError:
            raise GridError(f"opening hours {part.strip()!r}: expected 'HH:MM-HH:MM' or 'closed'") from None
        start, end = ha * 60 + ma, hb * 60 + mb
        if not (0 <= start < end <= 24 * 60) or not (0 <= ma < 60 and 0 <= mb < 60):
            raise GridError(
                f"opening hours {part.strip()!r}: start must be before end within one local day (00:00-24:00)"
            )
        ranges.append((start, end))
    return sorted(ranges)


def open_mask(index: pd.DatetimeIndex, open_hours: dict[str, str], interval_minutes: int) -> np.ndarray:
    """True for intervals lying entirely inside the local opening hours.

    ``open_hours`` maps 'mon'..'sun' (or 'default') to a spec for :func:`parse_open_hours`;
    an empty mapping means open 24/7.
    """
    if not open_hours:
        return np.ones(len(index), dtype=bool)
    names = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    default = parse_open_hours(open_hours.get("default", "00:00-24:00"))
    per_day = [parse_open_hours(open_hours[d]) if d in open_hours else default for d in names]
    start_min = np.asarray(index.hour * 60 + index.minute)
    end_min = start_min + interval_minutes
    dow = np.asarray(index.day_of_week)
    mask = np.zeros(len(index), dtype=bool)
    for d, ranges in enumerate(per_day):
        on_day = dow == d
        for a, b in ranges:
            mask |= on_day & (start_min >= a) & (end_min <= b)
    return mask


def describe_grid(interval_minutes: int, timezone: str) -> str:
    """Human-readable grid label every output carries, e.g. '30-min intervals, Europe/Paris'."""
    return f"{interval_minutes}-min intervals, {timezone}"
