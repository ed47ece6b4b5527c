"""LinkedIn ad accounts and campaigns: ``GET /rest/adAccounts/{id}`` and its cursor-paged ``adCampaigns`` search.

Called by :class:`emulators.linkedin.emulator.LinkedInEmulator`: the loaders from ``set_data``, the
``answer_*`` functions for each request.
"""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import unquote

from werkzeug.wrappers import Request

from .restli import RestliValue, int_param, restli_param, single_param
from .wire import ACCOUNT_URN, GROUP_URN, JSON, access_denied, bad_request

_CAMPAIGN_STATUSES = frozenset(
    {"ACTIVE", "PAUSED", "ARCHIVED", "COMPLETED", "CANCELED", "DRAFT", "PENDING_DELETION", "REMOVED"}
)
_MAX_PAGE_SIZE = 1000
_DEFAULT_PAGE_SIZE = 100


def load_campaigns(
    raw_campaigns: Iterable[Mapping[str, Any]], account_id: int
) -> tuple[list[JSON], dict[int, int], dict[int, int | None]]:
    """Read the fixture's campaigns (deep-copied, defaults filled in, sorted by id).

    Args:
        raw_campaigns: Campaigns in API shape; ``account`` defaults to ``account_id``, ``status`` to ACTIVE.
        account_id: The fixture's account.

    Returns:
        The campaigns, the account id of each campaign and its campaign group id (or None).

    Raises:
        ValueError: When an id is not numeric or ``account`` is not a sponsoredAccount URN.
    """
    campaigns: list[JSON] = []
    group_of: dict[int, int | None] = {}
    account_of: dict[int, int] = {}
    for raw in raw_campaigns:
        campaign = copy.deepcopy(dict(raw))
        campaign["id"] = int(str(campaign["id"]))
        campaign.setdefault("account", f"urn:li:sponsoredAccount:{account_id}")
        campaign.setdefault("status", "ACTIVE")
        account_match = ACCOUNT_URN.fullmatch(str(campaign["account"]))
        if account_match is None:
            raise ValueError(f"linkedin campaign {campaign['id']}: account must be a sponsoredAccount URN")
        account_of[campaign["id"]] = int(account_match.group(1))
        group_match = GROUP_URN.fullmatch(str(campaign.get("campaignGroup", "")))
        group_of[campaign["id"]] = int(group_match.group(1)) if group_match else None
        campaigns.append(campaign)
    campaigns.sort(key=lambda c: c["id"])
    return campaigns, account_of, group_of


def load_accounts(
    data: Mapping[str, Any], *, account_id: int, currency: str, account_of: Mapping[int, int]
) -> dict[int, JSON]:
    """The ad account records served: the fixture's ``account_id`` (when given) and every campaign's account."""
    accounts: dict[int, JSON] = {}
    # An empty fixture part serves no account at all (every account facet is then a 403).
    for aid in {*([account_id] if "account_id" in data else []), *account_of.values()}:
        accounts[aid] = {
            "id": aid,
            "name": str(data.get("account_name", f"Account {aid}")),
            "currency": currency,
            "status": "ACTIVE",
            "type": "BUSINESS",
            "test": False,
        }
    return accounts


def resolve_account(raw: str, accounts: Mapping[int, JSON]) -> int:
    """The account id of a path segment (bare id or URN); 403 when it is not served."""
    match = ACCOUNT_URN.fullmatch(unquote(raw))
    text = match.group(1) if match else raw
    if not text.isdigit():
        raise bad_request(f"Invalid account id {raw!r}")
    account = int(text)
    if account not in accounts:
        raise access_denied()
    return account


def answer_account(account_id: str, accounts: Mapping[int, JSON]) -> JSON:
    """The body of ``GET /rest/adAccounts/{id}``."""
    account = resolve_account(account_id, accounts)
    record = copy.deepcopy(accounts[account])
    record["reference"] = "urn:li:organization:0"
    return record


def answer_campaigns(
    request: Request,
    params: Mapping[str, list[str]],
    account_id: str,
    *,
    campaigns: list[JSON],
    accounts: Mapping[int, JSON],
) -> JSON:
    """The body of ``GET /rest/adAccounts/{id}/adCampaigns?q=search``: one page, ``nextPageToken`` if more."""
    account = resolve_account(account_id, accounts)
    finder = single_param(params, "q")
    if finder != "search":
        raise bad_request(f"Unsupported finder q={finder!r}; adCampaigns answers q=search")
    page_size = int_param(params, "pageSize", _DEFAULT_PAGE_SIZE)
    if not 1 <= page_size <= _MAX_PAGE_SIZE:
        raise bad_request(f"pageSize must be between 1 and {_MAX_PAGE_SIZE}")
    statuses = _status_filter(restli_param(request, params, "search"))
    account_urn = f"urn:li:sponsoredAccount:{account}"
    matching = [c for c in campaigns if c["account"] == account_urn and (statuses is None or c["status"] in statuses)]
    offset = 0
    token = single_param(params, "pageToken")
    if token:
        try:
            payload = _decode_token(unquote(token))
            offset = int(payload["o"])
            if payload.get("a") != account or offset < 0:
                raise ValueError("token belongs to another query")
        except (ValueError, KeyError, TypeError) as exc:
            raise bad_request("Invalid pageToken") from exc
    page = matching[offset : offset + page_size]
    metadata: JSON = {}
    if offset + page_size < len(matching):
        metadata["nextPageToken"] = _encode_token({"o": offset + page_size, "a": account})
    return {
        "paging": {"start": 0, "count": page_size, "links": []},
        "elements": copy.deepcopy(page),
        "metadata": metadata,
    }


def _status_filter(search: RestliValue | None) -> set[str] | None:
    if search is None:
        return None
    status = search.get("status") if isinstance(search, dict) else None
    if status is None:
        return None
    values = status.get("values") if isinstance(status, dict) else None
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise bad_request("Invalid value for search.status: expected (values:List(...))")
    unknown = [v for v in values if v not in _CAMPAIGN_STATUSES]
    if unknown:
        raise bad_request(f"Invalid campaign status {unknown[0]!r} in search.status")
    return {str(v) for v in values}


def _encode_token(payload: JSON) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode().rstrip("=")


def _decode_token(token: str) -> JSON:
    padded = token + "=" * (-len(token) % 4)
    data = json.loads(base64.urlsafe_b64decode(padded.encode()))
    if not isinstance(data, dict):
        raise ValueError("token is not an object")
    return data
