import tomllib

import pytest

from wfm.config import EXAMPLE_TOML, ConfigError, load_config, parse_config

BASE = """
[[sites]]
id = "s1"
timezone = "Europe/Paris"

[[queues]]
id = "q1"
site = "s1"
channel = "voice"
  [queues.targets]
  service_level = 0.8
  service_level_threshold_seconds = 20
"""


def _errors(text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_config(tomllib.loads(text), "test.toml")
    return info.value.errors


def test_example_config_is_valid():
    cfg = parse_config(tomllib.loads(EXAMPLE_TOML))
    assert [q.id for q in cfg.queues] == ["paris_voice", "paris_chat", "paris_email"]
    assert cfg.queue("paris_chat").concurrency == 2
    assert cfg.queue_timezone("paris_voice") == "Europe/Paris"
    assert cfg.activity("lunch").paid is False and cfg.activity("on_contact").available


def test_minimal_config():
    cfg = parse_config(tomllib.loads(BASE))
    assert cfg.queue("q1").interval_minutes == 30
    assert cfg.state_map["talking"] == "on_contact"


@pytest.mark.parametrize("patch, expected", [
    (BASE.replace("service_level = 0.8", "service_level = 1.5"),
     "queues[0].targets.service_level: Input should be less than or equal to 1 (got 1.5)"),
    (BASE.replace('site = "s1"', 'site = "nowhere"'), "queues[0].site: unknown site 'nowhere'"),
    (BASE.replace('timezone = "Europe/Paris"', 'timezone = "Mars/Olympus"'),
     "sites[0].timezone: unknown IANA timezone 'Mars/Olympus'"),
    (BASE.replace('channel = "voice"', 'channel = "voice"\ninterval_minutes = 20'),
     "queues[0].interval_minutes: interval_minutes must be 15, 30 or 60, got 20 (got 20)"),
    (BASE.replace('channel = "voice"', 'channel = "fax"'), "queues[0].channel: Input should be 'voice'"),
    (BASE.replace('channel = "voice"', 'channel = "voice"\ncolour = "red"'),
     "queues[0].colour: unknown key (check spelling; got 'red')"),
    (BASE.replace('id = "q1"\n', ''), "queues[0].id: required key is missing"),
    (BASE.replace("  service_level_threshold_seconds = 20\n", ""),
     "queues[0].targets: service_level and service_level_threshold_seconds go together"),
    (BASE + '\n[pipeline]\nrealisation_band = [1.05, 1.15]\n', "pipeline.realisation_band"),
    (BASE + '\n[state_map]\n"Aux 1" = "nap"\n', "state_map.aux 1: unknown activity code 'nap'"),
])
def test_errors_name_the_key_path_and_value(patch, expected):
    errors = _errors(patch)
    assert any(expected in e for e in errors), errors


def test_all_errors_are_reported_at_once():
    text = BASE.replace("service_level = 0.8", "service_level = -1").replace('site = "s1"', 'site = "x"')
    text = text.replace('timezone = "Europe/Paris"', 'timezone = "Nowhere/City"')
    assert len(_errors(text)) >= 2


def test_toml_syntax_error_and_missing_file(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[[sites]\nid=1")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(bad)
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "missing.toml")


def test_holiday_calendar_is_validated_and_used():
    cfg = parse_config(tomllib.loads(BASE.replace('timezone = "Europe/Paris"',
                                                  'timezone = "Europe/Paris"\nholiday_calendar = "FR"')))
    from datetime import date
    days = cfg.site("s1").holiday_dates(date(2026, 11, 1), date(2026, 12, 1))
    assert date(2026, 11, 11) in days and date(2026, 11, 1) in days
    assert any("unknown holiday calendar" in e for e in _errors(BASE.replace(
        'timezone = "Europe/Paris"', 'timezone = "Europe/Paris"\nholiday_calendar = "XX"')))
