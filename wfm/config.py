"""Centre configuration: a TOML file validated with pydantic v2.

Every error names the key path (``queues[1].targets.service_level``) and the bad value.
``wfm init`` writes :data:`EXAMPLE_TOML`, a commented example.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from realtime.timeline import DEFAULT_STATE_MAP
from wfm.model import (
    DEFAULT_ACTIVITY_CODES,
    ActivityCode,
    Agent,
    Contract,
    Identifier,
    Queue,
    Site,
)


class ConfigError(ValueError):
    """Invalid configuration; ``errors`` lists one line per problem (key path, value, reason)."""

    def __init__(self, source: str, errors: list[str]):
        self.source = source
        self.errors = errors
        super().__init__(f"{source}: {len(errors)} configuration error(s):\n" + "\n".join(f"  - {e}" for e in errors))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CentreInfo(_Strict):
    name: str = "Contact centre"


class ColumnMapping(_Strict):
    """How to read one kind of file: canonical column -> column name in the file.

    ``timezone``: timezone of naive timestamps (default: the queue's or agent site's);
    ``queue_values``: value in the file's queue column -> queue id; ``constant_queue``: all
    rows belong to this queue (files without a queue column); ``seconds_per_unit`` scales
    duration columns given in other units (e.g. 60 for minutes).
    """

    kind: Literal["actuals", "agent_events", "roster", "schedule"] = "actuals"
    columns: dict[str, str] = Field(default_factory=dict)
    timezone: str | None = None
    timestamp_format: str | None = Field(None, description="strftime format; default ISO 8601")
    delimiter: str = ","
    queue_values: dict[str, str] = Field(default_factory=dict)
    constant_queue: str | None = None
    seconds_per_unit: Annotated[float, Field(gt=0)] = 1.0
    interval_minutes: Literal[5, 6, 10, 15, 30, 60] | None = Field(
        None, description="the file's interval length when finer than the queue's (aggregated when planning)")
    skip_rows_where: dict[str, str] = Field(
        default_factory=dict,
        description="skip rows whose column equals the value (e.g. {missing_day = '1'}); counted in the report")


class BreakRuleConfig(_Strict):
    """A break inside every shift of at least ``min_shift_minutes``."""

    minutes: Annotated[int, Field(gt=0, le=240)]
    earliest_offset_minutes: Annotated[int, Field(ge=0)]
    latest_offset_minutes: Annotated[int, Field(ge=0)]
    min_shift_minutes: Annotated[int, Field(ge=0)] = 0
    paid: bool = True
    activity: Identifier = "break"

    @model_validator(mode="after")
    def _window(self) -> "BreakRuleConfig":
        if self.earliest_offset_minutes > self.latest_offset_minutes:
            raise ValueError(f"earliest_offset_minutes ({self.earliest_offset_minutes}) is after "
                             f"latest_offset_minutes ({self.latest_offset_minutes})")
        return self


class SchedulingRules(_Strict):
    """Shift shapes, breaks, objective weights and solver budget (contracts refine the rules
    per agent). Minutes for durations; weights per agent-minute (under/over) or paid minute."""

    shift_lengths_minutes: list[Annotated[int, Field(gt=0, le=16 * 60)]] = Field(default_factory=lambda: [480])
    start_step_minutes: Annotated[int, Field(gt=0, le=240)] = 30
    lunch_minutes: Annotated[int, Field(ge=0, le=120)] = 30
    lunch_after_minutes: Annotated[int, Field(ge=0)] = 360
    "shifts at least this long get an unpaid lunch"
    lunch_earliest_offset_minutes: Annotated[int, Field(ge=0)] = 180
    lunch_latest_offset_minutes: Annotated[int, Field(ge=0)] = 300
    breaks: list[BreakRuleConfig] = Field(default_factory=list)
    "further breaks (e.g. paid 15-min rest breaks; placed on queues whose interval divides them)"
    solver: Literal["cpsat", "greedy"] = "cpsat"
    objective: Literal["cover", "service"] = "cover"
    ("cover: weighted |required − scheduled| per interval; service: expected late contacts from the queueing "
     "model + paid minutes, an interval floor and the day's service-level target (real-time queues with a target)")
    late_contact_weight: Annotated[float, Field(gt=0)] = 1.0
    "service objective: cost of one contact answered late or abandoned, in paid-minute units"
    service_interval_floor: Annotated[float, Field(ge=0, lt=1)] = 0.6
    "service objective: each interval's service level should not fall below this (1000 per agent short of it)"
    under_weight: Annotated[float, Field(ge=0)] = 3.0
    over_weight: Annotated[float, Field(ge=0)] = 1.0
    paid_minute_weight: Annotated[float, Field(ge=0)] = 0.0
    time_limit_seconds: Annotated[float, Field(gt=0, le=3600)] = 30.0
    workers: Annotated[int, Field(ge=1, le=64)] = 1
    "CP-SAT threads per queue (queues already run in parallel processes)"
    seed: int = 0
    deterministic_time: Annotated[float, Field(gt=0)] | None = 3.0
    "CP-SAT deterministic seconds per queue: same inputs and seed give the same schedule"

    @model_validator(mode="after")
    def _lunch_window(self) -> "SchedulingRules":
        if self.lunch_earliest_offset_minutes > self.lunch_latest_offset_minutes:
            raise ValueError(f"lunch_earliest_offset_minutes ({self.lunch_earliest_offset_minutes}) is after "
                             f"lunch_latest_offset_minutes ({self.lunch_latest_offset_minutes})")
        return self


class PipelineSettings(_Strict):
    horizon_days: Annotated[int, Field(ge=1, le=120)] = 7
    history_weeks: Annotated[int, Field(ge=1, le=520)] = 13
    backtest_days: Annotated[int, Field(ge=0, le=60)] = 7
    realisation_band: tuple[float, float] = (0.95, 1.15)
    "schedule realisation band form: actual / required within [low, high]"
    executor: Literal["inline", "processes", "dask"] = "processes"
    "where per-queue work runs: this process, local processes, or Dask distributed"
    scheduler_address: str | None = None
    "Dask scheduler (tcp://host:8786); empty with executor = dask starts a local cluster"
    workers: Annotated[int, Field(ge=1, le=4096)] | None = None
    "parallel queue tasks (local processes or LocalCluster workers); default: CPU count"
    task_retries: Annotated[int, Field(ge=0, le=10)] = 2
    "how often a queue's task is run again when its worker process dies"


class CentreConfig(_Strict):
    """Everything that describes one contact centre."""

    centre: CentreInfo = CentreInfo()
    sites: list[Site]
    queues: list[Queue]
    activity_codes: list[ActivityCode] = Field(default_factory=lambda: list(DEFAULT_ACTIVITY_CODES))
    contracts: list[Contract] = Field(default_factory=list)
    agents: list[Agent] = Field(default_factory=list)
    scheduling: SchedulingRules = SchedulingRules()
    pipeline: PipelineSettings = PipelineSettings()
    mappings: dict[Identifier, ColumnMapping] = Field(default_factory=dict)
    state_map: dict[str, Identifier] = Field(
        default_factory=lambda: dict(DEFAULT_STATE_MAP),
        description="ACD agent state (case-insensitive) -> activity code",
    )

    @field_validator("state_map", mode="before")
    @classmethod
    def _merge_states(cls, v: Any) -> Any:
        if isinstance(v, dict):
            return {**DEFAULT_STATE_MAP, **{str(k).lower(): c for k, c in v.items()}}
        return v

    @model_validator(mode="after")
    def _references(self) -> "CentreConfig":
        problems: list[str] = []
        for kind, items in (("sites", self.sites), ("queues", self.queues), ("contracts", self.contracts),
                            ("agents", self.agents), ("activity_codes", self.activity_codes)):
            seen: set[str] = set()
            for i, item in enumerate(items):
                if item.id in seen:
                    problems.append(f"{kind}[{i}].id: duplicate id {item.id!r}")
                seen.add(item.id)
        sites = {s.id for s in self.sites}
        queues = {q.id for q in self.queues}
        contracts = {c.id for c in self.contracts}
        for i, q in enumerate(self.queues):
            if q.site not in sites:
                problems.append(f"queues[{i}].site: unknown site {q.site!r} (known: {sorted(sites)})")
        for i, a in enumerate(self.agents):
            if a.site not in sites:
                problems.append(f"agents[{i}].site: unknown site {a.site!r} (known: {sorted(sites)})")
            if a.contract not in contracts:
                problems.append(f"agents[{i}].contract: unknown contract {a.contract!r} (known: {sorted(contracts)})")
            for s in a.skills:
                if s not in queues:
                    problems.append(f"agents[{i}].skills: unknown queue {s!r}")
        for name, m in self.mappings.items():
            for raw, qid in m.queue_values.items():
                if qid not in queues:
                    problems.append(f"mappings.{name}.queue_values.{raw}: unknown queue {qid!r}")
            if m.constant_queue is not None and m.constant_queue not in queues:
                problems.append(f"mappings.{name}.constant_queue: unknown queue {m.constant_queue!r}")
        codes = {a.id for a in self.activity_codes}
        for state, code in self.state_map.items():
            if code not in codes:
                problems.append(f"state_map.{state}: unknown activity code {code!r} (known: {sorted(codes)})")
        low, high = self.pipeline.realisation_band
        if not 0 <= low <= 1 <= high:
            problems.append(f"pipeline.realisation_band: expected [low <= 1 <= high], got {[low, high]}")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    # -- lookups -------------------------------------------------------------------
    def queue(self, queue_id: str) -> Queue:
        for q in self.queues:
            if q.id == queue_id:
                return q
        raise KeyError(f"unknown queue {queue_id!r}")

    def site(self, site_id: str) -> Site:
        for s in self.sites:
            if s.id == site_id:
                return s
        raise KeyError(f"unknown site {site_id!r}")

    def queue_timezone(self, queue_id: str) -> str:
        q = self.queue(queue_id)
        return q.timezone or self.site(q.site).timezone

    def activity(self, code: str) -> ActivityCode:
        for a in self.activity_codes:
            if a.id == code:
                return a
        raise KeyError(f"unknown activity code {code!r}")


def _loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def _lookup(data: Any, loc: tuple[Any, ...]) -> tuple[bool, Any]:
    cur = data
    for part in loc:
        try:
            cur = cur[part]
        except (KeyError, IndexError, TypeError):
            return False, None
    return True, cur


def format_validation_error(exc: ValidationError, data: Any) -> list[str]:
    """One line per pydantic error: ``key.path: reason (got value)``."""
    lines = []
    for err in exc.errors():
        loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        found, value = _lookup(data, loc)
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "missing":
            lines.append(f"{_loc(loc)}: required key is missing")
        elif err["type"] == "extra_forbidden":
            lines.append(f"{_loc(loc)}: unknown key (check spelling; got {value!r})")
        elif found and not isinstance(value, (dict, list)):
            lines.append(f"{_loc(loc)}: {msg} (got {value!r})")
        else:
            lines.append(f"{_loc(loc)}: {msg}")
    return lines


def parse_config(data: dict[str, Any], source: str = "<config>") -> CentreConfig:
    """Validate a decoded TOML document; raise :class:`ConfigError` listing every problem."""
    try:
        return CentreConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(source, format_validation_error(exc, data)) from None


def load_config(path: str | Path) -> CentreConfig:
    """Read and validate a centre TOML file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(str(path), ["file not found (create one with `wfm init`)"]) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), [f"not valid TOML: {exc}"]) from None
    return parse_config(data, str(path))


