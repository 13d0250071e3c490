"""Domain model shared by every package: sites, queues, targets, activities, agents, shifts.

Conventions (stated once, used everywhere):

* durations are in **seconds** (``*_seconds``) unless a name says minutes/hours;
* fractions are in **0–1** (``service_level`` 0.8 means 80 %);
* service level and abandon rate are measured on **offered** contacts; ASA is over
  **answered** contacts; occupancy is on **carried** (answered) load;
* timestamps are timezone-aware; interval starts are stored in UTC and grouped by the
  queue's local date.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Identifier = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")]
Fraction = Annotated[float, Field(ge=0.0, le=1.0)]


class Channel(StrEnum):
    """Contact channel. Real-time channels queue customers; deferred ones build a backlog."""

    VOICE = "voice"
    CHAT = "chat"
    EMAIL = "email"
    BACK_OFFICE = "back_office"
    FACE_TO_FACE = "face_to_face"
    OUTBOUND = "outbound"

    @property
    def is_deferred(self) -> bool:
        """True for work the site may hold in a backlog (email, back office)."""
        return self in (Channel.EMAIL, Channel.BACK_OFFICE)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown IANA timezone {value!r} (expected e.g. 'Europe/Paris')") from None
    return value


class ServiceTarget(_Strict):
    """What a queue promises. Every field is optional; only the given ones are planned for.

    Real-time work: ``service_level`` of offered contacts answered within
    ``service_level_threshold_seconds``; ``max_abandon_rate`` of offered contacts;
    ``max_asa_seconds`` over answered contacts; ``max_occupancy`` on carried load.
    Deferred work: ``timeliness`` share of items handled within ``cycle_time_seconds``.
    """

    service_level: Fraction | None = None
    service_level_threshold_seconds: Annotated[float, Field(ge=0)] | None = None
    max_abandon_rate: Fraction | None = None
    max_asa_seconds: Annotated[float, Field(ge=0)] | None = None
    max_occupancy: Annotated[float, Field(gt=0, le=1)] | None = None
    cycle_time_seconds: Annotated[float, Field(gt=0)] | None = None
    timeliness: Fraction | None = None

    @model_validator(mode="after")
    def _pairs(self) -> "ServiceTarget":
        if (self.service_level is None) != (self.service_level_threshold_seconds is None):
            raise ValueError(
                "service_level and service_level_threshold_seconds go together "
                "(e.g. 0.8 within 20 s): give both or neither"
            )
        if (self.timeliness is None) != (self.cycle_time_seconds is None):
            raise ValueError("timeliness and cycle_time_seconds go together: give both or neither")
        return self


class OutboundSettings(_Strict):
    """Dialling assumptions of an outbound queue (fractions 0–1, seconds)."""

    right_party_connect_rate: Fraction
    non_connect_seconds: Annotated[float, Field(ge=0)] = 30.0
    utilisation_target: Annotated[float, Field(gt=0, le=1)] = 0.85


class Site(_Strict):
    """A physical or virtual contact centre; its timezone defines its local days."""

    id: Identifier
    name: str = ""
    timezone: str
    holiday_calendar: str | None = Field(
        None, description="public-holiday calendar of the `holidays` package: 'FR', 'US', 'CA-QC' (country-subdivision)")
    holidays: list[date] = Field(default_factory=list, description="extra local dates treated as holidays / events")
    special_days: dict[date, str] = Field(
        default_factory=dict, description="local dates with a day type of their own: 'half_day', 'event', "
        "'holiday_eve', … (learned from past days of the same label; see forecasting.calendar)")
    day_type_factors: dict[str, float] = Field(
        default_factory=dict, description="the planner's expected volume factor vs an ordinary day for day types "
        "with no history yet, e.g. {holiday = 0.2}; once a day type is in history its learned effect is used")

    @field_validator("day_type_factors")
    @classmethod
    def _factors(cls, v: dict[str, float]) -> dict[str, float]:
        bad = {k: x for k, x in v.items() if not x > 0}
        if bad:
            raise ValueError(f"day_type_factors must be positive factors (1 = an ordinary day), got {bad}")
        return v

    _tz = field_validator("timezone")(classmethod(lambda cls, v: _check_timezone(v)))

    @field_validator("holiday_calendar")
    @classmethod
    def _calendar(cls, v: str | None) -> str | None:
        if v is None:
            return v
        import holidays as holidays_lib

        country = v.split("-")[0]
        if country not in holidays_lib.list_supported_countries():
            raise ValueError(f"unknown holiday calendar {v!r}: expected an ISO country code such as 'FR' or 'CA-QC'")
        return v

    def holiday_dates(self, start: date, end: date) -> set[date]:
        """Holidays in [start, end): the calendar's public holidays plus the listed dates."""
        days = {d for d in self.holidays if start <= d < end}
        if self.holiday_calendar:
            import holidays as holidays_lib

            country, _, sub = self.holiday_calendar.partition("-")
            cal = holidays_lib.country_holidays(country, subdiv=sub or None, years=range(start.year, end.year + 1))
            days |= {d for d in cal if start <= d < end}
        return days

    def day_types(self, start: date, end: date) -> dict[date, str]:
        """Special days in [start, end) with their labels: from the holiday calendar
        (``holiday``, ``holiday_eve``, ``holiday_period``), the listed holidays, then the
        explicit ``special_days`` (which win)."""
        out: dict[date, str] = {}
        if self.holiday_calendar:
            from forecasting.calendar import holiday_day_types

            country, _, sub = self.holiday_calendar.partition("-")
            out.update(holiday_day_types(country, range(start.year, end.year + 1), subdiv=sub or None))
        out.update({d: "holiday" for d in self.holidays})
        out.update(self.special_days)
        return {d: lab for d, lab in sorted(out.items()) if start <= d < end}


