"""Tests for data.config: defaults, jinye.toml, environment, and errors that name the setting.

Every test passes ``env`` explicitly and runs in an empty tmp_path, so the developer's own
environment and any ./jinye.toml never leak in.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from data.config import DEFAULT_DB, PROJECT_ROOT, ConfigError, Settings, load_settings


@pytest.fixture(autouse=True)
def _empty_cwd(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


def _toml(tmp_path: Path, text: str, name: str = "jinye.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_file_or_environment():
    s = load_settings(env={})
    assert s == Settings()
    assert s.db_path == PROJECT_ROOT / "var" / "jinye.duckdb" == DEFAULT_DB
    assert s.demo_mode is None
    assert (s.max_upload_mb, s.cache_ttl_seconds, s.cache_max_entries, s.demo_clients) == (
        200, 3600, 256, 2000)
    assert s.extra == {}


def test_jinye_toml_in_working_directory_overrides_defaults(tmp_path):
    _toml(tmp_path, 'db_path = "/data/city.duckdb"\nmax_upload_mb = 50\ndemo_mode = false\n')
    s = load_settings(env={})
    assert s.db_path == Path("/data/city.duckdb")
    assert s.max_upload_mb == 50
    assert s.demo_mode is False
    assert s.cache_ttl_seconds == 3600  # untouched settings keep their defaults


def test_jinye_section_and_unknown_keys(tmp_path):
    path = _toml(tmp_path, '[jinye]\ncache_ttl_seconds = 60\ndemo_clients = 500\ntheme = "dark"\n',
                 name="other.toml")
    s = load_settings(config_file=path, env={})
    assert (s.cache_ttl_seconds, s.demo_clients) == (60, 500)
    assert s.extra == {"theme": "dark"}


def test_jinye_config_env_names_the_file(tmp_path):
    path = _toml(tmp_path, "cache_max_entries = 16\n", name="elsewhere.toml")
    assert load_settings(env={"JINYE_CONFIG": str(path)}).cache_max_entries == 16


def test_jinye_db_env_overrides_the_file(tmp_path):
    _toml(tmp_path, 'db_path = "/data/from-file.duckdb"\n')
    s = load_settings(env={"JINYE_DB": "/data/from-env.duckdb"})
    assert s.db_path == Path("/data/from-env.duckdb")


def test_jinye_db_env_expands_home(monkeypatch):
    monkeypatch.setenv("HOME", "/home/tester")
    assert load_settings(env={"JINYE_DB": "~/w.duckdb"}).db_path == Path("/home/tester/w.duckdb")


def test_empty_env_value_is_ignored(tmp_path):
    _toml(tmp_path, 'db_path = "/data/from-file.duckdb"\n')
    assert load_settings(env={"JINYE_DB": ""}).db_path == Path("/data/from-file.duckdb")


@pytest.mark.parametrize("text, expected", [("1", True), ("true", True), ("YES", True),
                                            ("on", True), ("0", False), ("false", False),
                                            ("no", False), ("off", False), ("auto", None)])
def test_demo_mode_from_env(tmp_path, text, expected):
    _toml(tmp_path, "demo_mode = true\n")
    assert load_settings(env={"JINYE_DEMO_MODE": text}).demo_mode is expected


def test_os_environ_is_the_default_env(monkeypatch):
    monkeypatch.setenv("JINYE_DB", "/data/os-env.duckdb")
    monkeypatch.delenv("JINYE_CONFIG", raising=False)
    monkeypatch.delenv("JINYE_DEMO_MODE", raising=False)
    assert load_settings().db_path == Path("/data/os-env.duckdb")


@pytest.mark.parametrize("line, setting", [
    ("max_upload_mb = 0", "max_upload_mb"),
    ("max_upload_mb = -5", "max_upload_mb"),
    ('cache_ttl_seconds = "an hour"', "cache_ttl_seconds"),
    ("cache_max_entries = [1, 2]", "cache_max_entries"),
    ('demo_mode = "maybe"', "demo_mode"),
    ("demo_clients = true", "demo_clients"),        # a boolean is not a client count
    ("cache_ttl_seconds = 2.5", "cache_ttl_seconds"),  # not a whole number of seconds
])
def test_invalid_value_in_file_raises_config_error_naming_it(tmp_path, line, setting):
    _toml(tmp_path, line + "\n")
    with pytest.raises(ConfigError, match=setting) as info:
        load_settings(env={})
    assert "jinye.toml" in str(info.value)


def test_invalid_env_value_names_variable_and_setting():
    with pytest.raises(ConfigError, match="JINYE_DEMO_MODE") as info:
        load_settings(env={"JINYE_DEMO_MODE": "sometimes"})
    assert "demo_mode" in str(info.value)


@pytest.mark.parametrize("text", ['max_upload_mb = \n', 'db_path = "unterminated\n',
                                  "[jinye\n", "a = 1\na = 2\n"])
def test_broken_toml_raises_config_error(tmp_path, text):
    _toml(tmp_path, text)
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(env={})


def test_non_utf8_file_raises_config_error(tmp_path):
    (tmp_path / "jinye.toml").write_bytes('db_path = "库.duckdb"\n'.encode("gbk"))
    with pytest.raises(ConfigError):
        load_settings(env={})


def test_jinye_key_that_is_not_a_table_raises_config_error(tmp_path):
    _toml(tmp_path, "jinye = 1\n")
    with pytest.raises(ConfigError):
        load_settings(env={})


def test_session_limits_default_to_an_hour_idle_and_a_working_day():
    s = load_settings(env={})
    assert (s.session_idle_minutes, s.session_max_hours) == (60, 8)


def test_session_limits_from_file_then_environment(tmp_path):
    _toml(tmp_path, "[jinye]\nsession_idle_minutes = 15\nsession_max_hours = 4\n")
    assert (load_settings(env={}).session_idle_minutes, load_settings(env={}).session_max_hours) == (15, 4)
    s = load_settings(env={"JINYE_SESSION_IDLE_MINUTES": "5", "JINYE_SESSION_MAX_HOURS": "1"})
    assert (s.session_idle_minutes, s.session_max_hours) == (5, 1)


@pytest.mark.parametrize("var, text", [("JINYE_SESSION_IDLE_MINUTES", "0"),
                                       ("JINYE_SESSION_MAX_HOURS", "-1"),
                                       ("JINYE_SESSION_MAX_HOURS", "eight")])
def test_a_session_limit_that_is_not_a_positive_number_is_refused(var, text):
    with pytest.raises(ConfigError) as info:
        load_settings(env={var: text})
    assert var in str(info.value)


def test_forecast_warmup_is_on_by_default_and_switched_by_file_then_environment(tmp_path):
    assert load_settings(env={}).warm_forecasts is True
    _toml(tmp_path, "warm_forecasts = false\n")
    assert load_settings(env={}).warm_forecasts is False
    assert load_settings(env={"JINYE_WARM_FORECASTS": "on"}).warm_forecasts is True
    assert load_settings(env={"JINYE_WARM_FORECASTS": "0"}).warm_forecasts is False


@pytest.mark.parametrize("text", ["auto", "2", "maybe"])
def test_a_forecast_warmup_value_that_is_not_yes_or_no_is_refused(text):
    with pytest.raises(ConfigError, match="JINYE_WARM_FORECASTS.*warm_forecasts"):
        load_settings(env={"JINYE_WARM_FORECASTS": text})
