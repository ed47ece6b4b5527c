"""Records the raw HTTP exchanges a vendor client makes, so a test can judge the wire bytes themselves.

Used by the conformance tests: a vendor client may read a body leniently (Google's REST clients ignore
unknown fields), so the tests also re-read each captured body strictly.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import requests


@dataclass
class Exchange:
    """One request and the response it got, as sent and received."""

    method: str
    url: str
    request_body: Any
    status: int
    response_body: Any


@dataclass
class HttpCapture:
    """Keeps every exchange of the ``requests`` session it is attached to."""

    exchanges: list[Exchange] = field(default_factory=list)

    def attach(self, session: requests.Session) -> HttpCapture:
        # Wrapping ``send`` (not a response hook) also sees requests prepared outside the session, as
        # linkedin-api-client prepares its own and calls ``session.send`` directly.
        original = session.send

        def send(request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
            response = original(request, **kwargs)
            self._record(response)
            return response

        session.send = send  # type: ignore[method-assign]
        return self

    def _record(self, response: requests.Response) -> None:
        raw = response.request.body
        text = raw.decode() if isinstance(raw, bytes) else raw
        self.exchanges.append(
            Exchange(
                method=str(response.request.method),
                url=str(response.request.url),
                request_body=_json_or_text(text),
                status=response.status_code,
                response_body=_json_or_text(response.text),
            )
        )


def _json_or_text(text: str | None) -> Any:
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text
