"""Day types: which days are special, and why.

A forecast treats each calendar day as *ordinary* (its weekday's level and intraday shape)
or *special*, with one or more labels:

* labels given by the caller — holidays, half days, events (``{date: "holiday"}``), or built
  from a public-holiday calendar by :func:`holiday_day_types`;
* labels derived here from the centre's own opening pattern: ``after_holiday`` (the first
  open day after a holiday — the backlog day), ``month_start`` / ``month_end`` (the first and
  last open day of a month: pay days, statements, billing runs).

Labels with a shape of their own (:data:`LEVEL_ONLY` lists those without) get an intraday
profile learned from their past occurrences, so a Friday half day or a holiday eve is
learned as its own day type rather than as a damaged ordinary day.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Iterable, Mapping

import pandas as pd

LEVEL_ONLY = frozenset({"after_holiday", "month_start", "month_end", "holiday_period"})
"labels that change a day's volume but not its intraday shape"
CLOSED_LIKE = frozenset({"holiday"})
"labels after which the next open day is an ``after_holiday``"


def as_day_types(special_days: Mapping[date, str] | Iterable[date] | None) -> dict[date, str]:
    """Normalise the caller's special days: a mapping date → label, or a plain list of dates
    (each labelled ``holiday``)."""
    if not special_days:
        return {}
    if isinstance(special_days, Mapping):
        out = {}
        for d, label in special_days.items():
            if not isinstance(label, str) or not label.strip():
                raise ValueError(f"special day {d}: label must be a non-empty string, got {label!r}")
            out[d if type(d) is date else pd.Timestamp(d).date()] = label.strip()
        return out
    return {(d if type(d) is date else pd.Timestamp(d).date()): "holiday" for d in special_days}


def holiday_day_types(country: str, years: Iterable[int], *, subdiv: str | None = None,
                      eves: bool = True, periods: bool = True) -> dict[date, str]:
    """Day types from the ``holidays`` package: public holidays → ``holiday``; the day before
    one (when not itself a holiday) → ``holiday_eve``; days of the calendar's other categories
    that extend a public holiday without a gap (e.g. Chol HaMoed after Pesach) →
    ``holiday_period``. Other optional days (observances) are left ordinary."""
    import holidays as holidays_lib

    years = list(years)
    public = holidays_lib.country_holidays(country, subdiv=subdiv, years=years)
    out: dict[date, str] = {d: "holiday" for d in public}
    if periods:
        cls = type(public)
        cats = tuple(c for c in getattr(cls, "supported_categories", ()) if c != "public")
        extra = holidays_lib.country_holidays(country, subdiv=subdiv, years=years, categories=cats) if cats else {}
        pending = sorted(d for d in extra if d not in out)
        grown = True
        while grown:  # chain days onto a public holiday or onto a day already chained
            grown = False
            for d in pending:
                if d not in out and (d - timedelta(days=1) in out or d + timedelta(days=1) in public):
                    out[d] = "holiday_period"
                    grown = True
    if eves:
        for d in sorted(public):
            eve = d - timedelta(days=1)
            if eve not in public:
                out[eve] = "holiday_eve"  # an eve wins over a period day (it is a short day)
    return out


def day_labels(days: Iterable[date], special: Mapping[date, str], open_weekdays: Iterable[int], *,
               month_effects: bool = True) -> dict[date, tuple[str, ...]]:
    """Labels of each day in ``days`` (sorted, unique): the caller's label, then derived
    ``after_holiday``, ``month_start`` and ``month_end`` labels. Days on a weekday the centre
    does not open are never labelled by derivation."""
    days = sorted(set(days))
    if not days:
        return {}
    open_wd = set(open_weekdays)
    lo, hi = days[0] - timedelta(days=10), days[-1] + timedelta(days=10)
    span = [lo + timedelta(days=i) for i in range((hi - lo).days + 1)]
    is_open = {d: d.weekday() in open_wd and special.get(d) not in CLOSED_LIKE for d in span}
    out: dict[date, list[str]] = {d: ([special[d]] if d in special else []) for d in days}
    for d in days:
        if not is_open.get(d) or d in special:
            continue
        prev = d - timedelta(days=1)
        while prev >= lo and not is_open[prev]:
            if special.get(prev) in CLOSED_LIKE and prev.weekday() in open_wd:
                out[d].append("after_holiday")
                break
            prev -= timedelta(days=1)
        if month_effects:
            p, n = d - timedelta(days=1), d + timedelta(days=1)
            while p >= lo and p.month == d.month and not is_open[p]:
                p -= timedelta(days=1)
            while n <= hi and n.month == d.month and not is_open[n]:
                n += timedelta(days=1)
            if p.month != d.month:
                out[d].append("month_start")
            if n.month != d.month:
                out[d].append("month_end")
    return {d: tuple(v) for d, v in out.items()}
