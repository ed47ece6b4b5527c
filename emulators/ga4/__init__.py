"""GA4 Data API emulator (package); see :mod:`emulators.ga4.emulator`."""

from emulators.ga4.emulator import (
    ANALYTICS_SCOPE_PREFIX,
    DIMENSIONS,
    METRICS,
    STANDARD_QUOTAS,
    GA4Emulator,
    report_cost,
)

__all__ = ["ANALYTICS_SCOPE_PREFIX", "DIMENSIONS", "METRICS", "STANDARD_QUOTAS", "GA4Emulator", "report_cost"]
