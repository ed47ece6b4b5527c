"""Local, faithful emulator of the Google Analytics 4 Data API (v1beta ``runReport``/``batchRunReports``).
Started by :mod:`emulators.suite` for the demo and tests, and by benchmarks; its modules follow the concerns below.

Contract: shared/reference/api-wire-formats.md §4. The emulator serves the ``ga4`` part of a fixture
(DESIGN.md §4), which is session-level rather than pre-aggregated so that non-additive metrics
(``totalUsers``, ``newUsers``, ``averageSessionDuration``) are answered exactly for any date range and
slice, as GA4 does::

    {"property_id": "123456", "time_zone": "UTC", "currency": "USD",
     "sessions": [{"date": "2024-01-02", "user": "u1", "new_user": true, "channel_group": "Paid Social",
                   "source_medium": "linkedin / paid_social", "campaign": "q1_demo", "engaged": true,
                   "duration_s": 194.7, "pageviews": 3, "key_events": 1, "events": {"scroll_25": 1}}],
     "thresholding": false, "data_loss_from_other_row": false}

Endpoints: ``POST /v1beta/properties/{id}:runReport``, ``POST /v1beta/properties/{id}:batchRunReports``
(body ``{"requests": [...]}``, at most 5) and ``GET /v1beta/properties/{id}/metadata``.

Semantics (a "slice" is one response row: one combination of dimension values within one date range):

* Dimensions: ``date`` (``YYYYMMDD``), ``sessionDefaultChannelGroup``, ``sessionSourceMedium``,
  ``sessionSource``/``sessionMedium`` (the two halves of ``source_medium``), ``sessionCampaignName``,
  ``eventName`` and ``dateRange`` (added automatically, last, when a request has several date ranges).
* ``eventName`` turns each session into one fact per event name in its ``events`` map: ``eventCount`` is
  that event's count, and the session metrics of a row count the sessions that had the event (so a session
  with two event names counts in both rows). A session without events has no ``eventName`` row. The same
  expansion applies when ``eventName`` is only used in ``dimensionFilter``; session metrics then count each
  matching session once.
* Metrics: ``sessions``, ``totalUsers`` (distinct ``user``), ``newUsers`` (distinct users with
  ``new_user``), ``engagedSessions``, ``engagementRate`` (engaged / sessions), ``bounceRate``
  (1 - engagementRate), ``averageSessionDuration`` (mean ``duration_s``), ``screenPageViews``,
  ``keyEvents``, ``eventCount``. User counts are distinct within the slice, so a week's ``totalUsers`` is
  not the sum of its days or of its channels when users return.
* Metric values are strings; floats use 17 significant digits like the real API (``"0.47857142857142859"``).
  Rows whose requested metrics are all zero are dropped unless ``keepEmptyRows``. Empty reports omit
  ``rows`` and ``rowCount`` (proto3 JSON drops defaults), so clients must treat them as optional.
* Without ``orderBys`` rows are sorted by date range, then by dimension values (the real order is
  unspecified; a fixed one makes paging deterministic).
* Token cost of one report = ``1 + rowCount // 1000`` (rowCount before paging); a batch costs the sum of
  its reports. Quotas are per property: tokens per day (reset at midnight Pacific time), tokens per hour and
  per project per hour (reset on the hour), concurrent requests, server errors per hour (only injected
  ones, see :meth:`GA4Emulator.fail_next`) and potentially-thresholded requests per hour (every request
  to a property whose fixture sets ``thresholding``). Once any enforced quota is spent, every request gets
  429 ``RESOURCE_EXHAUSTED``. A limit of 0 disables enforcement; ``propertyQuota`` then reports against the
  standard-property limit.
* Not emulated (400 ``INVALID_ARGUMENT`` naming the field): ``cohortSpec``, ``comparisons``, metric
  expressions, ``metricAggregations: COUNT``.

Modules: :mod:`~emulators.ga4.schema` (fixture sessions, dimension and metric catalogue),
:mod:`~emulators.ga4.request` and :mod:`~emulators.ga4.filters` (request validation),
:mod:`~emulators.ga4.aggregate` (rows and their metrics), :mod:`~emulators.ga4.response` (sorting, paging,
totals, metadata), :mod:`~emulators.ga4.quota` (token cost and quotas), :mod:`~emulators.ga4.emulator`
(the WSGI app).
"""

from .emulator import ANALYTICS_SCOPE_PREFIX, GA4Emulator
from .quota import STANDARD_QUOTAS, report_cost
from .schema import DIMENSIONS, METRICS

__all__ = ["ANALYTICS_SCOPE_PREFIX", "DIMENSIONS", "METRICS", "STANDARD_QUOTAS", "GA4Emulator", "report_cost"]
