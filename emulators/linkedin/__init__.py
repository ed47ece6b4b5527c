"""Local, faithful emulator of the LinkedIn Marketing API endpoints the pipeline uses (versioned ``/rest``).
Started by :mod:`emulators.suite` for the demo and tests, and by benchmarks; its modules follow the concerns below.

Contract: shared/reference/api-wire-formats.md §2. The emulator serves the ``linkedin`` part of a fixture
file (DESIGN.md §4): ``account_id``, ``currency``, ``campaigns`` (API shape) and ``analytics`` (daily
adAnalytics elements with ``dateRange`` and ``pivotValues: [campaign URN]``).

What a client must get right, and what the emulator therefore enforces:

* Rest.li 2.0 query syntax read from the *raw* query string: ``( ) , :`` literal, URNs percent-encoded
  inside ``List(...)``. A query whose structure characters are percent-encoded once (what
  ``requests(params=...)`` produces from a plain value) is also understood, but a double-encoded URN
  (``urn%253Ali...``) is a 400, as on the real API, because the URN does not survive it.
* ``LinkedIn-Version`` (400 when missing, 426 ``NONEXISTENT_VERSION`` when unknown, not yet released or
  sunset on the emulator's calendar day; see :data:`~emulators.linkedin.headers.LINKEDIN_CALENDAR`) and
  ``X-Restli-Protocol-Version: 2.0.0`` whenever Rest.li 2.0 syntax is used.
* adAnalytics: no pagination, at most 20 ``fields``, at least one facet, costs as exact decimal strings,
  counts as numbers, ``dateRange``/``pivotValues`` only when asked for, and a hard cap of 15,000 elements
  (the first 15,000 are returned, silently, like the real API; the client must detect it).
* adCampaigns: cursor paging through ``metadata.nextPageToken``, absent on the last page.
* Access as LinkedIn enforces it (:mod:`~emulators.linkedin.access`): a token without ``r_ads_reporting``
  gets 403 on adAnalytics; a member without a role on an ad account gets 403 on the account and its
  campaigns but an *empty* adAnalytics answer (LinkedIn's documented behaviour), which a client can only
  tell from "no activity" by asking ``adAccountUsers?q=authenticatedUser`` for the member's roles.

Choices made where the real behaviour is unknown ([U] in the reference):

* The daily limit is counted per endpoint over a rolling 24 h window of the injected clock (LinkedIn resets
  at midnight UTC; a rolling window keeps tests independent of the wall clock).
* Known metrics missing from a fixture element are served as 0 (``"0"`` for costs); unknown names are
  omitted. Without ``fields`` every stored metric is served, but never ``dateRange``/``pivotValues``.
* ``MONTHLY``/``YEARLY``/``ALL`` elements carry a ``dateRange`` clipped to the requested range.
* Elements are ordered by date, then campaign id.
* Unknown campaigns in a ``campaigns`` facet and unknown accounts in an ``accounts`` facet give an empty
  answer (no activity or no access), like accounts the member has no role on.

Modules: :mod:`~emulators.linkedin.restli` (Rest.li query parsing), :mod:`~emulators.linkedin.headers`
(token and ``LinkedIn-Version``), :mod:`~emulators.linkedin.access` (scopes, roles, adAccountUsers),
:mod:`~emulators.linkedin.analytics` (adAnalytics),
:mod:`~emulators.linkedin.campaigns` (adAccounts, adCampaigns), :mod:`~emulators.linkedin.wire` (error body,
URNs), :mod:`~emulators.linkedin.emulator` (the WSGI app).
"""

from .access import ACCOUNT_ROLES, DEFAULT_SCOPES, MemberAccess
from .analytics import DEFAULT_MAX_ELEMENTS, MAX_FIELDS
from .emulator import LinkedInEmulator
from .headers import LINKEDIN_CALENDAR, MarketingVersion
from .restli import RestliSyntaxError, parse_restli

__all__ = [
    "ACCOUNT_ROLES",
    "DEFAULT_MAX_ELEMENTS",
    "DEFAULT_SCOPES",
    "LINKEDIN_CALENDAR",
    "MAX_FIELDS",
    "LinkedInEmulator",
    "MarketingVersion",
    "MemberAccess",
    "RestliSyntaxError",
    "parse_restli",
]
