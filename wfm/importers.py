"""Import ACD interval exports, agent-state events and rosters.

Rules for every file:

* the whole file is validated first; **any** error rejects the whole file and nothing is
  written (one transaction per file) — bad files lose nothing already stored;
* every error names the file, line (1 = header), column and value, and what was expected;
* re-importing the same file gives the same data (rows are upserted on their key);
* ``dry_run`` validates and reports without writing;
* an agent-event file replaces the stored events of its agents over its own time span (a
  corrected feed for a day replaces the day, it does not add to it);
* a schedule file (published activity segments per agent) is stored as shifts under a run
  of its own; readers take the latest schedule covering a period.

Naive timestamps are read in the queue's (or agent site's) timezone; on the fall-back day
the first occurrence of an ambiguous local time is the summer-time one, the second the
winter-time one; local times that do not exist (spring-forward gap) are rejected.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from wfm.config import CentreConfig, ColumnMapping
from wfm.grid import ALLOWED_INTERVAL_MINUTES, off_grid
from wfm.storage import repository as repo
from wfm.storage import tables as t

ACTUALS_REQUIRED = ("queue_id", "interval_start", "offered")
ACTUALS_COUNTS = ("offered", "answered", "abandoned", "answered_within_threshold")
ACTUALS_SECONDS = ("handle_seconds", "wait_seconds", "abandon_wait_seconds")
ACTUALS_OPTIONAL = ("answered", "abandoned", "answered_within_threshold", *ACTUALS_SECONDS,
                    "concurrency", "shrinkage", "shrinkage_planned", "shrinkage_unplanned", "interval_minutes")
EVENTS_REQUIRED = ("agent_id", "timestamp", "state")
ROSTER_REQUIRED = ("agent_id", "site", "contract")
SCHEDULE_REQUIRED = ("agent_id", "start", "end", "activity")
KINDS = ("actuals", "agent_events", "roster", "schedule")
MAX_ERRORS_SHOWN = 50
_LINE = "__line__"  # original line number of each row, carried through skipped rows


@dataclass(frozen=True)
class RowError:
    """One problem in an input file; ``line`` counts the header as line 1 (0 = whole file)."""

    file: str
    line: int
    column: str
    value: str
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        col = f" column {self.column!r}" if self.column else ""
        val = f" value {self.value!r}:" if self.value != "" else ":"
        return f"{where}{col}{val} {self.reason}"


@dataclass
class ImportReport:
    """Outcome of one file's import."""

    file: str
    kind: str
    rows_read: int = 0
    rows_written: int = 0
    dry_run: bool = False
    import_id: int | None = None
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        if self.errors:
            head = (f"{self.file}: REJECTED, {len(self.errors)} error(s) in {self.rows_read} row(s); "
                    "nothing was written")
            lines = [head] + [f"  {e}" for e in self.errors[:MAX_ERRORS_SHOWN]]
            if len(self.errors) > MAX_ERRORS_SHOWN:
                lines.append(f"  ... and {len(self.errors) - MAX_ERRORS_SHOWN} more")
            return "\n".join(lines)
        verb = "validated (dry run, nothing written)" if self.dry_run else f"imported {self.rows_written} row(s)"
        lines = [f"{self.file}: {self.kind}: {self.rows_read} row(s) read, {verb}"]
        lines += [f"  note: {w}" for w in self.warnings]
        return "\n".join(lines)


# -- reading -------------------------------------------------------------------------------

def _read_table(path: Path, mapping: ColumnMapping, report: ImportReport) -> pd.DataFrame | None:
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            df = pd.read_excel(path, dtype=str, keep_default_na=False)
        else:
            df = pd.read_csv(path, dtype=str, keep_default_na=False, sep=mapping.delimiter,
                             compression="infer", skipinitialspace=True)
    except FileNotFoundError:
        report.errors.append(RowError(str(path), 0, "", "", "file not found"))
        return None
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        if m:
            report.errors.append(RowError(str(path), int(m.group(2)), "", "",
                                          f"row has {m.group(3)} fields but the header has {m.group(1)}"))
        else:
            report.errors.append(RowError(str(path), 0, "", "", f"cannot be read as a table: {str(exc).strip()}"))
        return None
    df.columns = [str(c).strip() for c in df.columns]
    df[_LINE] = np.arange(len(df)) + 2  # header is line 1
    return df