class Queue(_Strict):
    """A queue (skill, split) of one channel, planned on its own interval grid."""

    id: Identifier
    name: str = ""
    site: Identifier
    channel: Channel
    timezone: str | None = Field(None, description="defaults to the site's timezone")
    interval_minutes: int = Field(30, description="planning interval length, minutes: 15, 30 or 60")
    targets: ServiceTarget = ServiceTarget()
    patience_seconds: Annotated[float, Field(gt=0)] | None = Field(
        None, description="mean customer patience, seconds (Erlang A); None = estimate or Erlang C"
    )
    concurrency: Annotated[int, Field(ge=1, le=20)] = Field(1, description="chat sessions per agent")
    shrinkage: Annotated[float, Field(ge=0, lt=1)] | None = Field(
        None, description="planned shrinkage fraction 0–1 when no shrinkage history exists"
    )
    outbound: OutboundSettings | None = Field(None, description="outbound queues only: connect rate etc.")
    open_hours: dict[str, str] = Field(
        default_factory=dict,
        description="local opening hours per weekday, e.g. {mon = '08:00-20:00', sun = 'closed'}; "
        "missing weekdays use 'default' or 00:00-24:00",
    )

    _tz = field_validator("timezone")(classmethod(lambda cls, v: v if v is None else _check_timezone(v)))

    @field_validator("interval_minutes")
    @classmethod
    def _interval(cls, v: int) -> int:
        if v not in (15, 30, 60):
            raise ValueError(f"interval_minutes must be 15, 30 or 60, got {v}")
        return v

    @field_validator("open_hours")
    @classmethod
    def _open_hours(cls, v: dict[str, str]) -> dict[str, str]:
        from wfm.grid import parse_open_hours  # local import: grid depends on nothing here

        for day, spec in v.items():
            if day not in WEEKDAYS and day != "default":
                raise ValueError(f"open_hours key {day!r} is not one of {', '.join(WEEKDAYS)}, default")
            parse_open_hours(spec)
        return v


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class ActivityCode(_Strict):
    """An activity an agent can be in, and how it counts.

    ``available`` = counts as staff able to take contacts (on contact, idle/available, wrap);
    ``productive`` = work time (contacts, back-office); ``paid`` = counts toward paid time.
    """

    id: Identifier
    name: str = ""
    available: bool = False
    productive: bool = False
    paid: bool = True


