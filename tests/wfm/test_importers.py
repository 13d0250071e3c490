"""Import rules: all-or-nothing per file, precise errors, idempotent re-import, DST-safe times."""

import tomllib

import pandas as pd
import pytest
from sqlalchemy import func, select

from wfm.config import parse_config
from wfm.importers import import_file
from wfm.storage import repository as repo
from wfm.storage import tables as t

CONFIG = """
[[sites]]
id = "paris"
timezone = "Europe/Paris"

[[queues]]
id = "voice"
site = "paris"
channel = "voice"
interval_minutes = 30

[[queues]]
id = "mail"
site = "paris"
channel = "email"

[[contracts]]
id = "ft"

[mappings.vendor]
kind = "actuals"
timezone = "Europe/Paris"
timestamp_format = "%d/%m/%Y %H:%M"
columns = { queue_id = "Skill", interval_start = "Interval", offered = "Calls Offered", answered = "Calls Answered" }
queue_values = { "Skill 12" = "voice" }
"""

GOOD = """queue_id,interval_start,offered,answered,abandoned,answered_within_threshold,handle_seconds,wait_seconds
voice,2026-01-05T09:00:00+01:00,10,9,1,8,2700,120
voice,2026-01-05T09:30:00+01:00,12,12,0,11,3600,60
voice,2026-01-05T10:00:00+01:00,0,0,0,0,0,0
mail,2026-01-05T09:00:00+01:00,5,7,,,2100,
"""


@pytest.fixture
def cfg():
    return parse_config(tomllib.loads(CONFIG))


def _write(tmp_path, text, name="file.csv"):
    p = tmp_path / name
    p.write_text(text)
    return p


def _count(engine, table=t.interval_actuals):
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar()


def _snapshot(engine):
    with engine.connect() as conn:
        return repo.read_actuals(conn, "voice").drop(columns=["import_id"])


def test_good_file_is_imported_in_utc(engine, cfg, tmp_path):
    rep = import_file(engine, "actuals", _write(tmp_path, GOOD), cfg)
    assert rep.ok, rep.summary()
    assert rep.rows_read == 4 and rep.rows_written == 4
    with engine.connect() as conn:
        df = repo.read_actuals(conn, "voice")
    assert str(df["interval_start"].iloc[0]) == "2026-01-05 08:00:00+00:00"
    assert df["offered"].tolist() == [10, 12, 0]
    assert df["interval_minutes"].tolist() == [30, 30, 30]


def test_reimport_is_idempotent(engine, cfg, tmp_path):
    path = _write(tmp_path, GOOD)
    import_file(engine, "actuals", path, cfg)
    first = _snapshot(engine)
    rep = import_file(engine, "actuals", path, cfg)
    assert rep.ok
    assert _count(engine) == 4
    pd.testing.assert_frame_equal(first, _snapshot(engine))


def test_corrected_file_replaces_rows(engine, cfg, tmp_path):
    import_file(engine, "actuals", _write(tmp_path, GOOD), cfg)
    import_file(engine, "actuals", _write(tmp_path, GOOD.replace("voice,2026-01-05T09:30:00+01:00,12,12",
                                                                 "voice,2026-01-05T09:30:00+01:00,13,13")), cfg)
    assert _snapshot(engine)["offered"].tolist() == [10, 13, 0]
    assert _count(engine) == 4


BAD_CASES = {
    "bad header": (GOOD.replace("offered,", "offerd,", 1), 1, "offered", "bad header: required column 'offered'"),
    "negative count": (GOOD.replace("12,12,0,11", "-12,12,0,11"), 3, "offered", "must be >= 0"),
    "not a number": (GOOD.replace("12,12,0,11", "twelve,12,0,11"), 3, "offered", "expected a finite number"),
    "fractional count": (GOOD.replace("12,12,0,11", "12.5,12,0,11"), 3, "offered", "whole number"),
    "unknown queue": (GOOD.replace("voice,2026-01-05T10:00", "fax,2026-01-05T10:00"), 4, "queue_id",
                      "unknown queue"),
    "duplicate interval": (GOOD + "voice,2026-01-05T09:30:00+01:00,1,1,0,1,300,0\n", 6, "interval_start",
                           "duplicate interval for queue 'voice' (same interval as line 3)"),
    "off the grid": (GOOD.replace("2026-01-05T10:00:00+01:00", "2026-01-05T10:10:00+01:00"), 4, "interval_start",
                     "not on the 30-minute grid of Europe/Paris"),
    "answered > offered": (GOOD.replace("10,9,1,8", "10,10,1,8"), 2, "answered", "answered + abandoned exceeds"),
    "bad timestamp": (GOOD.replace("2026-01-05T10:00:00+01:00", "yesterday"), 4, "interval_start",
                      "not a timestamp"),
    "empty offered": (GOOD.replace("12,12,0,11", ",12,0,11"), 3, "offered", "required value is empty"),
    "shrinkage out of range": (GOOD.replace("wait_seconds\n", "wait_seconds,shrinkage\n")
                               .replace("3600,60\n", "3600,60,1.2\n"), 3, "shrinkage", "must be < 1"),
    "ragged row": (GOOD.replace("3600,60\n", "3600,60,7,8\n"), 3, "", "row has 10 fields but the header has 8"),
}