def _apply_mapping(df: pd.DataFrame, mapping: ColumnMapping, required: tuple[str, ...],
                   optional: tuple[str, ...], report: ImportReport) -> pd.DataFrame | None:
    """Rename file columns to canonical names; report missing required ones (bad header)."""
    inverse = {src: canon for canon, src in mapping.columns.items()}
    renamed = df.rename(columns=inverse)
    missing = [c for c in required if c not in renamed.columns]
    if missing:
        for c in missing:
            src = mapping.columns.get(c, c)
            hint = f" (mapped from {src!r})" if src != c else ""
            report.errors.append(RowError(report.file, 1, src, "",
                                          f"bad header: required column {c!r}{hint} is missing; "
                                          f"header has {list(df.columns)}"))
        return None
    dupes = renamed.columns[renamed.columns.duplicated()].tolist()
    if dupes:
        report.errors.append(RowError(report.file, 1, ",".join(dupes), "", "bad header: duplicated column"))
        return None
    known = set(required) | set(optional) | {_LINE}
    ignored = [c for c in renamed.columns if c not in known]
    if ignored:
        report.warnings.append(f"ignored column(s) not used by the engine: {ignored}")
    return renamed[[c for c in renamed.columns if c in known]]


def _lines(df: pd.DataFrame) -> np.ndarray:
    """Line number in the file of each row (header = line 1), kept through skipped rows."""
    return df[_LINE].to_numpy()


def _numbers(df: pd.DataFrame, column: str, report: ImportReport, *, required: bool, integer: bool = False,
             low: float | None = 0.0, high: float | None = None, high_open: bool = False,
             scale: float = 1.0) -> pd.Series:
    """Parse a numeric column, recording an error for every bad cell."""
    lines = _lines(df)
    if column not in df.columns:
        return pd.Series(np.nan, index=df.index)
    raw = df[column].astype(str).str.strip()
    empty = raw == ""
    values = pd.to_numeric(raw.where(~empty), errors="coerce").astype(float)
    bad = (~empty & values.isna()) | ~np.isfinite(values.fillna(0))
    for i in np.flatnonzero(bad.to_numpy()):
        report.errors.append(RowError(report.file, int(lines[i]), column, raw.iat[i], "expected a finite number"))
    if required:
        for i in np.flatnonzero(empty.to_numpy()):
            report.errors.append(RowError(report.file, int(lines[i]), column, "", "required value is empty"))
    ok = ~bad & ~empty
    if low is not None:
        for i in np.flatnonzero((ok & (values < low)).to_numpy()):
            report.errors.append(RowError(report.file, int(lines[i]), column, raw.iat[i],
                                          f"must be >= {low:g}"))
    if high is not None:
        too_high = values >= high if high_open else values > high
        for i in np.flatnonzero((ok & too_high).to_numpy()):
            report.errors.append(RowError(report.file, int(lines[i]), column, raw.iat[i],
                                          f"must be {'<' if high_open else '<='} {high:g}"))
    if integer:
        for i in np.flatnonzero((ok & (values % 1 != 0)).to_numpy()):
            report.errors.append(RowError(report.file, int(lines[i]), column, raw.iat[i],
                                          "expected a whole number of contacts"))
    return values * scale


_OFFSET = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})$", re.IGNORECASE)


def _timestamps(df: pd.DataFrame, column: str, zones: pd.Series, mapping: ColumnMapping,
                report: ImportReport) -> pd.Series:
    """Parse timestamps to UTC. Cells with an explicit offset keep it; naive ones are local
    to ``zones`` (one IANA name per row). Bad cells are reported and left NaT."""
    lines = _lines(df)
    raw = df[column].astype(str).str.strip()
    out = pd.Series(pd.NaT, index=df.index, dtype="datetime64[ns, UTC]")
    fmt = mapping.timestamp_format or "ISO8601"
    expected = "ISO 8601, e.g. 2026-03-29T10:30:00+02:00" if fmt == "ISO8601" else fmt
    reported = np.zeros(len(df), dtype=bool)
    has_offset = raw.str.contains(_OFFSET)
    if has_offset.any():
        out[has_offset] = pd.to_datetime(raw[has_offset], format=fmt, utc=True, errors="coerce")
    naive = (~has_offset & (raw != "")).to_numpy()
    if naive.any():
        parsed = pd.to_datetime(raw[naive], format=fmt, errors="coerce")
        if getattr(parsed.dt, "tz", None) is not None:  # the format itself carried %z
            out[naive] = parsed.dt.tz_convert("UTC")
        else:
            parsed = pd.Series(parsed.to_numpy(), index=df.index[naive])
            owner = (df["queue_id"] if "queue_id" in df.columns else df["agent_id"]).astype(str)
            for zone in zones[naive].dropna().unique():
                rows = np.flatnonzero(naive & (zones == zone).to_numpy())
                utc, problems = _localize(parsed.loc[df.index[rows]], owner.iloc[rows].to_numpy(), zone)
                out.iloc[rows] = utc.to_numpy()
                for pos, reason in problems:
                    i = rows[pos]
                    reported[i] = True
                    report.errors.append(RowError(report.file, int(lines[i]), column, raw.iat[i], reason))
    for i in np.flatnonzero((out.isna() & (raw != "")).to_numpy() & ~reported):
        report.errors.append(RowError(report.file, int(lines[i]), column, raw.iat[i],
                                      f"not a timestamp (expected {expected})"))
    for i in np.flatnonzero((raw == "").to_numpy()):
        report.errors.append(RowError(report.file, int(lines[i]), column, "", "required value is empty"))
    return out


