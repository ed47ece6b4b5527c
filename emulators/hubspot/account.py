"""The HubSpot emulator's account-info route: ``GET /account-info/v3/details``, the portal a token reaches.

A mixin of :class:`~emulators.hubspot.HubSpotEmulator`. The body has every field HubSpot's reference
marks required (portalId, accountType, timeZone, companyCurrency, additionalCurrencies, utcOffset,
utcOffsetMilliseconds, uiDomain, dataHostingLocation; "Retrieve account details", Account information
API), e.g. ``{"portalId": 12345678, "timeZone": "US/Eastern", "utcOffset": "-04:00", ...}``. The fixture's
``hubspot.account`` sets any of them; the UTC offset is computed from the time zone at the emulator's
wall clock, as HubSpot computes it at the time of the call.

A fixture that names no ``portalId`` gets one derived from its record ids, so two different fixtures look
like two portals (and a warehouse filled from one refuses the other) while reloading the same fixture is
the same portal. A fixture that names no ``additionalCurrencies`` gets the deal currencies
(``deal_currency_code``) other than ``companyCurrency``: HubSpot accepts only the portal's currencies on
a deal (validation enforced since 31 July 2023, HubSpot developer changelog "Enforcing Deal Currency Code
Validation"), so the currencies its deals carry are the portal's currencies.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from werkzeug.wrappers import Request, Response

from emulators.hubspot.properties import DEFAULT_COMPANY_CURRENCY, portal_currencies
from emulators.hubspot.store import _ObjectStore
from emulators.hubspot.wire import JSON
from emulators.server import json_response

DEFAULT_ACCOUNT: JSON = {
    "accountType": "STANDARD",
    "timeZone": "UTC",
    "companyCurrency": DEFAULT_COMPANY_CURRENCY,
    "additionalCurrencies": [],
    "uiDomain": "app.hubspot.com",
    "dataHostingLocation": "na1",
}


def derived_portal_id(records: dict[str, dict[str, JSON]]) -> int:
    """A stable 8-digit portal id for a fixture that names none, from its record ids."""
    digest = hashlib.sha256()
    for object_type in sorted(records):
        digest.update(object_type.encode())
        for record_id in sorted(records[object_type], key=lambda i: (len(i), i)):
            digest.update(record_id.encode() + b",")
    return 10_000_000 + int(digest.hexdigest()[:12], 16) % 90_000_000


def utc_offset(time_zone: str, at: datetime) -> tuple[str, int]:
    """HubSpot's ``utcOffset`` ("-04:00") and ``utcOffsetMilliseconds`` of a zone at an instant."""
    try:
        offset = at.astimezone(ZoneInfo(time_zone)).utcoffset()
    except (ZoneInfoNotFoundError, ValueError):
        offset = None
    milliseconds = int(offset.total_seconds() * 1000) if offset is not None else 0
    sign = "-" if milliseconds < 0 else "+"
    minutes = abs(milliseconds) // 60_000
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}", milliseconds


class _AccountRoutes(_ObjectStore):
    """``GET /account-info/v3/details`` over the fixture's ``account`` (defaults for what it leaves out)."""

    _account: JSON

    def account_details(self) -> JSON:
        """The account-info body as served now (tests compare against it)."""
        with self._lock:
            details: dict[str, Any] = {**DEFAULT_ACCOUNT, **self._account}
            if "portalId" not in details:
                details["portalId"] = derived_portal_id(self._records)
            details["additionalCurrencies"] = portal_currencies(self._account, self._records.get("deals", {}))[1]
        offset, offset_ms = utc_offset(str(details["timeZone"]), self._wall_clock())
        details.setdefault("utcOffset", offset)
        details.setdefault("utcOffsetMilliseconds", offset_ms)
        return details

    def _handle_account_info(self, request: Request) -> Response:
        return json_response(self.account_details())
