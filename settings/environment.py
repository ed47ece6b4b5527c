"""Where things are and which mode runs, read from the environment (never from the settings file).

Called by the CLI and the Dagster definitions; holds locations only, never a secret's value.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from settings.errors import SettingsError

CONFIG_ENV = "FUNNEL_LEDGER_CONFIG"
MODE_ENV = "FUNNEL_LEDGER_MODE"
DEFAULT_DATA_DIR = Path(".data")
# Base URLs the resources read from the environment themselves (at run time) rather than from RuntimeEnv;
# checked here too, so a bad one stops the run before anything moves.
OTHER_BASE_URLS = {
    "GOOGLE_SHEETS_BASE_URL": "https://sheets.googleapis.com",
    "GOOGLE_OAUTH_TOKEN_URL": "https://oauth2.googleapis.com/token",
}


def base_url_problem(value: str, example: str) -> str | None:
    """Why ``value`` cannot be a base URL, as the end of a message after the variable's name; else None.

    The pipeline appends API paths to a base URL and signs in with its own token, so credentials in it
    (``user:password@``, which requests would send instead of the token) and a query or fragment are
    refused. The message never repeats the value: it may hold a secret.
    """
    parts = urlsplit(value)
    try:
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        return f"has a port that is not a number: use a URL such as {example}"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"is not an http(s) URL: use a URL such as {example}"
    if parts.username is not None or parts.password is not None:
        return (
            "holds credentials (user:password@ before the host): remove them; each API signs in with its own "
            "token, and an HTTP proxy's login belongs in HTTPS_PROXY"
        )
    if parts.query or parts.fragment or value.endswith(("?", "#")):
        return "has a query or fragment (?… or #…): remove it; the pipeline appends the API paths to this URL"
    return None


def base_url(environ: Mapping[str, str], name: str, default: str) -> str:
    """The base URL in ``name`` (``default`` when unset), refused when it can never work."""
    value = environ.get(name, "").strip() or default
    problem = base_url_problem(value, default)
    if problem:
        raise SettingsError(f"{name} {problem}")
    return value.rstrip("/")


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
        for name, default in OTHER_BASE_URLS.items():
            base_url(env, name, default)
        return cls(
            mode=mode,  # type: ignore[arg-type]
            data_dir=data_dir,
            warehouse_url=warehouse_url,
            workbook_path=workbook,
            hubspot_base_url=base_url(env, "HUBSPOT_BASE_URL", "https://api.hubapi.com"),
            linkedin_base_url=base_url(env, "LINKEDIN_BASE_URL", "https://api.linkedin.com"),
            google_ads_base_url=base_url(env, "GOOGLE_ADS_BASE_URL", "https://googleads.googleapis.com"),
            ga4_base_url=base_url(env, "GA4_BASE_URL", "https://analyticsdata.googleapis.com"),
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