def _localize(local: pd.Series, owner: np.ndarray, zone: str) -> tuple[pd.Series, list[tuple[int, str]]]:
    """Naive local times → UTC. On a fall-back day the first occurrence (per ``owner``, in file
    order) of an ambiguous wall time is summer time, the second winter time; a third, and any
    time in the spring-forward gap, is a problem ``(position, reason)``."""
    problems: list[tuple[int, str]] = []
    idx = pd.DatetimeIndex(local.to_numpy())
    valid = ~idx.isna()
    probe = idx.tz_localize(zone, ambiguous="NaT", nonexistent="NaT")
    unresolved = valid & probe.isna()
    as_summer = idx.tz_localize(zone, ambiguous=np.ones(len(idx), bool), nonexistent="NaT")
    nonexistent = unresolved & as_summer.isna()
    ambiguous = unresolved & ~nonexistent
    occurrence = pd.DataFrame({"t": idx, "o": owner}).groupby(["t", "o"], dropna=False).cumcount().to_numpy()
    summer = np.where(ambiguous, occurrence == 0, True)
    result = idx.tz_localize(zone, ambiguous=summer, nonexistent="NaT").tz_convert("UTC")
    result = result.where(~(nonexistent | (ambiguous & (occurrence >= 2))))
    for pos in np.flatnonzero(nonexistent):
        problems.append((int(pos), f"local time does not exist in {zone} (daylight-saving gap)"))
    for pos in np.flatnonzero(ambiguous & (occurrence >= 2)):
        problems.append((int(pos), f"local time is ambiguous in {zone} and appears more than twice; "
                                   "give an explicit UTC offset"))
    return pd.Series(result, index=local.index), problems