@pytest.mark.parametrize("case", list(BAD_CASES))
def test_bad_file_is_rejected_whole_and_loses_nothing(engine, cfg, tmp_path, case):
    import_file(engine, "actuals", _write(tmp_path, GOOD, "old.csv"), cfg)
    before = _snapshot(engine)
    text, line, column, reason = BAD_CASES[case]
    # a later, valid row for another day must not be written either
    text = text + "voice,2026-01-06T09:00:00+01:00,4,4,0,4,900,0\n"
    rep = import_file(engine, "actuals", _write(tmp_path, text, "bad.csv"), cfg)
    assert not rep.ok
    assert rep.rows_written == 0
    hits = [e for e in rep.errors if e.line == line and e.column == column and reason in e.reason]
    assert hits, rep.summary()
    assert str(hits[0]).startswith(f"{tmp_path / 'bad.csv'}:{line}")
    assert "nothing was written" in rep.summary()
    pd.testing.assert_frame_equal(before, _snapshot(engine))
    assert _count(engine) == 4
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.imports)).scalar() == 1


def test_every_bad_row_is_reported(engine, cfg, tmp_path):
    text = GOOD.replace("10,9,1,8", "-10,9,1,8").replace("12,12,0,11", "x,12,0,11")
    rep = import_file(engine, "actuals", _write(tmp_path, text), cfg)
    assert sorted({e.line for e in rep.errors}) == [2, 3]


def test_dry_run_writes_nothing(engine, cfg, tmp_path):
    rep = import_file(engine, "actuals", _write(tmp_path, GOOD), cfg, dry_run=True)
    assert rep.ok and rep.dry_run and rep.rows_written == 0
    assert _count(engine) == 0
    assert "dry run" in rep.summary()


def test_deferred_work_may_handle_more_than_arrived(engine, cfg, tmp_path):
    # the 'mail' row handles 7 items when 5 arrived (backlog): valid for email, not for voice
    assert import_file(engine, "actuals", _write(tmp_path, GOOD), cfg).ok


def test_vendor_mapping_with_local_times(engine, cfg, tmp_path):
    text = "Skill,Interval,Calls Offered,Calls Answered,Agent Name\nSkill 12,05/01/2026 09:00,7,7,x\n"
    rep = import_file(engine, "actuals", _write(tmp_path, text), cfg, mapping="vendor")
    assert rep.ok, rep.summary()
    assert any("Agent Name" in w for w in rep.warnings)  # ignored columns are reported, not silent
    with engine.connect() as conn:
        df = repo.read_actuals(conn, "voice")
    assert str(df["interval_start"].iloc[0]) == "2026-01-05 08:00:00+00:00"


def test_fall_back_day_naive_local_times(engine, cfg, tmp_path):
    # 2026-10-25: Paris clocks go from 03:00 CEST back to 02:00 CET; 02:00 and 02:30 occur twice
    rows = ["01:30", "02:00", "02:30", "02:00", "02:30", "03:00"]
    text = "Skill,Interval,Calls Offered\n" + "".join(f"Skill 12,25/10/2026 {r},1\n" for r in rows)
    rep = import_file(engine, "actuals", _write(tmp_path, text), cfg, mapping="vendor")
    assert rep.ok, rep.summary()
    with engine.connect() as conn:
        utc = repo.read_actuals(conn, "voice")["interval_start"].dt.strftime("%H:%M").tolist()
    assert utc == ["23:30", "00:00", "00:30", "01:00", "01:30", "02:00"]


def test_spring_forward_gap_is_rejected(engine, cfg, tmp_path):
    text = "Skill,Interval,Calls Offered\nSkill 12,29/03/2026 01:30,1\nSkill 12,29/03/2026 02:30,1\n"
    rep = import_file(engine, "actuals", _write(tmp_path, text), cfg, mapping="vendor")
    assert not rep.ok
    assert [(e.line, e.column) for e in rep.errors] == [(3, "interval_start")]
    assert "does not exist in Europe/Paris" in rep.errors[0].reason
    assert _count(engine) == 0


