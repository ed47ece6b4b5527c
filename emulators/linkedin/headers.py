"""LinkedIn request headers: the bearer token and the ``LinkedIn-Version`` a versioned ``/rest`` call must send.

Called by :class:`emulators.linkedin.emulator.LinkedInEmulator` before any handler runs; the versions
served are those of :data:`LINKEDIN_CALENDAR` live on the emulator's calendar day.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from werkzeug.wrappers import Request

from .wire import ApiError


@dataclass(frozen=True)
class MarketingVersion:
    """One monthly ``YYYYMM`` version: served from the 1st of its month until its sunset day."""

    name: str
    sunset: date

    @property
    def released(self) -> date:
        return date(int(self.name[:4]), int(self.name[4:]), 1)

    def live_on(self, day: date) -> bool:
        return self.released <= day < self.sunset


def _version(name: str, sunset: date | None = None) -> MarketingVersion:
    year, month = int(name[:4]), int(name[4:])
    return MarketingVersion(name, sunset or date(year + 1, month, 15))


# LinkedIn's calendar (https://learn.microsoft.com/linkedin/marketing/integrations/migrations and the
# recent-changes page): the sunset days LinkedIn publishes, and for the documented versions whose sunset is
# not published yet the 15th of the same month a year on ("supported for a minimum of one year"). There
# was no 202512. Versions LinkedIn has not documented (e.g. months after the latest, 202608) are not served.
LINKEDIN_CALENDAR: tuple[MarketingVersion, ...] = (
    _version("202407", date(2025, 7, 22)),
    _version("202408", date(2025, 8, 18)),
    _version("202409", date(2025, 9, 15)),
    _version("202410", date(2025, 10, 15)),
    _version("202411", date(2025, 11, 17)),
    _version("202508", date(2026, 8, 17)),
    _version("202510", date(2026, 10, 15)),
    _version("202511", date(2026, 11, 16)),
    _version("202601", date(2027, 1, 15)),
    _version("202602", date(2027, 2, 15)),
    _version("202603", date(2027, 3, 16)),
    _version("202604"),
    _version("202605"),
    _version("202606"),
    _version("202607"),
    _version("202608"),
)


def live_versions(calendar: Sequence[MarketingVersion], day: date) -> frozenset[str]:
    """The ``LinkedIn-Version`` values served on ``day``."""
    return frozenset(version.name for version in calendar if version.live_on(day))


def check_auth(request: Request, *, access_token: str | None, expired: bool) -> None:
    """Refuse a missing bearer token, any token once expired, and a token other than ``access_token`` if set."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise ApiError(401, "Invalid access token", "INVALID_ACCESS_TOKEN", 65600)
    if expired:
        raise ApiError(401, "The token used in the request has expired", "EXPIRED_ACCESS_TOKEN", 65602)
    if access_token is not None and token != access_token:
        raise ApiError(401, "Invalid access token", "INVALID_ACCESS_TOKEN", 65600)


def check_version(request: Request, versions: frozenset[str]) -> None:
    """400 ``VERSION_MISSING`` without a ``LinkedIn-Version`` header, 426 when it is not in ``versions``.

    The 426 body is LinkedIn's, which names a ``YYYYMM`` header as ``YYYYMM01``: ``{"status": 426, "code":
    "NONEXISTENT_VERSION", "message": "Requested version 20250401 is not active"}`` for ``202504``
    (n8n-io/n8n#28967, from a client that sends ``YYYYMM``).
    """
    version = request.headers.get("LinkedIn-Version", "").strip()
    if not version:
        raise ApiError(
            400,
            "A version must be present. Please specify a version by adding the LinkedIn-Version header.",
            "VERSION_MISSING",
        )
    if version not in versions:
        shown = f"{version}01" if len(version) == 6 and version.isdigit() else version
        raise ApiError(426, f"Requested version {shown} is not active", "NONEXISTENT_VERSION")
