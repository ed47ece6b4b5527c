"""The Google Ads emulator's ``googleAds:search`` (fixed-size pages, query-bound page tokens) and ``:searchStream``.

Called by :class:`emulators.google_ads.app.GoogleAdsEmulator` once a call has passed its access checks.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from werkzeug.wrappers import Request

from emulators.google_ads.account import Account
from emulators.google_ads.errors import GaqlError, bad_json, invalid_argument
from emulators.google_ads.fields import JSON
from emulators.google_ads.gaql import GaqlQuery
from emulators.google_ads.gaql_parser import GaqlParser
from emulators.google_ads.report import run_query

SEARCH_BODY_KEYS = frozenset(
    {"query", "pageToken", "pageSize", "validateOnly", "returnTotalResultsCount", "summaryRowSetting"}
)
STREAM_BODY_KEYS = frozenset({"query", "summaryRowSetting"})


def read_json_body(request: Request, allowed: frozenset[str]) -> JSON:
    """The request's JSON object; unknown fields are refused as the real API's JSON parser does."""
    raw = request.get_data(cache=False)
    try:
        body = json.loads(raw) if raw else {}
    except ValueError as exc:
        raise bad_json(f"Invalid JSON payload received. {exc}") from exc
    if not isinstance(body, dict):
        raise bad_json("Invalid JSON payload received. Expected an object.")
    for key in body:
        if key not in allowed:
            raise bad_json(f'Invalid JSON payload received. Unknown name "{key}": Cannot find field.')
    return body


def _parse(body: Mapping[str, Any], today: Callable[[], date]) -> GaqlQuery:
    query = body.get("query")
    if not isinstance(query, str) or not query.strip():
        raise invalid_argument("requestError", "REQUIRED_FIELD_MISSING", "The query field is required.")
    try:
        return GaqlParser(query, today).parse()
    except GaqlError as exc:
        raise invalid_argument("queryError", exc.code, exc.message) from exc


def _field_mask(query: GaqlQuery) -> str:
    return ",".join(f.mask_name for f in query.select)


def _query_hash(query_text: str) -> str:
    return hashlib.sha256(query_text.encode()).hexdigest()[:16]


def _page_token(offset: int, query_text: str) -> str:
    payload = json.dumps({"o": offset, "q": _query_hash(query_text)}, separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def _decode_page_token(token: str, query_text: str) -> int:
    try:
        padded = token + "=" * (-len(token) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded.encode()))
        offset = int(payload["o"])
        # A token only continues the query that produced it, as on the real API.
        if payload["q"] != _query_hash(query_text) or offset < 0:
            raise ValueError("token belongs to another query")
    except (ValueError, KeyError, TypeError) as exc:
        raise invalid_argument("requestError", "INVALID_PAGE_TOKEN", "Page token is not valid.") from exc
    return offset


def search(
    body: Mapping[str, Any],
    account: Account,
    customer_id: str,
    request_id: str,
    *,
    page_size: int,
    today: Callable[[], date],
) -> JSON:
    """One ``search`` page: ``page_size`` rows from the page token's offset, ``nextPageToken`` when more."""
    if "pageSize" in body:
        raise invalid_argument(
            "requestError",
            "PAGE_SIZE_NOT_SUPPORTED",
            "Setting the page size is not supported. Search Responses will have fixed page size of 10000 rows.",
        )
    query = _parse(body, today)
    query_text = str(body["query"])
    offset = 0
    token = body.get("pageToken")
    if token:
        offset = _decode_page_token(str(token), query_text)
    rows, scanned = run_query(account, query, customer_id)
    if offset > len(rows):
        raise invalid_argument("requestError", "INVALID_PAGE_TOKEN", "Page token is not valid.")
    page = rows[offset : offset + page_size]
    out: JSON = {}
    if page:
        out["results"] = page
    if offset + page_size < len(rows):
        out["nextPageToken"] = _page_token(offset + page_size, query_text)
    if body.get("returnTotalResultsCount") is True:
        out["totalResultsCount"] = str(len(rows))
    out["fieldMask"] = _field_mask(query)
    # SearchGoogleAdsResponse has no request_id field (unlike the stream batches): the id travels only in
    # the request-id header (google-ads v23-v26 protos; tests/conformance/test_google_ads_messages.py).
    out["queryResourceConsumption"] = str(max(1, scanned))
    return out


def search_stream(
    body: Mapping[str, Any],
    account: Account,
    customer_id: str,
    request_id: str,
    *,
    page_size: int,
    today: Callable[[], date],
) -> list[JSON]:
    """Every row in batches of ``page_size``; an empty result is one batch without ``results``."""
    query = _parse(body, today)
    rows, scanned = run_query(account, query, customer_id)
    mask = _field_mask(query)
    batches: list[JSON] = []
    for start in range(0, len(rows), page_size):
        batches.append({"results": rows[start : start + page_size], "fieldMask": mask, "requestId": request_id})
    if not batches:
        batches.append({"fieldMask": mask, "requestId": request_id})
    batches[-1]["queryResourceConsumption"] = str(max(1, scanned))
    return batches
