"""Funnel Ledger's settings: the validated ``funnel-ledger.yaml`` model, its errors, and the runtime environment.

The ground floor: every other package may import it; it imports none of them.
"""

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
