"""Local, faithful emulator of the HubSpot CRM API (v3 objects/search/pipelines/properties, v4 associations,
account-info).

Started by :mod:`emulators.suite`, tests and benchmarks; :mod:`emulators.hubspot.peers` adds the
endpoints open-source extractors call. Modules: ``app`` (routing, auth, rate limits), ``store`` (records,
associations, rendering), ``records`` / ``search`` / ``associations`` / ``metadata`` / ``account`` (the routes),
``properties`` and ``pipelines`` (portal metadata), ``wire`` and ``errors`` (shared formats).

Contract: shared/reference/api-wire-formats.md §1. The emulator serves the ``hubspot`` part of a fixture
file (DESIGN.md §4): contacts/deals/meetings records exactly as the API returns them, deals carrying
``associations: {"contacts": ["51", ...]}``, ``pipelines: {"deals": [...]}`` and optionally
``properties: {"contacts": [...definitions...]}`` and ``account: {"portalId": 12345678, ...}`` (the
account-info details; without ``portalId`` one is derived from the record ids).

Where the reference marks behaviour as unconfirmed the emulator is permissive (accepts every plausible
client encoding) but strict about what a client must get right (limits, auth, page sizes, cursors), so a
client that works here has handled every documented edge of the real API.

Choices made where the real behaviour is unknown ([U] in the reference):

* ``NEQ`` / ``NOT_IN`` / ``NOT_CONTAINS_TOKEN`` match records that have no value for the property.
* Sorting puts records without a value last in ascending order and first in descending order.
* A filter value that cannot be read as the property's type (a date that is neither epoch ms nor ISO-8601,
  a non-numeric amount) is a 400 ``VALIDATION_ERROR`` rather than a silent empty result.
* Filtering or sorting on a property that does not exist behaves as if every record lacked a value.
* ``limit`` over 100 on the list endpoints is clamped to 100 (search rejects over 200 with 400).
* Associations embedded in a listed record stop at 100 with a ``paging.next.after`` cursor; the v4 batch
  read pages each object at 500 and answers 207 with per-object errors (see ``associations``).
"""

from emulators.hubspot.app import HubSpotEmulator
from emulators.hubspot.properties import DEFAULT_LIFECYCLE_STAGES
from emulators.hubspot.wire import DEFAULT_LIST_PROPERTIES

__all__ = [
    "DEFAULT_LIFECYCLE_STAGES",
    "DEFAULT_LIST_PROPERTIES",
    "HubSpotEmulator",
]
