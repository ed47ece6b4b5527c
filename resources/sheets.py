"""The Google Sheet tracker as a Dagster resource: gspread over the shared retrying session.

gspread gets no credentials of its own (``Client(auth=None, session=...)``): the session carries a
bearer token from the service account (scope narrowed to spreadsheets), refreshed by google-auth when it
expires, and sends Google's URLs to ``GOOGLE_SHEETS_BASE_URL`` when set (a proxy or the emulator).
Sheets answers 429 when the per-minute quota is spent; the session retries with backoff that outlasts
the one-minute window (1+2+4+...+32 s), then gives up.
"""

from __future__ import annotations

import os
from typing import Any, ClassVar

import gspread
import pandas as pd
import requests
from dagster import ConfigurableResource
from pydantic import PrivateAttr

from resources.google_auth import (
    SERVICE_ACCOUNT_B64_ENV,
    SERVICE_ACCOUNT_FILE_ENV,
    AccessTokenProvider,
    load_service_account_info,
    service_account_provider,
    token_url,
)
from resources.http import build_session
from settings import SettingsError
from sheets_sync.gsheets_writer import GoogleSheetTracker
from sheets_sync.owner_tabs import OwnerTabRules, OwnerTabs
from sheets_sync.presentation import Presentation
from sheets_sync.tabs import TabGrids
from sheets_sync.update import TrackerUpdate

SHEETS_SCOPE = "https://www.googleapis.com/auth/spreadsheets"
GOOGLE_SHEETS_URL = "https://sheets.googleapis.com"
SPREADSHEET_ENV = "TRACKER_SPREADSHEET_ID"
BASE_URL_ENV = "GOOGLE_SHEETS_BASE_URL"
SHEETS_MAX_RETRIES = 6  # 1+2+4+8+16+32 s of backoff: longer than the 60 s quota window, then stop


class _BearerAuth(requests.auth.AuthBase):
    def __init__(self, tokens: AccessTokenProvider) -> None:
        self.tokens = tokens

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.tokens.token()}"
        return request


class RedirectingSession(requests.Session):
    """Sends gspread's hard-coded ``https://sheets.googleapis.com`` URLs to another base URL."""

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self.base_url = base_url.rstrip("/")

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        text = url.decode() if isinstance(url, bytes) else url
        if text.startswith(GOOGLE_SHEETS_URL) and self.base_url != GOOGLE_SHEETS_URL:
            text = self.base_url + text[len(GOOGLE_SHEETS_URL) :]
        return super().request(method, text, *args, **kwargs)


class GoogleSheetTrackerResource(ConfigurableResource):
    """The team's tracker Google Sheet (``TRACKER_SPREADSHEET_ID``), shared with the service account."""

    kind: ClassVar[str] = "google_sheet"

    spreadsheet_id: str | None = None  # None = TRACKER_SPREADSHEET_ID
    base_url: str | None = None  # None = GOOGLE_SHEETS_BASE_URL or Google's
    token_url: str | None = None
    service_account_info: dict[str, Any] | None = None  # tests; production reads the environment

    _tracker: GoogleSheetTracker | None = PrivateAttr(default=None)
    _session: requests.Session | None = PrivateAttr(default=None)

    @property
    def location(self) -> str:
        return f"https://docs.google.com/spreadsheets/d/{self._spreadsheet()}"

    def _spreadsheet(self) -> str:
        value = (self.spreadsheet_id or os.environ.get(SPREADSHEET_ENV, "")).strip()
        if not value:
            raise SettingsError(f"{SPREADSHEET_ENV} is not set: the id in the sheet's URL (.../spreadsheets/d/<id>/)")
        return value

    def with_session(self, session: requests.Session) -> GoogleSheetTrackerResource:
        """Use a prepared session (tests inject one with a fake clock)."""
        self._session = session
        self._tracker = None
        return self

    def tracker(self) -> GoogleSheetTracker:
        if self._tracker is None:
            info = self.service_account_info or load_service_account_info()
            if info is None:
                raise SettingsError(
                    f"the Google Sheet tracker needs a service account: set {SERVICE_ACCOUNT_FILE_ENV} or "
                    f"{SERVICE_ACCOUNT_B64_ENV}, and share the sheet with its client_email as an Editor"
                )
            base = self.base_url or os.environ.get(BASE_URL_ENV) or GOOGLE_SHEETS_URL
            session = self._session or build_session(max_retries=SHEETS_MAX_RETRIES, session=RedirectingSession(base))
            tokens = service_account_provider(
                info,
                token_uri=self.token_url or token_url(),
                scopes=[SHEETS_SCOPE],
                session=build_session(),
                service="Google Sheets",
            )
            session.auth = _BearerAuth(tokens)
            client = gspread.Client(auth=None, session=session)  # type: ignore[arg-type]
            self._tracker = GoogleSheetTracker(client, self._spreadsheet())
        return self._tracker

    def read_tabs(self) -> TabGrids:
        return _translate(lambda: self.tracker().read_tabs(), self)

    def read_owner_tabs(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        return _translate(lambda: self.tracker().read_owner_tabs(), self)

    def owner_tabs(self, rules: OwnerTabRules | None = None) -> OwnerTabs:
        return _translate(lambda: self.tracker().owner_tabs(rules), self)

    def write(self, update: TrackerUpdate, presentation: Presentation | None = None) -> dict[str, Any]:
        return _translate(lambda: self.tracker().write(update, presentation), self)


def _translate(call: Any, resource: GoogleSheetTrackerResource) -> Any:
    """gspread's APIError, and a Sheets API that cannot be reached, as a message that says what to fix.

    Never with the token, and of the URL only its host (an exception's text can carry the whole URL).
    """
    from resources.http import ApiError, url_host

    try:
        return call()
    except requests.RequestException as error:
        host = url_host(resource.base_url or os.environ.get(BASE_URL_ENV) or GOOGLE_SHEETS_URL)
        raise ApiError(
            f"Google Sheets could not be reached at {host} ({type(error).__name__}) after retries: check "
            f"{BASE_URL_ENV} and the network",
            service="Google Sheets",
            status=None,
        ) from None
    except gspread.exceptions.APIError as error:
        code = error.code
        status = str(error.error.get("status", "")) if isinstance(error.error, dict) else ""
        message = str(error.error.get("message", "")) if isinstance(error.error, dict) else ""
        advice = {
            403: "share the sheet with the service account's client_email as an Editor",
            404: f"check {SPREADSHEET_ENV}: no spreadsheet with that id",
            401: "the service account's token was refused; check the key",
            429: "the Sheets per-minute quota stayed spent through every retry; rerun in a few minutes",
        }.get(code, "see Google's message")
        raise ApiError(
            f"Google Sheets answered HTTP {code} {status}: {message} -- {advice}",
            service="Google Sheets",
            status=code,
            category=status or None,
        ) from None
