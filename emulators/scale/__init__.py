"""Scale generator for benchmarks: a large HubSpot portal, ad campaigns and GA4 sessions, built columnar.
Used by ``benchmarks/run.py``, ``benchmarks/peers.py`` and ``tests/test_scale.py``.

Every source is first drawn as numpy columns (a few bytes per record) and turned into wire-shape dicts
only while it is streamed into an emulator, one record at a time, so a portal is never held twice: the
emulator's own store is the only dict copy. The same columns give the KPI benchmark its pandas frames
without any emulator, and the GA4 sessions stay columnar (``GA4SessionStore``) and are served as
aggregates, because the GA4 Data API itself only ever returns aggregated rows.

Everything is seeded: the same ``(spec, seed, end)`` gives the same portal.

Modules: :mod:`~emulators.scale.spec` (the world's size), :mod:`~emulators.scale.hubspot` (contacts and
deals), :mod:`~emulators.scale.frames` (KPI input frames), :mod:`~emulators.scale.web_and_ads` (GA4 sessions,
ad rows).
"""

from .frames import PIPELINE_STAGES, kpi_frames, weeks_ending
from .hubspot import (
    DAY_S,
    DEAL_STAGES,
    SOURCES,
    STAGES,
    ContactColumns,
    DealColumns,
    EditablePortal,
    RecordSink,
    changed_ids,
    contact_columns,
    contact_record,
    deal_columns,
    deal_record,
    iter_records,
    load_hubspot,
    touch,
)
from .spec import ScaleSpec
from .web_and_ads import GA4_CHANNELS, GA4SessionStore, ads_daily_rows

__all__ = [
    "DAY_S",
    "DEAL_STAGES",
    "GA4_CHANNELS",
    "PIPELINE_STAGES",
    "SOURCES",
    "STAGES",
    "ContactColumns",
    "DealColumns",
    "EditablePortal",
    "GA4SessionStore",
    "RecordSink",
    "ScaleSpec",
    "ads_daily_rows",
    "changed_ids",
    "contact_columns",
    "contact_record",
    "deal_columns",
    "deal_record",
    "iter_records",
    "kpi_frames",
    "load_hubspot",
    "touch",
    "weeks_ending",
]
