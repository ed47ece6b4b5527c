"""Finding and reading the settings file (``--config``, ``FUNNEL_LEDGER_CONFIG`` or ./funnel-ledger.yaml).

Called by the CLI, the Dagster definitions and the settings resource. A file that cannot be read (missing,
a folder, not UTF-8, not YAML, a key given twice) fails with one line naming the file and what to do.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from settings.environment import CONFIG_ENV
from settings.errors import SettingsError
from settings.model import DEFAULT_CONFIG_FILE, Settings, parse_settings


class _SettingsLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing a key given twice (PyYAML would silently keep the last one)."""


class _DuplicateKey(Exception):
    """A mapping of the settings file names a key twice (which line wins is easy to get wrong)."""


def _mapping_without_duplicates(loader: _SettingsLoader, node: yaml.MappingNode, deep: bool = False) -> Any:
    first_line: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
        line = key_node.start_mark.line + 1
        if key in first_line:
            raise _DuplicateKey(f"setting '{key}' is given twice (lines {first_line[key]} and {line}); keep one")
        first_line[key] = line
    return loader.construct_mapping(node, deep=deep)


_SettingsLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_without_duplicates)


def resolve_config_path(config: str | Path | None = None, environ: Mapping[str, str] | None = None) -> Path | None:
    """The settings file: ``--config``, else ``FUNNEL_LEDGER_CONFIG``, else ./funnel-ledger.yaml."""
    env = os.environ if environ is None else environ
    if config:
        return Path(config)
    if env.get(CONFIG_ENV):
        return Path(env[CONFIG_ENV])
    default = Path(DEFAULT_CONFIG_FILE)
    return default if default.exists() else None


def _read_text(path: Path) -> str:
    """The file's text; UTF-8 with or without a byte-order mark (Windows editors add one)."""
    try:
        data = path.read_bytes()
    except IsADirectoryError:
        raise SettingsError(
            f"settings file {path} is a folder: point --config or {CONFIG_ENV} at a .yaml file"
        ) from None
    except OSError as error:
        raise SettingsError(f"settings file {path} cannot be read ({error.strerror}): check its permissions") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise SettingsError(
            f"settings file {path} is not UTF-8 text (byte 0x{data[error.start]:02x} at offset {error.start}): "
            "save it as UTF-8 in your editor"
        ) from None


def load_settings(config: str | Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Read and validate the settings file (all keys optional; no file means all defaults)."""
    path = resolve_config_path(config, environ)
    if path is None:
        return Settings()
    if not path.exists():
        raise SettingsError(f"settings file {path} does not exist (set by --config or {CONFIG_ENV})")
    text = _read_text(path)
    try:
        raw = yaml.load(text, Loader=_SettingsLoader)  # noqa: S506 - a SafeLoader subclass
    except _DuplicateKey as error:
        raise SettingsError(f"{path}: {error}") from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise SettingsError(f"{path}: is not valid YAML{where}: {error.problem}") from None
    except yaml.YAMLError as error:
        raise SettingsError(f"{path}: is not valid YAML: {str(error).splitlines()[0]}") from None
    return parse_settings(raw, source=str(path))
