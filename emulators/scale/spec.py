"""How big the generated benchmark world is (``ScaleSpec``); the benchmarks size every source from it."""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class ScaleSpec:
    """How big the generated world is. The defaults are the issue's full scale.

    Attributes:
        contacts: HubSpot contacts (about 2% archived).
        deals: HubSpot deals, each associated with one contact.
        campaigns: Campaigns on each ad platform.
        days: Days of history (3 years).
        ga4_sessions: GA4 sessions over ``days``.
    """

    contacts: int = 1_000_000
    deals: int = 200_000
    campaigns: int = 500
    days: int = 3 * 365
    ga4_sessions: int = 10_000_000

    def scaled(self, factor: float) -> ScaleSpec:
        """The same world with every record count multiplied by ``factor`` (days stay; at least 1 of each).

        Args:
            factor: Volume multiplier, e.g. 0.01 for a quick run.
        """
        return replace(
            self,
            contacts=max(1, round(self.contacts * factor)),
            deals=max(1, round(self.deals * factor)),
            campaigns=max(1, round(self.campaigns * factor)),
            ga4_sessions=max(1, round(self.ga4_sessions * factor)),
        )

    @property
    def ad_rows(self) -> int:
        """Daily campaign rows per ad platform (campaigns x days)."""
        return self.campaigns * self.days