DEFAULT_ACTIVITY_CODES: tuple[ActivityCode, ...] = (
    ActivityCode(id="on_contact", name="On contact", available=True, productive=True),
    ActivityCode(id="available", name="Available / idle", available=True, productive=False),
    ActivityCode(id="wrap_up", name="After-contact work", available=True, productive=True),
    ActivityCode(id="back_office", name="Back-office work", available=False, productive=True),
    ActivityCode(id="break", name="Break (paid)", available=False, productive=False, paid=True),
    ActivityCode(id="lunch", name="Lunch (unpaid)", available=False, productive=False, paid=False),
    ActivityCode(id="meeting", name="Team meeting", available=False, productive=False),
    ActivityCode(id="training", name="Training / coaching", available=False, productive=False),
    ActivityCode(id="offline", name="Logged out", available=False, productive=False, paid=False),
)


class Contract(_Strict):
    """Labour contract: weekly hours, allowed shift lengths and start window, days off."""

    id: Identifier
    weekly_hours_min: Annotated[float, Field(ge=0, le=80)] = 0
    weekly_hours_max: Annotated[float, Field(gt=0, le=80)] = 40
    shift_lengths_minutes: list[Annotated[int, Field(gt=0, le=16 * 60)]] = Field(default_factory=lambda: [480])
    earliest_start: str = Field("00:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$", description="local HH:MM")
    latest_start: str = Field("23:59", pattern=r"^([01]\d|2[0-3]):[0-5]\d$", description="local HH:MM")
    days_per_week_max: Annotated[int, Field(ge=1, le=7)] = 5
    consecutive_days_off: Annotated[int, Field(ge=0, le=6)] = 0
    "each ISO week holds a block of this many consecutive days without a shift (0 = no rule)"
    min_rest_hours: Annotated[float, Field(ge=0, le=48)] = 11
    lunch_minutes: Annotated[int, Field(ge=0, le=120)] = 30
    lunch_after_minutes: Annotated[int, Field(ge=0)] = 360
    "shifts at least this long (minutes) get an unpaid lunch"

    @model_validator(mode="after")
    def _ranges(self) -> "Contract":
        if self.weekly_hours_min > self.weekly_hours_max:
            raise ValueError(
                f"weekly_hours_min ({self.weekly_hours_min}) exceeds weekly_hours_max ({self.weekly_hours_max})"
            )
        if self.earliest_start > self.latest_start:
            raise ValueError(f"earliest_start {self.earliest_start} is after latest_start {self.latest_start}")
        return self


class Agent(_Strict):
    """A named agent: home site, the queues they can serve, their contract and fixed days off."""

    id: Identifier
    name: str = ""
    site: Identifier
    skills: list[Identifier] = Field(default_factory=list, description="queue ids the agent can serve")
    contract: Identifier
    days_off: list[str] = Field(default_factory=list, description="fixed weekly days off, e.g. ['sat', 'sun']")

    @field_validator("days_off")
    @classmethod
    def _days(cls, v: list[str]) -> list[str]:
        for d in v:
            if d not in WEEKDAYS:
                raise ValueError(f"day off {d!r} is not one of {', '.join(WEEKDAYS)}")
        return v


class ShiftActivity(_Strict):
    """One block of a shift: [start, end) in an activity code."""

    start: datetime
    end: datetime
    activity: Identifier


class Shift(_Strict):
    """A scheduled shift of one agent (``agent_id`` None = open shift, not yet assigned)."""

    agent_id: str | None
    queue_id: str
    start: datetime
    end: datetime
    activities: tuple[ShiftActivity, ...] = ()

    @property
    def paid_seconds(self) -> float:
        """Shift length minus unpaid activities (lunch), seconds."""
        unpaid = sum(
            (a.end - a.start).total_seconds() for a in self.activities if a.activity in ("lunch", "offline")
        )
        return (self.end - self.start).total_seconds() - unpaid


class AgentStateEvent(_Strict):
    """One ACD agent-state change: from ``timestamp`` the agent is in ``state`` (with reason)."""

    agent_id: str
    timestamp: datetime
    state: str
    reason_code: str | None = None

    @field_validator("timestamp")
    @classmethod
    def _aware(cls, v: datetime) -> datetime:
        if v.tzinfo is None:
            raise ValueError("timestamp must be timezone-aware")
        return v