def test_a_third_ambiguous_time_is_a_duplicate(engine, cfg, tmp_path):
    text = "Skill,Interval,Calls Offered\n" + "Skill 12,25/10/2026 02:00,1\n" * 3
    rep = import_file(engine, "actuals", _write(tmp_path, text), cfg, mapping="vendor")
    assert not rep.ok and rep.errors[0].line == 4


def test_missing_file_and_empty_file(engine, cfg, tmp_path):
    assert "file not found" in import_file(engine, "actuals", tmp_path / "nope.csv", cfg).summary()
    rep = import_file(engine, "actuals", _write(tmp_path, "queue_id,interval_start,offered\n"), cfg)
    assert "no data rows" in rep.summary()


def test_roster_and_agent_events(engine, cfg, tmp_path):
    roster = "agent_id,name,site,contract,skills,days_off\na1,Ann,paris,ft,voice;mail,sat;sun\na2,Bob,paris,ft,voice,\n"
    assert import_file(engine, "roster", _write(tmp_path, roster, "r.csv"), cfg).ok
    with engine.connect() as conn:
        agents = repo.read_agents(conn)
    assert agents["skills"].tolist() == [["voice", "mail"], ["voice"]]
    events = ("agent_id,timestamp,state,reason_code\n"
              "a1,2026-01-05 08:58:00,Available,\n"
              "a1,2026-01-05 08:58:00,Available,\n"          # exact duplicate: collapsed and reported
              "a1,2026-01-05T12:00:00+01:00,Lunch,\n")
    rep = import_file(engine, "agent_events", _write(tmp_path, events, "e.csv"), cfg)
    assert rep.ok, rep.summary()
    assert rep.rows_written == 2 and any("duplicate" in w for w in rep.warnings)
    with engine.connect() as conn:
        ev = repo.read_agent_events(conn)
    assert ev["timestamp"].dt.strftime("%H:%M").tolist() == ["07:58", "11:00"]  # naive = site local time
    # a corrected feed for the same agent and period replaces, it does not add
    fixed = "agent_id,timestamp,state\na1,2026-01-05T09:01:00+01:00,Available\na1,2026-01-05T12:05:00+01:00,Lunch\n"
    assert import_file(engine, "agent_events", _write(tmp_path, fixed, "e2.csv"), cfg).ok
    with engine.connect() as conn:
        ev = repo.read_agent_events(conn)
    assert ev["timestamp"].dt.strftime("%H:%M").tolist() == ["07:58", "08:01", "11:05"]  # 07:58 is outside the span
    bad = "agent_id,timestamp,state\nzz,2026-01-05T08:00:00+01:00,Available\n"
    rep = import_file(engine, "agent_events", _write(tmp_path, bad, "bad.csv"), cfg)
    assert not rep.ok and "unknown agent" in rep.errors[0].reason
    assert _count(engine, t.agent_events) == 3


def test_roster_errors(engine, cfg, tmp_path):
    roster = "agent_id,site,contract,skills\na1,lyon,ft,voice\na2,paris,pt,fax\na2,paris,ft,\n"
    rep = import_file(engine, "roster", _write(tmp_path, roster), cfg)
    reasons = {(e.line, e.column) for e in rep.errors}
    assert {(2, "site"), (3, "contract"), (3, "skills"), (4, "agent_id")} <= reasons
    assert _count(engine, t.agents) == 0


def test_sample_centre_files_import(engine, sample_config, sample_dir):
    from wfm.sample import import_sample

    reports = import_sample(engine, sample_config, sample_dir)
    assert len(reports) == 5
    for rep in reports:
        assert rep.ok, rep.summary()
        assert rep.rows_written == rep.rows_read


def test_real_bank_series_through_the_importer(engine, shared_data, tmp_path):
    """The Israeli bank's 30-min series per queue type, read with a column mapping (no copy)."""
    from wfm.config import load_config
    from importlib.resources import files

    cfg = load_config(files("wfm") / "data" / "bank.toml")
    rep = import_file(engine, "actuals", shared_data / "il_bank_1999_30min_by_type.csv", cfg, mapping="il_bank_30min")
    assert rep.ok, rep.summary()
    raw = pd.read_csv(shared_data / "il_bank_1999_30min_by_type.csv")
    kept = raw[raw["missing_day"] == 0]
    assert rep.rows_written == len(kept)
    assert any("skipped" in w and str(len(raw) - len(kept)) in w for w in rep.warnings)
    with engine.connect() as conn:
        ps = repo.read_actuals(conn, "il_PS")
    assert ps["offered"].sum() == kept.loc[kept["channel"] == "PS", "agent_requests"].sum()
    rep = import_file(engine, "actuals", shared_data / "us_bank_2003_5min.csv", cfg, mapping="us_bank_5min")
    assert rep.ok, rep.summary()
    assert rep.rows_written == len(pd.read_csv(shared_data / "us_bank_2003_5min.csv"))


