"""Local, faithful emulator of the Google Ads API REST endpoints ``googleAds:search`` and ``:searchStream``.

Started by :mod:`emulators.suite` and the tests; :class:`GoogleAdsEmulator` lives in ``app.py``.

Contract: shared/reference/api-wire-formats.md §3. The emulator serves the ``google_ads`` part of a fixture
file (DESIGN.md §4): ``customer_id``, ``currency``, ``time_zone``, optional ``campaigns`` and daily ``rows``
in API shape (``{"campaign": {...}, "metrics": {...}, "segments": {"date": ...}}``).

Queries are real GAQL over the ``campaign`` resource, parsed by a small recursive-descent parser:
``SELECT f, ... FROM campaign [WHERE cond AND ...] [ORDER BY f [ASC|DESC], ...] [LIMIT n]
[PARAMETERS name = value, ...]`` with the operators ``= != < <= > >= IN NOT IN LIKE NOT LIKE
REGEXP_MATCH NOT REGEXP_MATCH BETWEEN DURING IS NULL IS NOT NULL``. Rows are segmented exactly as GAQL
segments them: one row per campaign and selected segment (``segments.date``), metrics summed over
everything that is not selected. Results use the proto3 JSON mapping: lowerCamelCase names, int64 as JSON
strings, doubles as numbers, enums as strings.

What a client must get right, and what the emulator therefore enforces: bearer token, ``developer-token``,
``login-customer-id`` when going through a manager, customer ids without dashes, no ``pageSize`` (fixed page
size, ``nextPageToken`` only when more rows), page tokens tied to their query, versioned ``GoogleAdsFailure``
error details, array-wrapped ``searchStream`` errors, 429 ``RESOURCE_EXHAUSTED`` with ``retryDelay``, and
only the API versions live on the injected calendar day (a sunset version answers 400
``UNSUPPORTED_VERSION`` for two weeks, then Google's HTML 404 page, as unreleased versions do).

Choices made where the real behaviour is unknown ([U] in the reference):

* A missing ``developer-token`` is a 400 ``requestError: DEVELOPER_TOKEN_PARAMETER_MISSING`` (what the API
  answers over gRPC, INVALID_ARGUMENT); a wrong one is a 401 ``authenticationError: DEVELOPER_TOKEN_INVALID``.
* Daily operations are counted per request (each ``search`` page and each ``searchStream`` call is one)
  over a rolling 24 h window of the injected clock; the 429 uses HTTP 429 and ``retryDelay`` is the time
  until the oldest counted request leaves the window.
* Selecting ``segments.date`` without a date filter is allowed and returns every day.
* A metric missing from a fixture row is omitted from the result row (the real API may omit zero metrics).
* Without ORDER BY, rows come ordered by date, then campaign id. ``LIKE`` and ``REGEXP_MATCH`` are
  case-sensitive. ``searchStream`` batches hold ``page_size`` rows; an empty result is one batch without
  ``results``.

Modules: ``app`` (the WSGI app, test hooks, check order), ``access`` (version, tokens, customer, quota),
``search`` (pages, page tokens, streams), ``report`` (query execution), ``account`` (fixture data),
``gaql_parser`` (tokenizer and parser), ``gaql`` (the parsed query and condition matching), ``fields``
(the selectable fields) and ``errors`` (error bodies).
"""

from emulators.google_ads.access import GOOGLE_ADS_CALENDAR, ServedVersion
from emulators.google_ads.app import DEFAULT_PAGE_SIZE, GoogleAdsEmulator
from emulators.google_ads.errors import GaqlError
from emulators.google_ads.fields import FIELDS
from emulators.google_ads.gaql import GaqlQuery
from emulators.google_ads.gaql_parser import parse_gaql

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "FIELDS",
    "GOOGLE_ADS_CALENDAR",
    "GaqlError",
    "GaqlQuery",
    "GoogleAdsEmulator",
    "ServedVersion",
    "parse_gaql",
]
