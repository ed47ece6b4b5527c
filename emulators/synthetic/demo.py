"""Assembles the demo fixture: one :class:`~emulators.synthetic.world.World`, rendered source by source.

Called (as ``emulators.synthetic.generate_demo_fixture``) by the demo, the CLI, tests and benchmarks.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from emulators.synthetic.ga4 import ga4_fixture
from emulators.synthetic.google_ads import google_ads_fixture
from emulators.synthetic.hubspot import hubspot_fixture
from emulators.synthetic.linkedin import linkedin_fixture
from emulators.synthetic.world import World

DEMO_SOURCES: tuple[str, ...] = ("hubspot", "linkedin", "google_ads", "ga4")


def generate_demo_fixture(
    *,
    today: date,
    weeks: int = 52,
    seed: int = 7,
    contacts_per_day: float = 14.0,
    sources: Sequence[str] = DEMO_SOURCES,
    scale: float = 1.0,
) -> dict[str, Any]:
    """Generate the seeded synthetic demo fixture, as every source stood at midnight UTC starting ``today``.

    The data of each calendar day depends only on ``(seed, day)`` (and the volume knobs), never on
    ``today`` or ``weeks``: regenerating later only adds days, moves HubSpot journeys forward and lets
    recent ad conversions arrive.

    Args:
        today: The as-of day; data covers the days ``[today - weeks * 7, today)``.
        weeks: How many weeks of history.
        seed: The world's seed.
        contacts_per_day: Mean new contacts per day (about 5,000 contacts and 150,000 GA4 sessions over
            52 weeks by default).
        sources: Which parts to render, among ``hubspot``, ``linkedin``, ``google_ads`` and ``ga4``.
        scale: Multiplies the whole world's volume (contacts, sessions, impressions, spend); the same as
            ``contacts_per_day × scale``.

    Returns:
        A fixture (DESIGN.md §4) with the requested parts, in that order.

    Raises:
        ValueError: ``weeks`` is negative, a source is unknown, or the volume is out of range.
    """
    if weeks < 0:
        raise ValueError(f"weeks must be >= 0, got {weeks}")
    unknown = [s for s in sources if s not in DEMO_SOURCES]
    if unknown:
        raise ValueError(f"unknown source(s) {', '.join(map(repr, unknown))}; choose from {', '.join(DEMO_SOURCES)}")
    if scale <= 0:
        raise ValueError(f"scale must be > 0, got {scale}")
    world = World(seed=seed, contacts_per_day=contacts_per_day * scale)
    start = today - timedelta(days=7 * weeks)
    renderers = {
        "hubspot": hubspot_fixture,
        "linkedin": linkedin_fixture,
        "google_ads": google_ads_fixture,
        "ga4": ga4_fixture,
    }
    return {name: renderers[name](world, start=start, end=today) for name in DEMO_SOURCES if name in sources}
