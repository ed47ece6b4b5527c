"""Local emulator of the Google Ads API search endpoints (package front door; the app lives in ``app.py``)."""

from emulators.google_ads.app import (
    DEFAULT_PAGE_SIZE,
    FIELDS,
    GaqlError,
    GaqlQuery,
    GoogleAdsEmulator,
    parse_gaql,
)

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "FIELDS",
    "GaqlError",
    "GaqlQuery",
    "GoogleAdsEmulator",
    "parse_gaql",
]
