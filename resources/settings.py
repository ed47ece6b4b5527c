"""The Dagster resource that hands the validated settings to the assets that need them."""

from __future__ import annotations

from dagster import ConfigurableResource

from settings import Settings, load_settings


class SettingsResource(ConfigurableResource):
    """The settings file, read where an asset needs it (``config_path`` None = defaults lookup)."""

    config_path: str | None = None

    def load(self) -> Settings:
        return load_settings(self.config_path)
