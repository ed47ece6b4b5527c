"""Funnel Ledger's settings: the validated ``funnel-ledger.yaml`` model, its errors, and the runtime environment.

The ground floor: every other package may import it; it imports none of them. The model and the file
loading (pydantic, YAML) load on first use of one of their names, so a module that needs only the
environment or the errors (the CLI parsing its arguments) does not pay for them.
"""

import importlib
from typing import TYPE_CHECKING, Any

from settings.defaults import DEFAULT_CHANNELS, DEFAULT_SOURCE_MAP, DEFAULT_STAGES
from settings.environment import (
    CONFIG_ENV,
    DEFAULT_DATA_DIR,
    MODE_ENV,
    RuntimeEnv,
    base_url_problem,
    require_live_secrets,
)
from settings.errors import SettingsError

if TYPE_CHECKING:
    from settings.loading import load_settings, resolve_config_path
    from settings.model import (
        DEFAULT_CHANNEL_MAP,
        DEFAULT_CONFIG_FILE,
        GROUPS,
        REQUIRED_STAGES,
        AdsSettings,
        ChannelRefinement,
        GA4Settings,
        HubSpotSettings,
        Settings,
        parse_settings,
    )

_LAZY = {
    **dict.fromkeys(("load_settings", "resolve_config_path"), "settings.loading"),
    **dict.fromkeys(
        (
            "DEFAULT_CHANNEL_MAP",
            "DEFAULT_CONFIG_FILE",
            "GROUPS",
            "REQUIRED_STAGES",
            "AdsSettings",
            "ChannelRefinement",
            "GA4Settings",
            "HubSpotSettings",
            "Settings",
            "parse_settings",
        ),
        "settings.model",
    ),
}


def __getattr__(name: str) -> Any:
    """The model's and the loader's names, imported on first use (PEP 562)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'settings' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "CONFIG_ENV",
    "DEFAULT_CHANNELS",
    "DEFAULT_CHANNEL_MAP",
    "DEFAULT_CONFIG_FILE",
    "DEFAULT_DATA_DIR",
    "DEFAULT_SOURCE_MAP",
    "DEFAULT_STAGES",
    "GROUPS",
    "MODE_ENV",
    "REQUIRED_STAGES",
    "AdsSettings",
    "ChannelRefinement",
    "GA4Settings",
    "HubSpotSettings",
    "RuntimeEnv",
    "Settings",
    "SettingsError",
    "base_url_problem",
    "load_settings",
    "parse_settings",
    "require_live_secrets",
    "resolve_config_path",
]
