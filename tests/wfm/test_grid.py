from datetime import date

import numpy as np
import pandas as pd
import pytest

from wfm.grid import GridError, day_intervals, intervals, off_grid, open_mask, parse_open_hours, require_on_grid


@pytest.mark.parametrize("tz, day, minutes, expected", [
    ("Europe/Paris", date(2026, 3, 29), 30, 46),      # spring forward: 23 h
    ("Europe/Paris", date(2026, 10, 25), 30, 50),     # fall back: 25 h
    ("Europe/Paris", date(2026, 10, 26), 30, 48),
    ("Europe/Paris", date(2026, 3, 29), 15, 92),
    ("Europe/Paris", date(2026, 10, 25), 15, 100),
    ("America/Toronto", date(2026, 3, 8), 30, 46),
    ("America/Toronto", date(2026, 11, 1), 30, 50),
    ("America/Toronto", date(2026, 11, 1), 60, 25),
    ("Asia/Kolkata", date(2026, 3, 29), 30, 48),      # no DST, +05:30 offset
    ("UTC", date(2026, 3, 29), 15, 96),
])
def test_day_has_the_right_number_of_intervals(tz, day, minutes, expected):
    idx = day_intervals(day, tz, minutes)
    assert len(idx) == expected
    assert str(idx.tz) == tz
    local = idx.tz_convert(tz)
    assert (local.hour * 60 + local.minute) .min() == 0          # starts at local midnight
    assert not off_grid(idx, minutes, tz).any()
    # consecutive starts are exactly one interval apart in real time
    assert (np.diff(idx.as_unit("s").asi8) == minutes * 60).all()


def test_fall_back_day_repeats_local_wall_times_as_distinct_instants():
    idx = day_intervals(date(2026, 10, 25), "Europe/Paris", 30)
    wall = idx.strftime("%H:%M")
    assert list(wall).count("02:00") == 2 and list(wall).count("02:30") == 2
    assert idx.tz_convert("UTC").is_unique


def test_spring_forward_day_skips_the_missing_hour():
    wall = set(day_intervals(date(2026, 3, 29), "Europe/Paris", 30).strftime("%H:%M"))
    assert "02:00" not in wall and "02:30" not in wall and "03:00" in wall


def test_multi_day_range_is_contiguous_across_dst():
    idx = intervals(date(2026, 10, 24), date(2026, 10, 27), "Europe/Paris", 30)
    assert len(idx) == 48 + 50 + 48


def test_off_grid_timestamps_are_rejected_with_a_clear_message():
    ts = pd.DatetimeIndex(["2026-01-05 09:00", "2026-01-05 09:10", "2026-01-05 09:30:05"], tz="Europe/Paris")
    assert off_grid(ts, 30, "Europe/Paris").tolist() == [False, True, True]
    with pytest.raises(GridError, match=r"2 timestamp\(s\) not on the 30-minute grid of Europe/Paris.*09:10"):
        require_on_grid(ts, 30, "Europe/Paris")


def test_grid_is_local_wall_clock_for_half_hour_offset_zones():
    # 09:00 in Kolkata is 03:30 UTC: on the local 60-min grid, not on the UTC one
    ts = pd.DatetimeIndex(["2026-01-05 09:00"], tz="Asia/Kolkata")
    assert not off_grid(ts, 60, "Asia/Kolkata").any()
    assert off_grid(ts, 60, "UTC").all()


def test_naive_timestamps_are_refused():
    with pytest.raises(GridError, match="timezone-aware"):
        off_grid(pd.DatetimeIndex(["2026-01-05 09:00"]), 30, "UTC")


def test_open_hours():
    assert parse_open_hours("08:00-12:00, 13:00-18:00") == [(480, 720), (780, 1080)]
    assert parse_open_hours("closed") == []
    for bad in ("8-12", "18:00-08:00", "08:00-25:00"):
        with pytest.raises(GridError, match="opening hours"):
            parse_open_hours(bad)
    idx = day_intervals(date(2026, 1, 5), "Europe/Paris", 30)  # a Monday
    mask = open_mask(idx, {"mon": "08:00-12:00", "default": "closed"}, 30)
    assert mask.sum() == 8
    assert idx[mask][0].strftime("%H:%M") == "08:00" and idx[mask][-1].strftime("%H:%M") == "11:30"
    assert open_mask(idx, {}, 30).all()
