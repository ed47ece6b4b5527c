"""Google OAuth access tokens for Google Ads (refresh token) and GA4 (service account), via google-auth.

Both token kinds are obtained from ``GOOGLE_OAUTH_TOKEN_URL`` (Google's by default; the emulator in tests
and the demo) through the shared retrying session, and refreshed shortly before they expire.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import google.auth.exceptions
import google.auth.transport.requests
import requests
from google.oauth2 import credentials as user_credentials
from google.oauth2 import service_account

from resources.http import ApiError
from settings import SettingsError

GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token"
TOKEN_URL_ENV = "GOOGLE_OAUTH_TOKEN_URL"
SERVICE_ACCOUNT_FILE_ENV = "GOOGLE_SERVICE_ACCOUNT_FILE"
SERVICE_ACCOUNT_B64_ENV = "GOOGLE_SERVICE_ACCOUNT_JSON_B64"


def token_url(environ: Mapping[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    return env.get(TOKEN_URL_ENV) or GOOGLE_TOKEN_URL


def load_service_account_info(environ: Mapping[str, str] | None = None) -> dict[str, Any] | None:
    """The service-account key from ``GOOGLE_SERVICE_ACCOUNT_FILE`` or ``..._JSON_B64``; None when neither is set.

    Errors name the variable but never echo the key.
    """
    env = os.environ if environ is None else environ
    path = env.get(SERVICE_ACCOUNT_FILE_ENV, "").strip()
    encoded = env.get(SERVICE_ACCOUNT_B64_ENV, "").strip()
    if path:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as error:
            raise SettingsError(
                f"{SERVICE_ACCOUNT_FILE_ENV}: cannot read {path} ({error.strerror}); point it at the JSON key "
                "downloaded for the service account"
            ) from None
        source = SERVICE_ACCOUNT_FILE_ENV
    elif encoded:
        try:
            text = base64.b64decode(encoded, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise SettingsError(
                f"{SERVICE_ACCOUNT_B64_ENV} is not base64 of a JSON key; create it with `base64 -w0 key.json`"
            ) from None
        source = SERVICE_ACCOUNT_B64_ENV
    else:
        return None
    try:
        info = json.loads(text)
    except ValueError:
        raise SettingsError(f"{source}: the service-account key is not valid JSON") from None
    missing = [key for key in ("client_email", "private_key") if not isinstance(info, dict) or not info.get(key)]
    if missing or info.get("type") != "service_account":
        raise SettingsError(
            f"{source}: not a service-account key (needs type 'service_account', client_email and private_key); "
            "download a JSON key for the service account in Google Cloud IAM"
        )
    result: dict[str, Any] = info
    return result


class AccessTokenProvider:
    """Hands out a valid bearer token, refreshing it through the token endpoint when needed."""

    def __init__(self, credentials: Any, *, session: requests.Session, service: str, fix: str):
        self._credentials = credentials
        self._request = google.auth.transport.requests.Request(session=session)
        self._lock = threading.Lock()
        self._service = service
        self._fix = fix
        self.refreshes = 0

    def token(self) -> str:
        with self._lock:
            if not self._credentials.valid:
                try:
                    self._credentials.refresh(self._request)
                except google.auth.exceptions.RefreshError as error:
                    # The error carries Google's error code ("invalid_grant"), never the secret.
                    code = error.args[1].get("error") if len(error.args) > 1 and isinstance(error.args[1], dict) else ""
                    raise ApiError(
                        f"{self._service}: the token endpoint refused to issue an access token "
                        f"({code or type(error).__name__}) -- {self._fix}",
                        service=self._service,
                        status=None,
                        category=code or None,
                    ) from None
                except google.auth.exceptions.TransportError:
                    raise ApiError(
                        f"{self._service}: the token endpoint could not be reached -- check {TOKEN_URL_ENV}",
                        service=self._service,
                        status=None,
                    ) from None
                self.refreshes += 1
            token: str = self._credentials.token
            return token

    def invalidate(self) -> None:
        """Forget the current token (after a 401) so the next call refreshes it."""
        with self._lock:
            self._credentials.token = None


def refresh_token_provider(
    *,
    client_id: str,
    client_secret: str,
    refresh_token: str,
    token_uri: str,
    scopes: Sequence[str],
    session: requests.Session,
    service: str,
) -> AccessTokenProvider:
    """Installed-app / web OAuth client credentials with a long-lived refresh token (Google Ads)."""
    credentials = user_credentials.Credentials(
        token=None,
        refresh_token=refresh_token,
        client_id=client_id,
        client_secret=client_secret,
        token_uri=token_uri,
        scopes=list(scopes),
    )
    return AccessTokenProvider(
        credentials,
        session=session,
        service=service,
        fix="check GOOGLE_ADS_CLIENT_ID, GOOGLE_ADS_CLIENT_SECRET and GOOGLE_ADS_REFRESH_TOKEN (a revoked or "
        "expired refresh token must be generated again)",
    )


def service_account_provider(
    info: Mapping[str, Any], *, token_uri: str, scopes: Sequence[str], session: requests.Session, service: str
) -> AccessTokenProvider:
    """A service account signing a JWT-bearer grant (GA4, Google Sheets)."""
    credentials = service_account.Credentials.from_service_account_info(dict(info), scopes=list(scopes))
    credentials = credentials.with_token_uri(token_uri)
    return AccessTokenProvider(
        credentials,
        session=session,
        service=service,
        fix=f"check the service account key ({SERVICE_ACCOUNT_FILE_ENV} or {SERVICE_ACCOUNT_B64_ENV})",
    )
