"""Errors of the Google Ads emulator: GAQL query errors and ``google.rpc.Status`` bodies with ``GoogleAdsFailure``.

Raised by the parser and the request checks; :class:`emulators.google_ads.app.GoogleAdsEmulator` renders them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

JSON = dict[str, Any]


class GaqlError(ValueError):
    """A GAQL query the API would reject with ``queryError: <code>``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class ApiError(Exception):
    """An error answered as a ``google.rpc.Status`` body, with a ``GoogleAdsFailure`` detail when set."""

    def __init__(
        self,
        http: int,
        status: str,
        message: str,
        *,
        error_code: Mapping[str, str] | None = None,
        detail_message: str | None = None,
        extra_details: list[JSON] | None = None,
        error_details: JSON | None = None,
    ) -> None:
        super().__init__(message)
        self.http = http
        self.status = status
        self.message = message
        self.error_code = dict(error_code) if error_code else None
        self.detail_message = detail_message or message
        self.extra_details = extra_details or []
        self.error_details = error_details

    def body(self, version: int, request_id: str) -> JSON:
        details: list[JSON] = list(self.extra_details)
        if self.error_code is not None:
            error: JSON = {"errorCode": self.error_code, "message": self.detail_message}
            if self.error_details is not None:
                error["details"] = self.error_details
            details.append(
                {
                    "@type": f"type.googleapis.com/google.ads.googleads.v{version}.errors.GoogleAdsFailure",
                    "errors": [error],
                    "requestId": request_id,
                }
            )
        out: JSON = {"code": self.http, "message": self.message, "status": self.status}
        if details:
            out["details"] = details
        return {"error": out}


def invalid_argument(kind: str, code: str, message: str) -> ApiError:
    return ApiError(
        400,
        "INVALID_ARGUMENT",
        "Request contains an invalid argument.",
        error_code={kind: code},
        detail_message=message,
    )


def permission_denied(code: str, message: str) -> ApiError:
    return ApiError(
        403,
        "PERMISSION_DENIED",
        "The caller does not have permission",
        error_code={"authorizationError": code},
        detail_message=message,
    )


def bad_json(message: str) -> ApiError:
    return ApiError(
        400,
        "INVALID_ARGUMENT",
        message,
        extra_details=[
            {
                "@type": "type.googleapis.com/google.rpc.BadRequest",
                "fieldViolations": [{"description": message}],
            }
        ],
    )