EXAMPLE_TOML = '''\
# Contact-centre description for the wfm engine.
# Units: durations in seconds unless the key says minutes/hours; fractions in 0-1.
# Conventions: service level and abandon rate on OFFERED contacts, ASA over answered
# contacts, occupancy on carried load. Staff after shrinkage is always rounded up.

[centre]
name = "Example contact centre"

[[sites]]
id = "paris"                     # identifier used everywhere else
name = "Paris"
timezone = "Europe/Paris"        # IANA name; local days and opening hours use it
holiday_calendar = "FR"          # public holidays, their eves and periods are learned as day types
# special_days = { 2026-12-24 = "half_day", 2027-01-04 = "campaign" }   # your own day types
# day_type_factors = { holiday = 0.2 }   # expected volume vs an ordinary day, for day types never seen yet

[[queues]]
id = "paris_voice"
name = "Customer service (voice)"
site = "paris"
channel = "voice"                # voice | chat | email | back_office | face_to_face | outbound
interval_minutes = 30            # 15, 30 or 60
patience_seconds = 240           # mean customer patience (Erlang A); omit to plan with Erlang C
shrinkage = 0.30                 # planned shrinkage 0-1 when no shrinkage history exists
open_hours = { default = "08:00-20:00", sat = "09:00-17:00", sun = "closed" }

  [queues.targets]
  service_level = 0.80                     # 80 % of offered contacts ...
  service_level_threshold_seconds = 20     # ... answered within 20 s
  max_abandon_rate = 0.05                  # at most 5 % of offered contacts abandon
  # max_asa_seconds = 30
  # max_occupancy = 0.90                   # no cap unless you set one

[[queues]]
id = "paris_chat"
site = "paris"
channel = "chat"
interval_minutes = 15
concurrency = 2                  # simultaneous chat sessions per agent
open_hours = { default = "09:00-18:00", sat = "closed", sun = "closed" }
  [queues.targets]
  service_level = 0.80
  service_level_threshold_seconds = 60

[[queues]]
id = "paris_email"
site = "paris"
channel = "email"                # deferred work: planned on cycle time
open_hours = { default = "08:00-18:00", sat = "09:00-13:00", sun = "closed" }
  [queues.targets]
  timeliness = 0.95
  cycle_time_seconds = 172800    # 95 % handled within 48 h (Saturday 13:00 to Monday 08:00 is 43 h)

[[contracts]]
id = "full_time"
weekly_hours_min = 35
weekly_hours_max = 39
shift_lengths_minutes = [480, 540]
earliest_start = "07:00"
latest_start = "12:00"
days_per_week_max = 5
min_rest_hours = 11

# Activity codes default to: on_contact, available, wrap_up, back_office, break, lunch,
# meeting, training, offline. Override them like this:
# [[activity_codes]]
# id = "coaching"
# available = false      # counts as staff able to take contacts?
# productive = false     # counts as work time?
# paid = true

# Agents are usually imported from a roster file (`wfm import roster FILE`):
# [[agents]]
# id = "a001"
# site = "paris"
# skills = ["paris_voice", "paris_chat"]
# contract = "full_time"
# days_off = ["sun"]

[scheduling]
shift_lengths_minutes = [480]
start_step_minutes = 30
lunch_minutes = 30
lunch_after_minutes = 360        # shifts of 6 h or more get an unpaid lunch...
lunch_earliest_offset_minutes = 180   # ...starting 3 to 5 hours into the shift
lunch_latest_offset_minutes = 300
solver = "cpsat"                 # OR-Tools CP-SAT ("greedy": the simple cover)
under_weight = 3.0               # objective: per agent-minute short of the requirement
over_weight = 1.0                # per agent-minute above it
paid_minute_weight = 0.0         # per paid minute (cost)
time_limit_seconds = 30          # per queue
workers = 1                      # CP-SAT threads per queue (queues run in parallel processes)
deterministic_time = 3.0         # reproducible search budget (same seed -> same schedule)
# paid rest breaks, placed on queues whose interval divides their length:
# [[scheduling.breaks]]
# minutes = 15
# earliest_offset_minutes = 90
# latest_offset_minutes = 150
# min_shift_minutes = 360

[pipeline]
horizon_days = 7                 # days forecast and scheduled ahead
history_weeks = 13               # history used by the forecast
backtest_days = 7                # last days of history re-forecast to measure accuracy
realisation_band = [0.95, 1.15]  # schedule realisation, band form
executor = "processes"           # per-queue work: "inline", "processes" or "dask"
# scheduler_address = "tcp://scheduler:8786"   # Dask: run on this cluster
# workers = 8                    # parallel queue tasks (default: CPU count)
task_retries = 2                 # re-runs of a queue whose worker process died

# ACD agent states -> activity codes (defaults cover common names such as Available,
# Talking, ACW, Break, Lunch, Meeting, Training, Logged_Out):
# [state_map]
# "Aux 3" = "training"

# Column mappings for ACD exports that do not use the canonical column names
# (queue_id, interval_start, offered, answered, abandoned, answered_within_threshold,
#  handle_seconds, wait_seconds, concurrency, shrinkage):
# [mappings.my_acd]
# kind = "actuals"
# columns = { queue_id = "Skill", interval_start = "Interval", offered = "Calls Offered" }
# timezone = "Europe/Paris"            # for timestamps without a UTC offset
# timestamp_format = "%d/%m/%Y %H:%M"
# queue_values = { "Skill 12" = "paris_voice" }
'''
