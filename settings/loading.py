"""Finding and reading the settings file (``--config``, ``FUNNEL_LEDGER_CONFIG`` or ./funnel-ledger.yaml).

Called by the CLI, the Dagster definitions and the settings resource.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import yaml

from settings.environment import CONFIG_ENV
from settings.errors import SettingsError
from settings.model import DEFAULT_CONFIG_FILE, Settings, parse_settings


def resolve_config_path(config: str | Path | None = None, environ: Mapping[str, str] | None = None) -> Path | None:
    """The settings file: ``--config``, else ``FUNNEL_LEDGER_CONFIG``, else ./funnel-ledger.yaml."""
    env = os.environ if environ is None else environ
    if config:
        return Path(config)
    if env.get(CONFIG_ENV):
        return Path(env[CONFIG_ENV])
    default = Path(DEFAULT_CONFIG_FILE)
    return default if default.exists() else None


def load_settings(config: str | Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Read and validate the settings file (all keys optional; no file means all defaults)."""
    path = resolve_config_path(config, environ)
    if path is None:
        return Settings()
    if not path.exists():
        raise SettingsError(f"settings file {path} does not exist (set by --config or {CONFIG_ENV})")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise SettingsError(f"{path}: is not valid YAML: {error}") from None
    return parse_settings(raw, source=str(path))
