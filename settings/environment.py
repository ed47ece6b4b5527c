"""Where things are and which mode runs, read from the environment (never from the settings file).

Called by the CLI and the Dagster definitions; holds locations only, never a secret's value.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from settings.errors import SettingsError

CONFIG_ENV = "FUNNEL_LEDGER_CONFIG"
MODE_ENV = "FUNNEL_LEDGER_MODE"
DEFAULT_DATA_DIR = Path(".data")


@dataclass(frozen=True)
class RuntimeEnv:
    """Where things are and which mode runs, from the environment (no secrets held here)."""

    mode: Literal["demo", "live"]
    data_dir: Path
    warehouse_url: str
    workbook_path: Path
    hubspot_base_url: str
    linkedin_base_url: str = "https://api.linkedin.com"
    google_ads_base_url: str = "https://googleads.googleapis.com"
    ga4_base_url: str = "https://analyticsdata.googleapis.com"

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> RuntimeEnv:
        env = os.environ if environ is None else environ
        mode = env.get(MODE_ENV, "live").strip().lower() or "live"
        if mode not in ("demo", "live"):
            raise SettingsError(f"{MODE_ENV}={mode!r}: must be 'demo' or 'live'")
        data_dir = Path(env.get("FUNNEL_LEDGER_DATA_DIR", str(DEFAULT_DATA_DIR)))
        warehouse_url = env.get("WAREHOUSE_URL") or f"sqlite:///{data_dir / 'warehouse.db'}"
        workbook = Path(env.get("TRACKER_WORKBOOK") or data_dir / "tracker.xlsx")
        return cls(
            mode=mode,  # type: ignore[arg-type]
            data_dir=data_dir,
            warehouse_url=warehouse_url,
            workbook_path=workbook,
            hubspot_base_url=env.get("HUBSPOT_BASE_URL", "https://api.hubapi.com").rstrip("/"),
            linkedin_base_url=env.get("LINKEDIN_BASE_URL", "https://api.linkedin.com").rstrip("/"),
            google_ads_base_url=env.get("GOOGLE_ADS_BASE_URL", "https://googleads.googleapis.com").rstrip("/"),
            ga4_base_url=env.get("GA4_BASE_URL", "https://analyticsdata.googleapis.com").rstrip("/"),
        )


def require_live_secrets(environ: Mapping[str, str] | None = None) -> None:
    """Fail before any data moves when live mode lacks a secret it needs (values are never printed)."""
    env = os.environ if environ is None else environ
    if not env.get("HUBSPOT_ACCESS_TOKEN", "").strip():
        raise SettingsError(
            "HUBSPOT_ACCESS_TOKEN is not set: create a HubSpot private app with the scopes listed in the "
            "README "
            "and export its access token (live mode never falls back to demo data; use `funnel-ledger demo` "
            "for the demo)"
        )
