"""LinkedIn request headers: the bearer token and the ``LinkedIn-Version`` a versioned ``/rest`` call must send.

Called by :class:`emulators.linkedin.emulator.LinkedInEmulator` before any handler runs.
"""

from __future__ import annotations

from werkzeug.wrappers import Request

from .wire import ApiError

#: Versions accepted by default: 202506 through 202612 (older ones are sunset and answer 426).
DEFAULT_LINKEDIN_VERSIONS: frozenset[str] = frozenset(
    f"{year}{month:02d}" for year in (2025, 2026) for month in range(1, 13) if f"{year}{month:02d}" >= "202506"
)


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
    """400 ``VERSION_MISSING`` without a ``LinkedIn-Version`` header, 426 when it is not in ``versions``."""
    version = request.headers.get("LinkedIn-Version", "").strip()
    if not version:
        raise ApiError(
            400,
            "A version must be present. Please specify a version by adding the LinkedIn-Version header.",
            "VERSION_MISSING",
        )
    if version not in versions:
        raise ApiError(426, f"Requested version {version} is not active", "NONEXISTENT_VERSION")
