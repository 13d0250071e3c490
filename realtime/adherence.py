"""Schedule adherence and conformance (COPC Annex 2), from schedules and activity timelines.

Both inputs are segment frames ``agent_id, start, end, activity`` (tz-aware). The time
line of each agent is cut at every boundary of either, so every piece has one scheduled
and one actual activity (or none). A piece is **in adherence** when the actual activity
is the scheduled one or an equivalent (by default every *available* code is equivalent to
every other: scheduled on contact and found available or in wrap-up is adherent).

* ``adherence`` = time in adherence ÷ scheduled time (all scheduled activities together);
* per activity, the Standard's form: (scheduled time of X − time scheduled X but doing
  something else − time doing X when another activity was scheduled) ÷ scheduled time of
  X, floored at 0 — a 15-min break scheduled 10:00–10:15 taken 10:05–10:20 gives
  (15 − 5 − 5) ÷ 15 = 33 %;
* exceptions shorter than ``grace_seconds`` are forgiven (default 0: strict), and every
  remaining exception is listed (agent, start, end, scheduled, actual);
* ``conformance`` = time worked in available/productive activities ÷ scheduled time in
  them, regardless of when.
"""

from __future__ import annotations

from typing import Iterable

import numpy as np
import pandas as pd

NONE = "(none)"


