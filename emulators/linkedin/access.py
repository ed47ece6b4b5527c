"""What the token's member may read: OAuth scopes, ad-account roles, and ``GET /rest/adAccountUsers``.

Called by :class:`emulators.linkedin.emulator.LinkedInEmulator` before each handler (scope checks, the
accounts the member can read) and for ``q=authenticatedUser``. The real API's two ways of refusing are
kept apart, because a client must tell them apart:

* A missing **scope** is refused by the gateway: 403 ``ACCESS_DENIED`` "Not enough permissions to access:
  <resource>.<method>.<version>" (the shape reported for versioned calls, e.g. Microsoft Q&A 1192135:
  "Not enough permissions to access: adCreativesV2.FINDER-search.20230101").
* A member without a **role** on an ad account gets 403 on the account and its campaigns, but
  ``adAnalytics`` answers an *empty* result: "An empty response is returned if there's no activity to
  report or if you don't have read access to the requested advertising data" (LinkedIn Marketing API,
  Ads Reporting, li-lms-2026-03).

Roles and scopes follow LinkedIn's "Account Access Controls" page: reads need ``r_ads`` or ``rw_ads`` and
one of ACCOUNT_BILLING_ADMIN, ACCOUNT_MANAGER, CAMPAIGN_MANAGER, CREATIVE_MANAGER, VIEWER (every role can
view reports); reporting needs ``r_ads_reporting``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from werkzeug.wrappers import Request

from .restli import int_param, single_param
from .wire import JSON, ApiError, bad_request

ACCOUNT_ROLES: frozenset[str] = frozenset(
    {"ACCOUNT_BILLING_ADMIN", "ACCOUNT_MANAGER", "CAMPAIGN_MANAGER", "CREATIVE_MANAGER", "VIEWER"}
)
#: Scopes of a token generated as the README says (reporting plus read access to accounts and campaigns).
DEFAULT_SCOPES: frozenset[str] = frozenset({"r_ads", "r_ads_reporting"})
READ_SCOPES: frozenset[str] = frozenset({"r_ads", "rw_ads"})
REPORTING_SCOPE = "r_ads_reporting"
#: The member behind every token the emulator accepts (person ids are opaque strings on the real API).
MEMBER_URN = "urn:li:person:eMuLaT0r1"
# When the member's roles were granted, as ``changeAuditStamps`` carries it (2024-01-02T00:00:00Z).
_ROLE_GRANTED_MS = 1_704_153_600_000
_DEFAULT_PAGE_SIZE = 10
_MAX_PAGE_SIZE = 1000


@dataclass(frozen=True)
class MemberAccess:
    """The token's scopes and its member's role on each ad account.

    Attributes:
        scopes: OAuth scopes the token was granted.
        roles: Role by ad account id; None gives the member ACCOUNT_MANAGER on every served account.
    """

    scopes: frozenset[str] = DEFAULT_SCOPES
    roles: Mapping[int, str] | None = None

    def __post_init__(self) -> None:
        unknown = sorted({role for role in (self.roles or {}).values() if role not in ACCOUNT_ROLES})
        if unknown:
            raise ValueError(f"unknown ad account role(s) {unknown}; expected one of {sorted(ACCOUNT_ROLES)}")

    def roles_on(self, accounts: Mapping[int, JSON]) -> dict[int, str]:
        """The member's role on each served account it has one on."""
        if self.roles is None:
            return dict.fromkeys(accounts, "ACCOUNT_MANAGER")
        return {account: role for account, role in self.roles.items() if account in accounts}

    def readable(self, accounts: Mapping[int, JSON]) -> dict[int, JSON]:
        """The served accounts whose data the member can read (any role can view reports)."""
        roles = self.roles_on(accounts)
        return {account: record for account, record in accounts.items() if account in roles}

    def require(self, request: Request, any_of: frozenset[str], resource: str) -> None:
        """403 ``ACCESS_DENIED`` naming ``resource`` when the token has none of ``any_of``."""
        if self.scopes & any_of:
            return
        version = request.headers.get("LinkedIn-Version", "").strip()
        # The gateway names the versioned resource method, with the version as YYYYMM01.
        suffix = f".{version}01" if len(version) == 6 and version.isdigit() else ""
        raise ApiError(403, f"Not enough permissions to access: {resource}{suffix}", "ACCESS_DENIED", 100)


def answer_account_users(params: Mapping[str, list[str]], access: MemberAccess, accounts: Mapping[int, JSON]) -> JSON:
    """The body of ``GET /rest/adAccountUsers?q=authenticatedUser``: the member's roles, ``start``/``count`` paged.

    Raises:
        ApiError: 400 for another finder or a bad ``start``/``count``.
    """
    finder = single_param(params, "q")
    if finder != "authenticatedUser":
        raise bad_request(f"Unsupported finder q={finder!r}; this emulator answers adAccountUsers q=authenticatedUser")
    start = int_param(params, "start", 0)
    count = int_param(params, "count", _DEFAULT_PAGE_SIZE)
    if start < 0 or not 1 <= count <= _MAX_PAGE_SIZE:
        raise bad_request(f"start must be >= 0 and count between 1 and {_MAX_PAGE_SIZE}")
    roles = sorted(access.roles_on(accounts).items())
    elements = [
        {
            "account": f"urn:li:sponsoredAccount:{account}",
            "user": MEMBER_URN,
            "role": role,
            "changeAuditStamps": {"created": {"time": _ROLE_GRANTED_MS}, "lastModified": {"time": _ROLE_GRANTED_MS}},
        }
        for account, role in roles[start : start + count]
    ]
    return {"paging": {"start": start, "count": count, "links": [], "total": len(roles)}, "elements": elements}
