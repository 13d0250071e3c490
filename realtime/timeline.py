"""Agent-state events → activity timelines, and time in activities per interval.

An event says "from this timestamp the agent is in this state". Each agent's events are
sorted by time (ties keep file order after a stable sort on state name, so the result is
deterministic); exact duplicates are collapsed; a segment runs until the agent's next
event or, for the last one, until ``day_end`` (a missing logout is closed there and
reported). A "state:reason" key of the mapping (e.g. ``aux:3``) wins over the state alone.
States not in the mapping are reported and count as not available; events of agents
missing from the roster are reported and kept out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

DEFAULT_STATE_MAP = {
    "available": "available", "idle": "available", "ready": "available",
    "talking": "on_contact", "on_call": "on_contact", "on_contact": "on_contact", "chat": "on_contact",
    "acw": "wrap_up", "wrap_up": "wrap_up",
    "break": "break", "lunch": "lunch", "meeting": "meeting", "training": "training",
    "logged_out": "offline", "logout": "offline", "offline": "offline",
}


@dataclass
class TimelineReport:
    """What was repaired while building timelines (nothing is dropped silently)."""

    duplicates_collapsed: int = 0
    unknown_states: dict[str, int] = field(default_factory=dict)
    closed_at_day_end: list[str] = field(default_factory=list)
    unknown_agents: dict[str, int] = field(default_factory=dict)
    "events of agents not in the roster: kept out of the timelines, counted here"
    simultaneous: int = 0
    "events of one agent at the same instant in different states (ordered by state name)"


def timelines(events: pd.DataFrame, day_end: pd.Timestamp, state_map: dict[str, str] | None = None,
              known_agents=None) -> tuple[pd.DataFrame, TimelineReport]:
    """Segments ``agent_id, start, end, state, activity`` from events ``agent_id, timestamp,
    state[, reason_code]``; ``activity`` is the mapped code ('unknown' if unmapped). With
    ``known_agents``, events of other agents are left out and counted in the report."""
    smap = {k.lower(): v for k, v in (state_map or DEFAULT_STATE_MAP).items()}
    rep = TimelineReport()
    if events.empty:
        return pd.DataFrame(columns=["agent_id", "start", "end", "state", "activity"]), rep
    ev = events[["agent_id", "timestamp", "state"]].copy()
    if "reason_code" in events:
        # "state:reason" keys (e.g. "aux:3" -> training) take precedence over the state alone
        reason = events["reason_code"].fillna("").astype(str).str.strip()
        keyed = ev["state"].str.lower() + ":" + reason.str.lower()
        ev["state"] = np.where((reason != "") & keyed.isin(list(smap)), ev["state"] + ":" + reason, ev["state"])
    ev["timestamp"] = pd.to_datetime(ev["timestamp"], utc=True)
    if known_agents is not None:
        unknown = ~ev["agent_id"].isin(set(known_agents))
        rep.unknown_agents = ev.loc[unknown, "agent_id"].value_counts().to_dict()
        ev = ev[~unknown]
    dup = ev.duplicated()
    rep.duplicates_collapsed = int(dup.sum())
    ev = ev[~dup].sort_values(["agent_id", "timestamp", "state"], kind="stable").reset_index(drop=True)
    rep.simultaneous = int(ev.duplicated(["agent_id", "timestamp"]).sum())
    nxt = ev.groupby("agent_id")["timestamp"].shift(-1)
    last = nxt.isna()
    activity = ev["state"].str.lower().map(smap)
    unknown = activity.isna()
    if unknown.any():
        rep.unknown_states = ev.loc[unknown, "state"].value_counts().to_dict()
    activity = activity.fillna("unknown")
    open_at_end = last & (activity != "offline")
    rep.closed_at_day_end = sorted(ev.loc[open_at_end, "agent_id"].unique().tolist())
    end = nxt.where(~last, pd.Timestamp(day_end).tz_convert("UTC"))
    seg = pd.DataFrame({"agent_id": ev["agent_id"], "start": ev["timestamp"], "end": end,
                        "state": ev["state"], "activity": activity})
    return seg[seg["end"] > seg["start"]].reset_index(drop=True), rep


def fte_per_interval(starts, ends, index: pd.DatetimeIndex, interval_minutes: int) -> np.ndarray:
    """Sum over segments [start, end) of the time inside each interval ÷ interval length:
    fractional agents per interval start of ``index``. Exact, O((segments + intervals) log)."""
    s = pd.to_datetime(pd.Series(starts), utc=True).to_numpy("datetime64[ns]").astype(np.int64) / 1e9
    e = pd.to_datetime(pd.Series(ends), utc=True).to_numpy("datetime64[ns]").astype(np.int64) / 1e9
    b0 = pd.DatetimeIndex(index).tz_convert("UTC").to_numpy("datetime64[ns]").astype(np.int64) / 1e9
    length = interval_minutes * 60.0
    s_sorted, e_sorted = np.sort(s), np.sort(e)
    cs, ce = np.concatenate([[0.0], np.cumsum(s_sorted)]), np.concatenate([[0.0], np.cumsum(e_sorted)])

    def busy_before(x: np.ndarray) -> np.ndarray:  # Σ clip(x - s, 0, e - s)
        ks = np.searchsorted(s_sorted, x, side="left")
        ke = np.searchsorted(e_sorted, x, side="left")
        return (ks * x - cs[ks]) - (ke * x - ce[ke])

    return (busy_before(b0 + length) - busy_before(b0)) / length
