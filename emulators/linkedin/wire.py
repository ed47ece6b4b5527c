"""What every LinkedIn endpoint shares on the wire: the error body and the sponsored-object URN patterns.

Used by every module of :mod:`emulators.linkedin`.
"""

from __future__ import annotations

import re
from typing import Any

JSON = dict[str, Any]

ACCOUNT_URN = re.compile(r"urn:li:sponsoredAccount:(\d+)")
CAMPAIGN_URN = re.compile(r"urn:li:sponsoredCampaign:(\d+)")
GROUP_URN = re.compile(r"urn:li:sponsoredCampaignGroup:(\d+)")


class ApiError(Exception):
    """An error answered with LinkedIn's error body ``{status, serviceErrorCode?, code?, message}``."""

    def __init__(self, status: int, message: str, code: str | None = None, service_code: int | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.service_code = service_code

    def body(self) -> JSON:
        out: JSON = {"status": self.status}
        if self.service_code is not None:
            out["serviceErrorCode"] = self.service_code
        if self.code is not None:
            out["code"] = self.code
        out["message"] = self.message
        return out


def bad_request(message: str) -> ApiError:
    """The 400 ``ILLEGAL_ARGUMENT`` (serviceErrorCode 100) LinkedIn answers to a malformed parameter."""
    return ApiError(400, message, "ILLEGAL_ARGUMENT", 100)


def access_denied() -> ApiError:
    """The 403 ``ACCESS_DENIED`` for an account the token cannot read (or that does not exist)."""
    return ApiError(403, "Not enough permissions to access resource", "ACCESS_DENIED", 100)