def test_schedule_import_and_its_errors(engine, cfg, tmp_path):
    from wfm.storage.repository import read_schedule

    assert import_file(engine, "roster", _write(tmp_path, "agent_id,site,contract,skills\na1,paris,ft,voice\n",
                                                "r.csv"), cfg).ok
    good = ("agent_id,start,end,activity\n"
            "a1,2026-01-05 09:00,2026-01-05 12:00,on_contact\n"
            "a1,2026-01-05 12:00,2026-01-05 12:30,lunch\n"
            "a1,2026-01-05 12:30,2026-01-05 17:00,on_contact\n")
    rep = import_file(engine, "schedule", _write(tmp_path, good, "s.csv"), cfg)
    assert rep.ok and rep.rows_written == 3
    with engine.connect() as conn:
        run_id, sched = read_schedule(conn, pd.Timestamp("2026-01-05", tz="UTC"), pd.Timestamp("2026-01-06", tz="UTC"))
        shifts, _ = repo.read_shifts(conn, run_id)
    assert sched["activity"].tolist() == ["on_contact", "lunch", "on_contact"]
    assert sched["start"].iloc[0] == pd.Timestamp("2026-01-05 08:00", tz="UTC")      # site local time
    assert len(shifts) == 1 and shifts["paid_seconds"].iloc[0] == 7.5 * 3600        # unpaid lunch
    bad = ("agent_id,start,end,activity\n"
           "a1,2026-01-06 09:00,2026-01-06 12:00,on_contact\n"
           "a1,2026-01-06 11:00,2026-01-06 12:30,lunch\n"                           # overlaps
           "zz,2026-01-06 09:00,2026-01-06 12:00,on_contact\n"                      # unknown agent
           "a1,2026-01-06 13:00,2026-01-06 12:45,napping\n")                        # ends first, unknown code
    rep = import_file(engine, "schedule", _write(tmp_path, bad, "b.csv"), cfg)
    assert not rep.ok
    assert {(e.line, e.column) for e in rep.errors} >= {(3, "start"), (4, "agent_id"), (5, "end"), (5, "activity")}


def test_import_frame_applies_the_same_rules(engine, cfg):
    from wfm.importers import import_frame

    good = pd.DataFrame({"queue_id": ["voice"], "interval_start": ["2026-01-05T09:00:00+01:00"], "offered": [4]})
    rep = import_frame(engine, "actuals", good, cfg, source="upload #1")
    assert rep.ok and rep.rows_written == 1 and rep.file == "upload #1"
    bad = good.assign(offered=[-4])
    rep = import_frame(engine, "actuals", bad, cfg, source="upload #2")
    assert not rep.ok and str(rep.errors[0]).startswith("upload #2:2 column 'offered'")
    assert _count(engine) == 1


SHRINK = """queue_id,interval_start,offered,shrinkage,shrinkage_planned,shrinkage_unplanned
voice,2026-01-05T09:00:00+01:00,10,,0.20,0.10
voice,2026-01-05T09:30:00+01:00,12,0.35,0.25,0.10
voice,2026-01-05T10:00:00+01:00,8,0.30,,
"""


def test_shrinkage_by_category_total_derived_and_checked(engine, cfg, tmp_path):
    rep = import_file(engine, "actuals", _write(tmp_path, SHRINK), cfg)
    assert rep.ok, rep.summary()
    with engine.connect() as conn:
        df = repo.read_actuals(conn, "voice")
    assert df["shrinkage"].tolist() == pytest.approx([0.30, 0.35, 0.30])   # first row: planned + unplanned
    assert df["shrinkage_planned"].tolist()[:2] == pytest.approx([0.20, 0.25]) and pd.isna(df["shrinkage_planned"][2])
    before = _snapshot(engine)
    bad = SHRINK.replace("12,0.35,0.25,0.10", "12,0.50,0.25,0.10").replace("10,,0.20,0.10", "10,,0.70,0.40")
    rep = import_file(engine, "actuals", _write(tmp_path, bad), cfg)
    assert not rep.ok
    errors = {(e.line, e.column): e.reason for e in rep.errors}
    assert "planned + unplanned shrinkage must be below 1" in errors[(2, "shrinkage_planned")]
    assert "shrinkage must equal planned + unplanned" in errors[(3, "shrinkage")]
    pd.testing.assert_frame_equal(before, _snapshot(engine))  # nothing of the bad file was written