def _file_sha(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# -- validation per kind ------------------------------------------------------------------

def validate_actuals(df: pd.DataFrame, config: CentreConfig, mapping: ColumnMapping,
                     report: ImportReport) -> pd.DataFrame | None:
    """Validate an actuals table (canonical columns) and return the rows to store."""
    if mapping.constant_queue is not None:
        df = df.assign(queue_id=mapping.constant_queue)
    df = _apply_mapping(df, mapping, ACTUALS_REQUIRED, ACTUALS_OPTIONAL, report)
    if df is None:
        return None
    lines = _lines(df)
    known = {q.id for q in config.queues}
    raw_queue = df["queue_id"].astype(str).str.strip()
    queue = raw_queue.map(lambda v: mapping.queue_values.get(v, v))
    unknown = ~queue.isin(known)
    for i in np.flatnonzero(unknown.to_numpy()):
        report.errors.append(RowError(report.file, int(lines[i]), mapping.columns.get("queue_id", "queue_id"),
                                      raw_queue.iat[i], f"unknown queue (configured: {sorted(known)})"))
    df = df.assign(queue_id=queue)
    zone_of = {q.id: mapping.timezone or config.queue_timezone(q.id) for q in config.queues}
    own_minutes = {q.id: q.interval_minutes for q in config.queues}
    zones = queue.map(zone_of)
    start = _timestamps(df, "interval_start", zones, mapping, report)
    out = pd.DataFrame({"queue_id": queue, "interval_start": start})
    for c in ACTUALS_COUNTS:
        out[c] = _numbers(df, c, report, required=(c == "offered"), integer=True)
    for c in ACTUALS_SECONDS:
        out[c] = _numbers(df, c, report, required=False, scale=mapping.seconds_per_unit)
    out["concurrency"] = _numbers(df, "concurrency", report, required=False)
    out["shrinkage"] = _numbers(df, "shrinkage", report, required=False, high=1.0, high_open=True)
    for c in ("shrinkage_planned", "shrinkage_unplanned"):
        out[c] = _numbers(df, c, report, required=False, high=1.0, high_open=True)
    # categories without a total: the total is their sum (both given)
    both = out["shrinkage_planned"].notna() & out["shrinkage_unplanned"].notna()
    out["shrinkage"] = out["shrinkage"].where(out["shrinkage"].notna() | ~both,
                                              out["shrinkage_planned"] + out["shrinkage_unplanned"])
    if mapping.interval_minutes is not None and "interval_minutes" not in df.columns:
        df = df.assign(interval_minutes=str(mapping.interval_minutes))
    if "interval_minutes" in df.columns:
        minutes = _numbers(df, "interval_minutes", report, required=False, integer=True)
        for i in np.flatnonzero((minutes.notna() & ~minutes.isin(ALLOWED_INTERVAL_MINUTES)).to_numpy()):
            report.errors.append(RowError(report.file, int(lines[i]), "interval_minutes", str(minutes.iat[i]),
                                          f"expected one of {ALLOWED_INTERVAL_MINUTES}"))
        out["interval_minutes"] = minutes.fillna(queue.map(own_minutes))
    else:
        out["interval_minutes"] = queue.map(own_minutes)

    realtime_rows = queue.map({q.id: not q.channel.is_deferred for q in config.queues}).fillna(True)
    _check_consistency(out, lines, report, realtime_rows.to_numpy(bool))
    # grid and duplicates, per queue
    good = out["interval_start"].notna() & ~unknown & out["interval_minutes"].isin(ALLOWED_INTERVAL_MINUTES)
    for (qid, minutes), grp in out[good].groupby(["queue_id", "interval_minutes"]):
        bad = off_grid(pd.DatetimeIndex(grp["interval_start"]), int(minutes), zone_of[qid])
        for pos in np.flatnonzero(bad):
            i = out.index.get_loc(grp.index[pos])
            report.errors.append(RowError(
                report.file, int(lines[i]), mapping.columns.get("interval_start", "interval_start"),
                df["interval_start"].iat[i],
                f"timestamp not on the {int(minutes)}-minute grid of {zone_of[qid]} "
                f"(local time {grp['interval_start'].iat[pos].tz_convert(zone_of[qid]):%H:%M:%S}); "
                "interval starts are not rounded"))
    dup = out[good].duplicated(["queue_id", "interval_start"], keep=False)
    if dup.any():
        first_line: dict[tuple, int] = {}
        for idx in out[good][dup].index:
            i = out.index.get_loc(idx)
            key = (out.at[idx, "queue_id"], out.at[idx, "interval_start"])
            if key in first_line:
                report.errors.append(RowError(
                    report.file, int(lines[i]), "interval_start", df["interval_start"].iat[i],
                    f"duplicate interval for queue {key[0]!r} (same interval as line {first_line[key]})"))
            else:
                first_line[key] = int(lines[i])
    if report.errors:
        return None
    return out


def _check_consistency(out: pd.DataFrame, lines: np.ndarray, report: ImportReport, realtime_rows: np.ndarray) -> None:
    """Counts must add up. Deferred work (email, back office) may handle more than arrived in
    an interval (backlog), so the offered bounds apply to real-time queues only."""
    def flag(mask: pd.Series, column: str, reason: str, only_realtime: bool = False) -> None:
        m = mask.fillna(False).to_numpy(bool).copy()
        if only_realtime:
            m &= realtime_rows
        for i in np.flatnonzero(m):
            report.errors.append(RowError(report.file, int(lines[i]), column,
                                          f"{out[column].iat[i]:g}", reason))

    flag(out["answered"] + out["abandoned"] > out["offered"], "answered",
         "answered + abandoned exceeds offered", only_realtime=True)
    flag(out["answered"].isna() & out["abandoned"].notna() & (out["abandoned"] > out["offered"]), "abandoned",
         "abandoned exceeds offered", only_realtime=True)
    flag(out["answered"].notna() & out["answered_within_threshold"].notna()
         & (out["answered_within_threshold"] > out["answered"]), "answered_within_threshold",
         "answered within threshold exceeds answered")
    flag((out["shrinkage_planned"] + out["shrinkage_unplanned"] >= 1), "shrinkage_planned",
         "planned + unplanned shrinkage must be below 1")
    flag((out["shrinkage_planned"] + out["shrinkage_unplanned"] - out["shrinkage"]).abs() > 0.005, "shrinkage",
         "shrinkage must equal planned + unplanned (within 0.005) when all three are given")
    zero_handle = ((out["answered"] > 0) & (out["handle_seconds"] == 0)).to_numpy()
    if zero_handle.any():  # suspicious but seen in real exports: reported, not rejected
        report.warnings.append(f"{int(zero_handle.sum())} row(s) with answered contacts but 0 s handle time "
                               f"(lines {', '.join(str(x) for x in lines[zero_handle][:10])}"
                               f"{', ...' if zero_handle.sum() > 10 else ''})")


def validate_events(df: pd.DataFrame, config: CentreConfig, mapping: ColumnMapping, known_agents: dict[str, str],
                    report: ImportReport) -> pd.DataFrame | None:
    """Validate agent-state events; ``known_agents`` maps agent id -> site timezone."""
    df = _apply_mapping(df, mapping, EVENTS_REQUIRED, ("reason_code",), report)
    if df is None:
        return None
    lines = _lines(df)
    agent = df["agent_id"].astype(str).str.strip()
    unknown = ~agent.isin(list(known_agents))
    for i in np.flatnonzero(unknown.to_numpy()):
        report.errors.append(RowError(report.file, int(lines[i]), mapping.columns.get("agent_id", "agent_id"),
                                      agent.iat[i], "unknown agent (import the roster first)"))
    df = df.assign(agent_id=agent)
    zones = agent.map(lambda a: mapping.timezone or known_agents.get(a))
    ts = _timestamps(df, "timestamp", zones, mapping, report)
    state = df["state"].astype(str).str.strip()
    for i in np.flatnonzero((state == "").to_numpy()):
        report.errors.append(RowError(report.file, int(lines[i]), "state", "", "required value is empty"))
    reason = df["reason_code"].astype(str).str.strip() if "reason_code" in df.columns else pd.Series("", index=df.index)
    out = pd.DataFrame({"agent_id": agent, "timestamp": ts, "state": state, "reason_code": reason})
    key = ["agent_id", "timestamp", "state"]
    exact = out.duplicated(keep="first")
    if exact.any():
        report.warnings.append(f"{int(exact.sum())} exact duplicate event row(s) collapsed (lines "
                               f"{', '.join(str(x) for x in lines[exact.to_numpy()][:10])})")
    conflict = out[~exact].duplicated(key, keep=False)
    for idx in out[~exact][conflict].index:
        i = out.index.get_loc(idx)
        report.errors.append(RowError(report.file, int(lines[i]), "reason_code", reason.iat[i],
                                      "same agent, timestamp and state given with different reason codes"))
    if report.errors:
        return None
    return out[~exact]


def validate_roster(df: pd.DataFrame, config: CentreConfig, mapping: ColumnMapping,
                    report: ImportReport) -> pd.DataFrame | None:
    df = _apply_mapping(df, mapping, ROSTER_REQUIRED, ("name", "skills", "days_off"), report)
    if df is None:
        return None
    from wfm.model import WEEKDAYS

    lines = _lines(df)
    sites = {s.id for s in config.sites}
    contracts = {c.id for c in config.contracts}
    queues = {q.id for q in config.queues}
    rows = []
    seen: dict[str, int] = {}
    for i, rec in enumerate(df.to_dict("records")):
        line = int(lines[i])
        aid = rec["agent_id"].strip()
        if not re.fullmatch(r"[A-Za-z0-9_.\-]{1,64}", aid):
            report.errors.append(RowError(report.file, line, "agent_id", aid,
                                          "expected 1-64 letters, digits, '_', '.', '-'"))
        if aid in seen:
            report.errors.append(RowError(report.file, line, "agent_id", aid, f"duplicate agent (line {seen[aid]})"))
        seen[aid] = line
        if rec["site"].strip() not in sites:
            report.errors.append(RowError(report.file, line, "site", rec["site"], f"unknown site (known: {sorted(sites)})"))
        if rec["contract"].strip() not in contracts:
            report.errors.append(RowError(report.file, line, "contract", rec["contract"],
                                          f"unknown contract (known: {sorted(contracts)})"))
        skills = [s.strip() for s in re.split(r"[;|]", rec.get("skills", "") or "") if s.strip()]
        for s in skills:
            if s not in queues:
                report.errors.append(RowError(report.file, line, "skills", s, "unknown queue"))
        days = [d.strip().lower() for d in re.split(r"[;|]", rec.get("days_off", "") or "") if d.strip()]
        for d in days:
            if d not in WEEKDAYS:
                report.errors.append(RowError(report.file, line, "days_off", d, f"expected one of {WEEKDAYS}"))
        rows.append({"id": aid, "name": (rec.get("name") or "").strip(), "site_id": rec["site"].strip(),
                     "contract_id": rec["contract"].strip(), "skills": skills, "days_off": days})
    if report.errors:
        return None
    return pd.DataFrame(rows)


def validate_schedule(df: pd.DataFrame, config: CentreConfig, mapping: ColumnMapping, agents: pd.DataFrame,
                      report: ImportReport) -> pd.DataFrame | None:
    """Published schedules (activity segments per agent): known agents and activity codes,
    aware or site-local times, end after start, no overlapping segments of one agent."""
    df = _apply_mapping(df, mapping, SCHEDULE_REQUIRED, ("queue_id",), report)
    if df is None:
        return None
    lines = _lines(df)
    tz = {s.id: s.timezone for s in config.sites}
    site_of = dict(zip(agents.get("id", []), agents.get("site_id", [])))
    skills_of = dict(zip(agents.get("id", []), agents.get("skills", [])))
    agent = df["agent_id"].astype(str).str.strip()
    for i in np.flatnonzero((~agent.isin(list(site_of))).to_numpy()):
        report.errors.append(RowError(report.file, int(lines[i]), "agent_id", agent.iat[i],
                                      "unknown agent (import the roster first)"))
    codes = {a.id for a in config.activity_codes}
    activity = df["activity"].astype(str).str.strip()
    for i in np.flatnonzero((~activity.isin(codes)).to_numpy()):
        report.errors.append(RowError(report.file, int(lines[i]), "activity", activity.iat[i],
                                      f"unknown activity code (known: {sorted(codes)})"))
    zones = agent.map(lambda a: mapping.timezone or tz.get(site_of.get(a)))
    df = df.assign(agent_id=agent)
    times = df[["agent_id", "start", "end", _LINE]]  # ambiguous local times ordered per agent
    start = _timestamps(times, "start", zones, mapping, report)
    end = _timestamps(times, "end", zones, mapping, report)
    for i in np.flatnonzero((start.notna() & end.notna() & (end <= start)).to_numpy()):
        report.errors.append(RowError(report.file, int(lines[i]), "end", df["end"].iat[i], "must be after start"))
    queues = {q.id for q in config.queues}
    if "queue_id" in df.columns:
        queue = df["queue_id"].astype(str).str.strip()
        for i in np.flatnonzero((~queue.isin(queues)).to_numpy()):
            report.errors.append(RowError(report.file, int(lines[i]), "queue_id", queue.iat[i], "unknown queue"))
    else:
        queue = agent.map(lambda a: (list(skills_of.get(a) or [None]) + [None])[0])
    out = pd.DataFrame({"agent_id": agent, "start": start, "end": end, "activity": activity, "queue_id": queue,
                        "line": lines})
    ok = out.dropna(subset=["start", "end"]).sort_values(["agent_id", "start"])
    prev_end = ok.groupby("agent_id")["end"].shift()
    for _, r in ok[prev_end.notna() & (ok["start"] < prev_end)].iterrows():
        report.errors.append(RowError(report.file, int(r["line"]), "start", str(r["start"]),
                                      f"overlaps the agent's previous segment (agent {r['agent_id']!r})"))
    if report.errors:
        return None
    return out.drop(columns="line")


def store_schedule(conn, segments: pd.DataFrame, config: CentreConfig, source: str) -> int:
    """Store imported segments as shifts (contiguous segments of an agent form one shift)
    under a run of kind ``schedule_import``; returns the number of shifts."""
    seg = segments.sort_values(["agent_id", "start"]).reset_index(drop=True)
    prev_end = seg.groupby("agent_id")["end"].shift()
    new_shift = prev_end.isna() | (seg["start"] > prev_end)
    seg["shift_key"] = new_shift.cumsum()
    unpaid = {a.id for a in config.activity_codes if not a.paid}
    seg["paid"] = np.where(seg["activity"].isin(unpaid), 0.0, (seg["end"] - seg["start"]).dt.total_seconds())
    shifts = seg.groupby("shift_key").agg(agent_id=("agent_id", "first"), queue_id=("queue_id", "first"),
                                          start=("start", "min"), end=("end", "max"),
                                          paid_seconds=("paid", "sum")).reset_index()
    run_id = repo.start_run(conn, {"source": source}, kind="schedule_import")
    n = repo.write_shifts(conn, run_id, shifts, seg[["shift_key", "start", "end", "activity"]])
    repo.finish_run(conn, run_id, "succeeded", summary={"shifts": n, "segments": int(len(seg))})
    return n


# -- entry point -------------------------------------------------------------------------

def import_file(engine: Engine, kind: str, path: str | Path, config: CentreConfig,
                mapping: str | ColumnMapping | None = None, dry_run: bool = False) -> ImportReport:
    """Validate ``path`` and, when it has no error and ``dry_run`` is false, store it in one
    transaction. Returns the report (check ``report.ok``); never writes part of a file."""
    path = Path(path)
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    if isinstance(mapping, str):
        if mapping not in config.mappings:
            raise ValueError(f"unknown mapping {mapping!r}; configured mappings: {sorted(config.mappings)}")
        mapping = config.mappings[mapping]
    mapping = mapping or ColumnMapping(kind=kind)
    if mapping.kind != kind:
        raise ValueError(f"mapping is for {mapping.kind!r} files, not {kind!r}")
    report = ImportReport(file=str(path), kind=kind, dry_run=dry_run)
    df = _read_table(path, mapping, report)
    if df is None:
        return report
    report.rows_read = len(df)
    if len(df) == 0:
        report.errors.append(RowError(str(path), 0, "", "", "file has a header but no data rows"))
        return report
    for column, value in mapping.skip_rows_where.items():
        if column not in df.columns:
            report.errors.append(RowError(str(path), 1, column, "", "skip_rows_where names a column the file lacks"))
            return report
        skip = df[column].astype(str).str.strip() == value
        if skip.any():
            report.warnings.append(f"skipped {int(skip.sum())} row(s) where {column} = {value!r} "
                                   f"(mapping rule skip_rows_where)")
            df = df[~skip]

    with engine.begin() as conn:
        repo.sync_config(conn, config)
        if kind == "actuals":
            rows = validate_actuals(df, config, mapping, report)
            table = t.interval_actuals
        elif kind == "agent_events":
            tz = {s.id: s.timezone for s in config.sites}
            known = {a: tz.get(s) for a, s in repo.read_agent_sites(conn).items()}
            known.update({a.id: tz[a.site] for a in config.agents})
            rows = validate_events(df, config, mapping, known, report)
            table = t.agent_events
        elif kind == "schedule":
            rows = validate_schedule(df, config, mapping, repo.read_agents(conn), report)
            if rows is not None and not dry_run:
                store_schedule(conn, rows, config, str(path))
                report.rows_written = len(rows)
            return report
        else:
            rows = validate_roster(df, config, mapping, report)
            table = t.agents
        if rows is None or dry_run:
            return report
        if kind == "agent_events":
            # the file is authoritative for its agents over its time span: a corrected feed
            # replaces what an earlier one said about the same agents and period
            repo.delete_agent_events(conn, rows["agent_id"].unique().tolist(),
                                     rows["timestamp"].min().to_pydatetime(), rows["timestamp"].max().to_pydatetime())
        if kind != "roster":
            import_id = repo.record_import(conn, kind, str(path), _file_sha(path), len(rows))
            rows = rows.assign(import_id=import_id)
            report.import_id = import_id
        report.rows_written = repo.upsert(conn, table, rows)
    return report


def import_frame(engine: Engine, kind: str, frame: pd.DataFrame, config: CentreConfig, source: str = "<frame>",
                 dry_run: bool = False) -> ImportReport:
    """Same rules as :func:`import_file` for an in-memory table of canonical columns (strings
    or numbers); used by the sample generator and the API."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "upload.csv"
        frame.to_csv(path, index=False)
        report = import_file(engine, kind, path, config, dry_run=dry_run)
    report.file = source
    report.errors = [RowError(source, e.line, e.column, e.value, e.reason) for e in report.errors]
    return report
