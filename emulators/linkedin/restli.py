"""Rest.li 2.0 query parameters as LinkedIn reads them: the value parser (``parse_restli``) and typed readers.

Used by the adAnalytics and adCampaigns handlers of :mod:`emulators.linkedin`; tests call ``parse_restli``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from urllib.parse import unquote

from werkzeug.wrappers import Request

from .wire import bad_request

RestliValue = str | list["RestliValue"] | dict[str, "RestliValue"]

_ENCODED_PAREN = re.compile(r"%28", re.IGNORECASE)


class RestliSyntaxError(ValueError):
    """A query parameter value that is not valid Rest.li 2.0 syntax."""


class _RestliParser:
    """Recursive-descent reader of one Rest.li 2.0 value: ``List(...)``, ``(k:v,...)`` or a leaf."""

    def __init__(self, text: str, *, decode_leaves: bool) -> None:
        self.text = text
        self.pos = 0
        self.decode_leaves = decode_leaves

    def parse(self) -> RestliValue:
        value = self._value()
        if self.pos != len(self.text):
            raise RestliSyntaxError(f"unexpected {self.text[self.pos]!r} at position {self.pos}")
        return value

    def _peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def _take(self) -> str:
        if self.pos >= len(self.text):
            raise RestliSyntaxError("unexpected end of value")
        ch = self.text[self.pos]
        self.pos += 1
        return ch

    def _value(self) -> RestliValue:
        if self.text.startswith("List(", self.pos):
            self.pos += len("List(")
            return self._list()
        if self._peek() == "(":
            self.pos += 1
            return self._record()
        return self._leaf()

    def _list(self) -> list[RestliValue]:
        items: list[RestliValue] = []
        if self._peek() == ")":
            self.pos += 1
            return items
        while True:
            items.append(self._value())
            ch = self._take()
            if ch == ")":
                return items
            if ch != ",":
                raise RestliSyntaxError(f"expected ',' or ')' at position {self.pos - 1}")

    def _record(self) -> dict[str, RestliValue]:
        record: dict[str, RestliValue] = {}
        if self._peek() == ")":
            self.pos += 1
            return record
        while True:
            key = self._token(":,()")
            if not key or self._take() != ":":
                raise RestliSyntaxError(f"expected 'key:' at position {self.pos}")
            record[key] = self._value()
            ch = self._take()
            if ch == ")":
                return record
            if ch != ",":
                raise RestliSyntaxError(f"expected ',' or ')' at position {self.pos - 1}")

    def _leaf(self) -> str:
        # Colons are allowed in leaves so a once-decoded URN (urn:li:...) still reads as one value.
        return self._token(",()")

    def _token(self, stops: str) -> str:
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos] not in stops:
            self.pos += 1
        raw = self.text[start : self.pos]
        return unquote(raw) if self.decode_leaves else raw


def parse_restli(raw: str) -> RestliValue:
    """Parse one raw (still percent-encoded) query parameter value written in Rest.li 2.0 syntax.

    The canonical form keeps ``( ) , :`` literal and percent-encodes the leaves
    (``List(urn%3Ali%3AsponsoredAccount%3A1)``). A value whose parentheses are percent-encoded
    (``List%28urn%3Ali...%29``, i.e. the whole value encoded once) is decoded once first and its leaves are
    then taken literally, so a URN that was encoded twice stays visibly wrong instead of being repaired.

    Args:
        raw: The value exactly as it appears in the query string.

    Returns:
        A string (leaf), a list (``List(...)``) or a dict (record ``(k:v,...)``).

    Raises:
        RestliSyntaxError: The value is not well-formed Rest.li.
    """
    if "(" not in raw and _ENCODED_PAREN.search(raw):
        return _RestliParser(unquote(raw), decode_leaves=False).parse()
    return _RestliParser(raw, decode_leaves=True).parse()


def split_query(raw: str) -> dict[str, list[str]]:
    """Split a raw query string on ``&``/``=`` only; values stay percent-encoded for the Rest.li reader."""
    params: dict[str, list[str]] = {}
    for part in raw.split("&"):
        if not part:
            continue
        key, _, value = part.partition("=")
        params.setdefault(unquote(key.replace("+", " ")), []).append(value)
    return params


def restli_date(value: RestliValue, name: str) -> date:
    """A Rest.li date record ``(year:Y,month:M,day:D)``."""
    if not isinstance(value, dict):
        raise bad_request(f"Invalid value for {name}: expected (year:Y,month:M,day:D)")
    try:
        return date(int(str(value["year"])), int(str(value["month"])), int(str(value["day"])))
    except (KeyError, ValueError, TypeError) as exc:
        raise bad_request(f"Invalid value for {name}: {value!r}") from exc


def enum_param(value: RestliValue, name: str, allowed: frozenset[str]) -> str:
    """An enum parameter whose value must be one of ``allowed``."""
    # Both the bare enum (pivot=CAMPAIGN) and the record form (pivot=(value:CAMPAIGN)) are in use.
    if isinstance(value, dict) and set(value) == {"value"}:
        value = value["value"]
    if not isinstance(value, str) or value not in allowed:
        raise bad_request(f"Invalid value {value!r} for parameter '{name}'; expected one of {sorted(allowed)}")
    return value


def single_param(params: Mapping[str, list[str]], name: str) -> str | None:
    """The raw value of a parameter that may be given at most once (None when absent)."""
    values = params.get(name)
    if not values:
        return None
    if len(values) > 1:
        raise bad_request(f"Parameter '{name}' may be given only once")
    return values[0]


def restli_param(request: Request, params: Mapping[str, list[str]], name: str) -> RestliValue | None:
    """Parse a parameter written in Rest.li 2.0 syntax, which requires the ``X-Restli-Protocol-Version`` header."""
    raw = single_param(params, name)
    if raw is None:
        return None
    structured = "(" in raw or _ENCODED_PAREN.search(raw) is not None
    if structured and request.headers.get("X-Restli-Protocol-Version", "").strip() != "2.0.0":
        # Without the header the server reads protocol 1.0, where List(...) and (k:v) mean nothing.
        raise bad_request(
            f"Invalid query parameter '{name}': Rest.li 2.0 syntax requires the header X-Restli-Protocol-Version: 2.0.0"
        )
    try:
        return parse_restli(raw)
    except RestliSyntaxError as exc:
        raise bad_request(f"Invalid query parameter '{name}': {exc}") from exc


def urn_list(value: RestliValue | None, name: str, pattern: re.Pattern[str]) -> list[int] | None:
    """The numeric ids of a ``List(urn,...)`` parameter whose URNs must all match ``pattern``."""
    if value is None:
        return None
    if not isinstance(value, list):
        raise bad_request(f"Invalid query parameter '{name}': expected List(...)")
    ids: list[int] = []
    for item in value:
        match = pattern.fullmatch(item) if isinstance(item, str) else None
        if match is None:
            raise bad_request(f"Invalid value {item!r} in parameter '{name}': not a valid URN")
        ids.append(int(match.group(1)))
    return ids


def int_param(params: Mapping[str, list[str]], name: str, default: int) -> int:
    """An integer parameter (``default`` when absent or empty)."""
    raw = single_param(params, name)
    if raw is None or raw == "":
        return default
    try:
        return int(unquote(raw))
    except ValueError as exc:
        raise bad_request(f"Invalid integer for parameter '{name}': {raw!r}") from exc