def _segments(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    missing = [c for c in ("agent_id", "start", "end", "activity") if c not in frame]
    if missing:
        raise ValueError(f"{name} needs the columns agent_id, start, end, activity; missing {missing}")
    out = frame[["agent_id", "start", "end", "activity"]].copy()
    # one resolution for every timestamp (pandas mixes ns and us by source; merges need one)
    out["start"] = pd.to_datetime(out["start"], utc=True).dt.as_unit("ns")
    out["end"] = pd.to_datetime(out["end"], utc=True).dt.as_unit("ns")
    bad = out["end"] < out["start"]
    if bad.any():
        raise ValueError(f"{name}: {int(bad.sum())} segment(s) end before they start (first: agent "
                         f"{out.loc[bad, 'agent_id'].iloc[0]!r} at {out.loc[bad, 'start'].iloc[0]})")
    return out[out["end"] > out["start"]]


def _lookup(pieces: pd.DataFrame, segs: pd.DataFrame) -> np.ndarray:
    """Activity of ``segs`` covering each piece start (NONE where no segment covers it)."""
    if segs.empty:
        return np.full(len(pieces), NONE, dtype=object)
    segs = segs.sort_values("start").astype({"agent_id": object})  # ids from different sources: one dtype
    m = pd.merge_asof(pieces[["agent_id", "t0"]].reset_index().astype({"agent_id": object}).sort_values("t0"),
                      segs.rename(columns={"start": "t0"}), on="t0", by="agent_id", direction="backward")
    m = m.set_index("index").reindex(pieces.index)
    covered = m["end"].notna() & (m["end"] > pieces["t0"])
    return np.where(covered, m["activity"], NONE).astype(object)


def adherence_pieces(schedule: pd.DataFrame, actual: pd.DataFrame, *, available_codes: Iterable[str] = (),
                     equivalence: dict[str, set[str]] | None = None, grace_seconds: float = 0.0,
                     grid: pd.DatetimeIndex | None = None) -> pd.DataFrame:
    """Pieces ``agent_id, t0, t1, seconds, scheduled, actual, in_adherence, exception_id`` on
    which the scheduled and actual activities are constant (also cut at ``grid`` interval
    starts when given, so pieces can be summed per interval)."""
    if grace_seconds < 0:
        raise ValueError(f"grace_seconds must be >= 0, got {grace_seconds}")
    sched = _segments(schedule, "schedule")
    act = _segments(actual, "actual")
    agents = sched["agent_id"].unique()
    act = act[act["agent_id"].isin(agents)]
    bounds = [sched[["agent_id", "start"]].rename(columns={"start": "t"}),
              sched[["agent_id", "end"]].rename(columns={"end": "t"}),
              act[["agent_id", "start"]].rename(columns={"start": "t"}),
              act[["agent_id", "end"]].rename(columns={"end": "t"})]
    if grid is not None and len(grid):
        span = sched.groupby("agent_id").agg(lo=("start", "min"), hi=("end", "max"))
        g = pd.DatetimeIndex(grid).tz_convert("UTC").as_unit("ns")
        gi = g.asi8
        first = np.searchsorted(gi, span["lo"].dt.as_unit("ns").astype("int64").to_numpy(), side="right")
        last = np.searchsorted(gi, span["hi"].dt.as_unit("ns").astype("int64").to_numpy(), side="left")
        counts = np.maximum(last - first, 0)
        if counts.sum():  # every grid point strictly inside each agent's scheduled span
            offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
            bounds.append(pd.DataFrame({"agent_id": np.repeat(span.index.to_numpy(), counts),
                                        "t": g[np.repeat(first, counts) + offsets]}))
    b = pd.concat(bounds, ignore_index=True).drop_duplicates().sort_values(["agent_id", "t"], kind="stable")
    b["t1"] = b.groupby("agent_id")["t"].shift(-1)
    pieces = b.dropna(subset=["t1"]).rename(columns={"t": "t0"}).reset_index(drop=True)
    pieces["t0"] = pd.to_datetime(pieces["t0"], utc=True).dt.as_unit("ns")
    pieces["t1"] = pd.to_datetime(pieces["t1"], utc=True).dt.as_unit("ns")
    pieces["scheduled"] = _lookup(pieces, sched)
    pieces["actual"] = _lookup(pieces, act)
    pieces = pieces[pieces["scheduled"] != NONE].reset_index(drop=True)  # adherence is about scheduled time
    pieces["seconds"] = (pieces["t1"] - pieces["t0"]).dt.total_seconds()
    avail = set(available_codes)
    eq = {k: set(v) for k, v in (equivalence or {}).items()}
    same = pieces["scheduled"].to_numpy() == pieces["actual"].to_numpy()
    both_available = pieces["scheduled"].isin(avail).to_numpy() & pieces["actual"].isin(avail).to_numpy()
    listed = np.array([a in eq.get(s, ()) for s, a in zip(pieces["scheduled"], pieces["actual"])], dtype=bool) \
        if eq else np.zeros(len(pieces), bool)
    ok = same | both_available | listed
    # exceptions: runs of consecutive out-of-adherence pieces of one agent
    agent = pieces["agent_id"].to_numpy()
    t0 = pieces["t0"].astype("int64").to_numpy()  # integer ns: no per-element Timestamp objects
    t1 = pieces["t1"].astype("int64").to_numpy()
    new_run = ~ok & (np.r_[True, ok[:-1]] | np.r_[True, agent[1:] != agent[:-1]] | np.r_[True, t0[1:] != t1[:-1]])
    run_id = np.where(~ok, np.cumsum(new_run), 0)
    if grace_seconds > 0 and (~ok).any():
        length = pd.Series(pieces["seconds"].to_numpy()).groupby(run_id).transform("sum").to_numpy()
        forgiven = ~ok & (length < grace_seconds)
        ok = ok | forgiven
        run_id = np.where(forgiven, 0, run_id)
    pieces["in_adherence"] = ok
    pieces["exception_id"] = run_id
    return pieces


def adherence(schedule: pd.DataFrame, actual: pd.DataFrame, *, available_codes: Iterable[str] = (),
              equivalence: dict[str, set[str]] | None = None, grace_seconds: float = 0.0,
              by: str | None = None, grid: pd.DatetimeIndex | None = None, timezone: str = "UTC") -> pd.DataFrame:
    """Adherence per agent (and per ``by``: 'interval', 'day' in ``timezone``, or None for the
    whole period): ``scheduled_seconds``, ``in_adherence_seconds``, ``adherence`` (0–1)."""
    pieces = adherence_pieces(schedule, actual, available_codes=available_codes, equivalence=equivalence,
                              grace_seconds=grace_seconds, grid=grid if by == "interval" else None)
    keys = ["agent_id"] + _period_keys(pieces, by, grid, timezone)
    pieces["in_seconds"] = pieces["seconds"] * pieces["in_adherence"]
    out = pieces.groupby(keys).agg(scheduled_seconds=("seconds", "sum"), in_adherence_seconds=("in_seconds", "sum"))
    out["adherence"] = out["in_adherence_seconds"] / out["scheduled_seconds"]
    return out.reset_index()


def _period_keys(pieces: pd.DataFrame, by: str | None, grid, timezone: str) -> list[str]:
    if by is None:
        return []
    if by == "day":
        pieces["day"] = pieces["t0"].dt.tz_convert(timezone).dt.date
        return ["day"]
    if by == "interval":
        if grid is None:
            raise ValueError("by='interval' needs the interval grid")
        g = pd.DatetimeIndex(grid).tz_convert("UTC").as_unit("ns")
        pos = np.searchsorted(g.asi8, pieces["t0"].dt.as_unit("ns").astype("int64").to_numpy(), side="right") - 1
        pieces["interval_start"] = np.where(pos >= 0, g[np.maximum(pos, 0)], pd.NaT)
        return ["interval_start"]
    raise ValueError(f"by must be None, 'day' or 'interval', got {by!r}")


def activity_adherence(schedule: pd.DataFrame, actual: pd.DataFrame, *, available_codes: Iterable[str] = (),
                       equivalence: dict[str, set[str]] | None = None, grace_seconds: float = 0.0) -> pd.DataFrame:
    """The Standard's per-activity form, per agent and scheduled activity: (scheduled − time
    scheduled it but doing other − time doing it while another was scheduled) ÷ scheduled."""
    p = adherence_pieces(schedule, actual, available_codes=available_codes, equivalence=equivalence,
                         grace_seconds=grace_seconds)
    out_of = p[~p["in_adherence"]]
    scheduled = p.groupby(["agent_id", "scheduled"])["seconds"].sum()
    missed = out_of.groupby(["agent_id", "scheduled"])["seconds"].sum()
    intruded = out_of.groupby(["agent_id", "actual"])["seconds"].sum()
    intruded.index = intruded.index.set_names(["agent_id", "scheduled"])
    frame = pd.DataFrame({"scheduled_seconds": scheduled})
    frame["missed_seconds"] = missed.reindex(frame.index).fillna(0.0)
    frame["outside_seconds"] = intruded.reindex(frame.index).fillna(0.0)
    frame["adherence"] = ((frame["scheduled_seconds"] - frame["missed_seconds"] - frame["outside_seconds"])
                          / frame["scheduled_seconds"]).clip(lower=0.0)
    return frame.reset_index().rename(columns={"scheduled": "activity"})


def exceptions(schedule: pd.DataFrame, actual: pd.DataFrame, *, available_codes: Iterable[str] = (),
               equivalence: dict[str, set[str]] | None = None, grace_seconds: float = 0.0) -> pd.DataFrame:
    """Out-of-adherence stretches: ``agent_id, start, end, seconds, scheduled, actual`` (the
    activities of the stretch's first piece; ``seconds`` of the whole stretch)."""
    p = adherence_pieces(schedule, actual, available_codes=available_codes, equivalence=equivalence,
                         grace_seconds=grace_seconds)
    p = p[p["exception_id"] > 0]
    if p.empty:
        return pd.DataFrame(columns=["agent_id", "start", "end", "seconds", "scheduled", "actual"])
    g = p.groupby("exception_id")
    return pd.DataFrame({"agent_id": g["agent_id"].first(), "start": g["t0"].min(), "end": g["t1"].max(),
                         "seconds": g["seconds"].sum(), "scheduled": g["scheduled"].first(),
                         "actual": g["actual"].first()}).reset_index(drop=True)


def conformance(schedule: pd.DataFrame, actual: pd.DataFrame, *, working_codes: Iterable[str],
                teams: dict[str, str] | None = None) -> pd.DataFrame:
    """Per agent (or, with ``teams`` mapping agent → team, per team): worked seconds in
    ``working_codes`` (available/productive activities) ÷ scheduled seconds in them,
    regardless of when (can exceed 1)."""
    codes = set(working_codes)
    sched = _segments(schedule, "schedule")
    act = _segments(actual, "actual")
    sched_s = sched[sched["activity"].isin(codes)].assign(
        s=lambda d: (d["end"] - d["start"]).dt.total_seconds()).groupby("agent_id")["s"].sum()
    act_s = act[act["activity"].isin(codes) & act["agent_id"].isin(sched["agent_id"])].assign(
        s=lambda d: (d["end"] - d["start"]).dt.total_seconds()).groupby("agent_id")["s"].sum()
    out = pd.DataFrame({"scheduled_seconds": sched_s})
    out["worked_seconds"] = act_s.reindex(out.index).fillna(0.0)
    if teams is not None:
        out = out.groupby(out.index.map(lambda a: teams.get(a, "(no team)"))).sum()
        out.index.name = "team"
    out["conformance"] = out["worked_seconds"] / out["scheduled_seconds"]
    return out.reset_index()
