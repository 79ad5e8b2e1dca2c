"""Configuration: defaults in code, overridden by an optional ``jinye.toml``, then by environment.

Lookup order for each setting (later wins):
1. the defaults below;
2. ``jinye.toml`` in the working directory, or the file named by ``JINYE_CONFIG``;
3. environment variables (``JINYE_DB`` for the database path, ``JINYE_DEMO_MODE``,
   ``JINYE_SESSION_IDLE_MINUTES``, ``JINYE_SESSION_MAX_HOURS``, ``JINYE_WARM_FORECASTS``).

Secrets (password hashes, OIDC client secrets) never live here: accounts are in the warehouse's
``users`` table and OIDC settings in Streamlit's ``secrets.toml``.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = PROJECT_ROOT / "var" / "jinye.duckdb"


class ConfigError(ValueError):
    """The configuration file or an environment variable cannot be used."""


@dataclass(frozen=True)
class Settings:
    """Runtime settings.

    Attributes:
        db_path: the DuckDB warehouse file.
        demo_mode: let a visitor pick a role without logging in. ``None`` means automatic: on
            while the warehouse has no user accounts.
        max_upload_mb: the largest file the Data page accepts.
        cache_ttl_seconds: how long the dashboard keeps a query result.
        cache_max_entries: how many results per cached function the dashboard keeps.
        demo_clients: size of the demo city generated on first start.
        session_idle_minutes: a signed-in session unused this long must sign in again.
        session_max_hours: a sign-in is good for this long at most, however busy the session.
        warm_forecasts: fit the forecast and accuracy pages' first view in the background as
            soon as the dashboard opens a warehouse (``dashboard.warmup``).
    """

    db_path: Path = DEFAULT_DB
    demo_mode: bool | None = None
    max_upload_mb: int = 200
    cache_ttl_seconds: int = 3600
    cache_max_entries: int = 256
    demo_clients: int = 2000
    session_idle_minutes: int = 60
    session_max_hours: int = 8
    warm_forecasts: bool = True
    extra: dict = field(default_factory=dict)


_ENV = {"JINYE_DB": "db_path", "JINYE_DEMO_MODE": "demo_mode",
        "JINYE_SESSION_IDLE_MINUTES": "session_idle_minutes", "JINYE_SESSION_MAX_HOURS": "session_max_hours",
        "JINYE_WARM_FORECASTS": "warm_forecasts"}


def _coerce(name: str, value, source: str):
    """Turn a TOML/env value into the type of the setting, or raise a ConfigError naming it."""
    default = getattr(Settings(), name)
    try:
        if name == "db_path":
            return Path(str(value)).expanduser()
        if name == "demo_mode" or isinstance(default, bool):
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if name == "demo_mode" and text in ("", "auto"):
                return None
            if text in ("1", "true", "yes", "on"):
                return True
            if text in ("0", "false", "no", "off"):
                return False
            raise ValueError(value)
        if isinstance(default, int):
            # TOML gives bools and floats too: true or 2.5 must not pass as 1 or 2.
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError(value)
            number = int(value)
            if number <= 0:
                raise ValueError(value)
            return number
    except (TypeError, ValueError):
        raise ConfigError(f"{source}: {name} = {value!r} is not valid") from None
    return value


def load_settings(config_file: Path | None = None, env: dict[str, str] | None = None) -> Settings:
    """Read the settings from the defaults, the TOML file and the environment.

    Args:
        config_file: the TOML file; default ``$JINYE_CONFIG`` or ``./jinye.toml`` when present.
        env: the environment (default ``os.environ``).

    Returns:
        The settings.

    Raises:
        ConfigError: the TOML file cannot be parsed or holds an invalid value.
    """
    env = dict(os.environ) if env is None else env
    settings = Settings()
    explicit = config_file or (Path(env["JINYE_CONFIG"]) if env.get("JINYE_CONFIG") else None)
    if explicit is not None and not explicit.is_file():
        raise ConfigError(f"{explicit}: configuration file not found")
    path = explicit or Path("jinye.toml")
    if path.is_file():
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: not valid TOML ({exc})") from None
        known = {f.name for f in fields(Settings)} - {"extra"}
        section = raw.get("jinye", raw)
        if not isinstance(section, dict):
            raise ConfigError(f"{path}: [jinye] must be a table of settings")
        values = {k: _coerce(k, v, str(path)) for k, v in section.items() if k in known}
        extra = {k: v for k, v in section.items() if k not in known}
        settings = replace(settings, **values, extra=extra)
    for var, name in _ENV.items():
        if env.get(var):
            settings = replace(settings, **{name: _coerce(name, env[var], var)})
    return settings
