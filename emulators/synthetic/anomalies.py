"""The world's yearly anomaly calendar: a paused LinkedIn campaign, GA4 tracking outages, a Google Ads CPC spike.

Drawn by :class:`~emulators.synthetic.world.World`; the ads and GA4 simulations ask :func:`_active`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

import numpy as np

from emulators.synthetic.company import STREAM_EVENTS

if TYPE_CHECKING:
    from emulators.synthetic.world import World


_CPC_SPIKE = (1.85, 0.85)  # CPC multiplier and click multiplier (lost impression share) in a spike week
_OUTAGE_RECORDED = 0.04  # share of sessions GA4 still records on a tracking-outage day


@dataclass(frozen=True)
class Anomaly:
    """Something that went wrong (or unusual) in the world, for a stretch of days.

    Attributes:
        kind: ``"linkedin_campaign_paused"``, ``"ga4_tracking_outage"`` or ``"google_ads_cpc_spike"``.
        start: First day.
        end: Day after the last one.
        campaign_id: The campaign concerned (the paused LinkedIn campaign), else None.
        description: What a marketer would write in the tracker's notes.
    """

    kind: str
    start: date
    end: date
    campaign_id: str | None
    description: str

    def covers(self, day: date) -> bool:
        """Whether ``day`` is in ``[start, end)``."""
        return self.start <= day < self.end


def _draw_year_anomalies(world: World, year: int) -> tuple[Anomaly, ...]:
    rng = np.random.default_rng([world.seed, year, STREAM_EVENTS, 1])
    linkedin = world.campaigns("linkedin")
    jan1 = date(year, 1, 1)
    paused = linkedin[int(rng.integers(0, len(linkedin)))]
    pause_start = jan1 + timedelta(days=int(rng.integers(75, 240)))
    outages = [jan1 + timedelta(days=int(rng.integers(35, 165))), jan1 + timedelta(days=int(rng.integers(245, 330)))]
    spike = jan1 + timedelta(days=int(rng.integers(250, 320)))
    spike -= timedelta(days=spike.weekday())  # a Monday-to-Sunday week
    return (
        Anomaly(
            "linkedin_campaign_paused",
            pause_start,
            pause_start + timedelta(days=14),
            paused.id,
            f"LinkedIn campaign {paused.name} paused for two weeks (creative review)",
        ),
        *(
            Anomaly(
                "ga4_tracking_outage",
                day,
                day + timedelta(days=1),
                None,
                f"GA4 tag missing after a site release: about {_OUTAGE_RECORDED:.0%} of sessions recorded",
            )
            for day in outages
        ),
        Anomaly(
            "google_ads_cpc_spike",
            spike,
            spike + timedelta(days=7),
            None,
            f"competitors bid on our keywords: Google Ads CPC ×{_CPC_SPIKE[0]}, clicks ×{_CPC_SPIKE[1]}",
        ),
    )


def _active(world: World, kind: str, day: date, campaign_id: str | None = None) -> bool:
    return any(
        a.kind == kind and a.covers(day) and (campaign_id is None or a.campaign_id == campaign_id)
        for a in world._year_anomalies(day.year)
    )
