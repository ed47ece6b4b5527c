"""Seeded synthetic B2B SaaS world, and the demo fixture drawn from it.

Called by the demo (``pipelines.demo``, ``funnel-ledger``), tests and benchmarks through
:func:`generate_demo_fixture` (``demo``). Modules: ``company`` (constants and channel mix), ``world`` (the
simulation), ``journeys`` (HubSpot contacts, deals, meetings), ``ads`` and ``anomalies`` (paid media and
what goes wrong), and one renderer per source: ``hubspot``, ``linkedin``, ``google_ads``, ``ga4``.

The demo, the tests and the benchmarks need a HubSpot portal that a marketing lead would find plausible:
weekday/weekend rhythm, a mild upward trend, a realistic channel mix, a funnel that leaks at believable
rates with delays of days to weeks, deals that close 20-90 days after they open, and the untidy parts of
real CRMs (skipped stages, legacy stage-date properties, unknown sources, archived records, deals
without amounts).

Stability is the design constraint. The data of a calendar day depends only on ``(seed, day)``:

* every day has its own RNG streams, ``numpy.random.default_rng([seed, day.toordinal(), stream])``;
* every contact created on that day draws its *whole future journey* (stage dates, deal, meetings) from
  its own generator seeded by the day's stream, at creation;
* a fixture "as of" a cutoff (midnight UTC at the start of ``today``) then shows each journey as it stood
  just before the cutoff: events at or after the cutoff are simply not there yet.

So ``generate_demo_fixture(today=T)`` and ``generate_demo_fixture(today=T + 7)`` agree on every record
with no event in ``[T, T + 7)``, and a 30-week and a 52-week fixture agree on the days they share.

:class:`World` is the simulation; the fixture parts are renderings of it, and they tell one story. Each
day the world has a demand (expected new contacts per ``hs_analytics_source``: level × weekday × trend ×
season × the day's shock). Every observable quantity is drawn around that demand:

* web sessions per source = demand ÷ the source's visit → contact rate (about 3%, so visit → lead is
  about 2%), split over GA4 channel groups and source / medium like HubSpot's ``source_data_1``;
* paid sessions are not drawn directly: LinkedIn Ads and Google Ads impressions are drawn so that the
  expected clicks × click → session rate (about 0.85 and 0.9) equals the paid sessions the demand asks
  for, then clicks ← impressions × CTR, and the GA4 sessions of each campaign ← its clicks;
* GA4 users return: a returning session belongs to a user first seen 0-120 days earlier (any channel),
  so a week's users are fewer than the sum of its days' users, and ``new_user`` marks first sessions only.

Anomalies are part of the world, on a per-seed yearly calendar (:meth:`World.anomalies`): one LinkedIn
campaign paused for two weeks (its clicks and sessions vanish, HubSpot contacts do not: first-touch
attribution lags), two GA4 tracking-outage days (a few percent of sessions recorded), and one Google Ads
week with a CPC spike. Ad platforms restate recent days the way real ones do: a click's conversions
arrive over the following days, so the last weeks' conversion counts grow between fixtures.

Every part draws from its own streams (:data:`STREAM_ADS`, :data:`STREAM_WEB`, :data:`STREAM_EVENTS`), so
adding or removing a part never changes another one, and a day's ad rows and sessions depend only on
``(seed, day)`` (and the volume knobs): returning users point back at earlier days through those days'
session counts, which are themselves functions of ``(seed, day)``.
"""

from emulators.synthetic.ads import AdCampaign, AdDay
from emulators.synthetic.anomalies import Anomaly
from emulators.synthetic.company import (
    SOURCES,
    STREAM_ADS,
    STREAM_DAY,
    STREAM_EVENTS,
    STREAM_HUBSPOT,
    STREAM_WEB,
    SourceProfile,
)
from emulators.synthetic.demo import DEMO_SOURCES, generate_demo_fixture
from emulators.synthetic.ga4 import GA4_CHANNEL_GROUPS, GA4_PROPERTY_ID, WebBucket, WebDay, ga4_fixture, ga4_sessions
from emulators.synthetic.google_ads import GOOGLE_ADS_CUSTOMER_ID, google_ads_fixture
from emulators.synthetic.hubspot import deal_pipelines, format_hubspot_timestamp, hubspot_fixture
from emulators.synthetic.journeys import (
    DEFAULT_PIPELINE_ID,
    LIFECYCLE_STAGES,
    PARTNER_PIPELINE_ID,
    ContactJourney,
    DealJourney,
    MeetingJourney,
)
from emulators.synthetic.linkedin import LINKEDIN_ACCOUNT_ID, linkedin_fixture
from emulators.synthetic.world import DayPlan, World

__all__ = [
    "DEFAULT_PIPELINE_ID",
    "DEMO_SOURCES",
    "GA4_CHANNEL_GROUPS",
    "GA4_PROPERTY_ID",
    "GOOGLE_ADS_CUSTOMER_ID",
    "LIFECYCLE_STAGES",
    "LINKEDIN_ACCOUNT_ID",
    "PARTNER_PIPELINE_ID",
    "SOURCES",
    "STREAM_ADS",
    "STREAM_DAY",
    "STREAM_EVENTS",
    "STREAM_HUBSPOT",
    "STREAM_WEB",
    "AdCampaign",
    "AdDay",
    "Anomaly",
    "ContactJourney",
    "DayPlan",
    "DealJourney",
    "MeetingJourney",
    "SourceProfile",
    "WebBucket",
    "WebDay",
    "World",
    "deal_pipelines",
    "format_hubspot_timestamp",
    "ga4_fixture",
    "ga4_sessions",
    "generate_demo_fixture",
    "google_ads_fixture",
    "hubspot_fixture",
    "linkedin_fixture",
]
