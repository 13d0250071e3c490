"""The `wfm` command line, run as a user would (CliRunner, in a scratch folder)."""

import os

import pytest
from typer.testing import CliRunner

from wfm.cli import app

runner = CliRunner()


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("WFM_DATABASE_URL", raising=False)
    return tmp_path


def test_init_writes_a_valid_commented_example(in_tmp):
    r = runner.invoke(app, ["init"])
    assert r.exit_code == 0, r.output
    text = (in_tmp / "centre.toml").read_text()
    assert "# " in text and "service_level" in text
    assert runner.invoke(app, ["check", "--config", "centre.toml"]).exit_code == 0
    assert runner.invoke(app, ["init"]).exit_code == 2          # refuses to overwrite


def test_config_errors_are_messages_not_tracebacks(in_tmp):
    (in_tmp / "bad.toml").write_text('[[sites]]\nid = "s"\ntimezone = "Europe/Pariss"\n')
    r = runner.invoke(app, ["check", "--config", "bad.toml"])
    assert r.exit_code == 2
    assert "sites[0].timezone" in r.output and "Europe/Pariss" in r.output and "queues" in r.output
    assert "Traceback" not in r.output


def test_import_rejection_exit_code_and_report(in_tmp):
    runner.invoke(app, ["init"])
    (in_tmp / "a.csv").write_text("queue_id,interval_start,offered\nparis_voice,2026-01-05T09:10:00+01:00,3\n")
    r = runner.invoke(app, ["import", "actuals", "a.csv"])
    assert r.exit_code == 1
    assert "a.csv:2 column 'interval_start'" in r.output and "nothing was written" in r.output
    (in_tmp / "b.csv").write_text("queue_id,interval_start,offered\nparis_voice,2026-01-05T09:00:00+01:00,3\n")
    r = runner.invoke(app, ["import", "actuals", "b.csv", "--dry-run"])
    assert r.exit_code == 0 and "dry run" in r.output
    assert runner.invoke(app, ["import", "faxes", "b.csv"]).exit_code == 2


def test_run_without_history_says_what_to_do(in_tmp):
    runner.invoke(app, ["init"])
    r = runner.invoke(app, ["run"])
    assert r.exit_code == 2 and "import history first" in r.output


def test_run_options_are_checked_before_anything_runs(in_tmp):
    runner.invoke(app, ["init"])
    r = runner.invoke(app, ["run", "--resume", "20261204T000000-abcdef"])
    assert r.exit_code == 2 and "run '20261204T000000-abcdef' not found" in r.output
    r = runner.invoke(app, ["run", "--resume", "x", "--start", "2026-12-07"])
    assert r.exit_code == 2 and "--horizon-days and --queue" in r.output
    r = runner.invoke(app, ["run", "--executor", "threads"])
    assert r.exit_code == 2 and "expected inline, processes or dask" in r.output


def test_demo_end_to_end(in_tmp):
    """The README's main job: sample -> import -> pipeline -> summary + HTML report."""
    r = runner.invoke(app, ["demo", "--workers", "1"])
    assert r.exit_code == 0, r.output
    assert "succeeded" in r.output and "lyon_voice" in r.output and "30-min intervals, Europe/Paris" in r.output
    html = (in_tmp / "wfm-data" / "report.html").read_text()
    assert html.count("data:image/png;base64,") >= 8
    assert "offered" in html and "America/Toronto" in html
    assert (in_tmp / "wfm-data" / "wfm.sqlite").exists()
    # idempotent: a second demo re-imports the same data and adds a run
    r = runner.invoke(app, ["demo", "--workers", "1"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["runs"])
    lines = r.output.splitlines()
    assert sum("pipeline" in ln and "succeeded" in ln for ln in lines) == 2
    assert sum("schedule_import" in ln for ln in lines) == 2
    r = runner.invoke(app, ["report", "--config", "wfm-data/sample/centre.toml", "--out", "again.html"])
    assert r.exit_code == 0 and os.path.getsize(in_tmp / "again.html") > 10_000


@pytest.fixture
def sample_db(in_tmp, sample_config, sample_dir):
    from wfm.sample import import_sample
    from wfm.storage import connect

    url = f"sqlite:///{in_tmp / 'm.sqlite'}"
    assert all(r.ok for r in import_sample(connect(url), sample_config, sample_dir))
    return url


def test_adherence_and_metrics_commands_on_the_sample(sample_db, sample_dir):
    cfg = str(sample_dir / "centre.toml")
    r = runner.invoke(app, ["adherence", "-c", cfg, "--database-url", sample_db, "--from", "2026-11-26",
                            "--to", "2026-11-28", "--top", "3"])
    assert r.exit_code == 0, r.output
    assert "Adherence 2026-11-26..2026-11-28" in r.output and "on_contact" in r.output and "lunch" in r.output
    assert "conformance" in r.output and "exception(s)" in r.output
    r = runner.invoke(app, ["metrics", "-c", cfg, "--database-url", sample_db, "--day", "2026-11-27"])
    assert r.exit_code == 0, r.output
    assert "montreal_voice" in r.output and "30-min intervals, America/Toronto" in r.output
    assert "Service level and abandon rate on offered contacts" in r.output
    assert "forecast accuracy: no stored forecast covers" in r.output
    r = runner.invoke(app, ["adherence", "-c", cfg, "--database-url", sample_db, "--day", "2025-01-01"])
    assert r.exit_code == 1 and "no schedule stored" in r.output
    r = runner.invoke(app, ["metrics", "-c", cfg, "--database-url", sample_db, "--day", "27/11/2026"])
    assert r.exit_code == 2 and "YYYY-MM-DD" in r.output


def test_backtest_command_prints_stores_and_plots(sample_db, sample_dir, in_tmp):
    import pandas as pd

    cfg = str(sample_dir / "centre.toml")
    r = runner.invoke(app, ["backtest", "-c", cfg, "--database-url", sample_db, "--queue", "lyon_voice",
                            "--origins", "2", "--model", "seasonal_naive", "--model", "day_type_profile",
                            "--out", "bt"])
    assert r.exit_code == 0, r.output
    assert "lyon_voice — volume backtest, 30-min intervals, Europe/Paris" in r.output and "PI coverage" in r.output
    metrics = pd.read_csv(in_tmp / "bt" / "lyon_voice" / "metrics.csv")
    assert set(metrics["horizon"]) == {"next_day", "next_week"} and len(metrics) == 4
    detail = pd.read_csv(in_tmp / "bt" / "lyon_voice" / "forecast_vs_actual.csv")
    # the stored WAPE is recomputable from the stored rows
    g = detail[(detail["horizon"] == "next_week") & (detail["model"] == "day_type_profile")]
    wape = (g["forecast"] - g["actual"]).abs().sum() / g["actual"].sum()
    row = metrics[(metrics["horizon"] == "next_week") & (metrics["model"] == "day_type_profile")].iloc[0]
    assert row["wape"] == pytest.approx(wape)
    assert (in_tmp / "bt" / "lyon_voice" / "next_week.png").stat().st_size > 10_000
    r = runner.invoke(app, ["backtest", "-c", cfg, "--database-url", sample_db, "--model", "prophet"])
    assert r.exit_code == 2 and "expected auto or one of" in r.output
    r = runner.invoke(app, ["backtest", "-c", cfg, "--database-url", sample_db, "--queue", "nope"])
    assert r.exit_code == 2 and "'nope' is not a queue" in r.output
