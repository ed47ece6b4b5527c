"""GAQL tokenizer and recursive-descent parser of the Google Ads emulator (``SELECT ... FROM campaign ...``).

:func:`parse_gaql` is public; :mod:`emulators.google_ads.search` parses each request's query with it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from emulators.google_ads.errors import GaqlError
from emulators.google_ads.fields import FIELDS, GaqlField
from emulators.google_ads.gaql import DURING_LITERALS, Condition, GaqlQuery, during_range

_PARAMETERS = frozenset({"include_drafts", "omit_unselected_resource_names"})


_TOKEN_RE = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<string>'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
  | (?P<number>-?\d+(?:\.\d+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_.]*)
  | (?P<op>!=|>=|<=|=|>|<|\(|\)|,)
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class _Token:
    kind: str  # "string" | "number" | "name" | "op" | "end"
    text: str
    value: Any = None


def _tokenize(query: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while pos < len(query):
        match = _TOKEN_RE.match(query, pos)
        if match is None:
            rest = query[pos:]
            if rest[0] in "'\"":
                closing = rest.find(rest[0], 1)
                newline = rest.find("\n", 1)
                if newline != -1 and (closing == -1 or newline < closing):
                    raise GaqlError("PROHIBITED_NEWLINE_IN_STRING", "Strings cannot contain a newline.")
                raise GaqlError("STRING_NOT_TERMINATED", f"Unterminated string starting at position {pos}.")
            raise GaqlError("BAD_SYMBOL", f"Error in query: unexpected input {rest[:10]!r}.")
        kind = match.lastgroup or ""
        text = match.group()
        pos = match.end()
        if kind == "ws":
            continue
        if kind == "string":
            value: Any = re.sub(r"\\(.)", r"\1", text[1:-1])
        elif kind == "number":
            value = float(text) if "." in text else int(text)
        else:
            value = text
        tokens.append(_Token(kind, text, value))
    tokens.append(_Token("end", ""))
    return tokens


class GaqlParser:
    """Parse one GAQL query; ``today`` gives the account's local date when a DURING literal needs it."""

    def __init__(self, query: str, today: Callable[[], date]) -> None:
        self.tokens = _tokenize(query)
        self.pos = 0
        self.today = today

    def _peek(self, offset: int = 0) -> _Token:
        return self.tokens[min(self.pos + offset, len(self.tokens) - 1)]

    def _next(self) -> _Token:
        token = self._peek()
        if token.kind == "end":
            raise GaqlError("UNEXPECTED_END_OF_QUERY", "Error in query: unexpected end of query.")
        self.pos += 1
        return token

    def _keyword(self, word: str, offset: int = 0) -> bool:
        token = self._peek(offset)
        return token.kind == "name" and token.text.upper() == word

    def _expect_op(self, op: str, code: str) -> None:
        token = self._next()
        if token.kind != "op" or token.text != op:
            raise GaqlError(code, f"Error in query: expected {op!r} but found {token.text!r}.")

    def _field(self, clause: str) -> GaqlField:
        token = self._next()
        if token.kind != "name":
            raise GaqlError("BAD_FIELD_NAME", f"Error in {clause} clause: invalid field name {token.text!r}.")
        found = FIELDS.get(token.text)
        if found is None:
            raise GaqlError("UNRECOGNIZED_FIELD", f"Error in {clause} clause: unrecognized field '{token.text}'.")
        return found

    def parse(self) -> GaqlQuery:
        if not self._keyword("SELECT"):
            raise GaqlError("EXPECTED_SELECT", "Error in query: expected SELECT.")
        self.pos += 1
        select = [self._field("SELECT")]
        while self._peek().text == ",":
            self.pos += 1
            select.append(self._field("SELECT"))
        if not self._keyword("FROM"):
            raise GaqlError("EXPECTED_FROM", "Error in query: expected FROM.")
        self.pos += 1
        resource = self._next()
        if resource.kind != "name" or resource.text != "campaign":
            raise GaqlError(
                "BAD_RESOURCE_TYPE_IN_FROM_CLAUSE",
                f"Error in FROM clause: invalid resource name '{resource.text}' "
                "(the emulator serves the campaign resource only).",
            )
        where: list[Condition] = []
        if self._keyword("WHERE"):
            self.pos += 1
            where.append(self._condition())
            while self._keyword("AND"):
                self.pos += 1
                where.append(self._condition())
        order_by: list[tuple[GaqlField, bool]] = []
        if self._keyword("ORDER"):
            self.pos += 1
            if not self._keyword("BY"):
                raise GaqlError("EXPECTED_BY", "Error in query: expected BY after ORDER.")
            self.pos += 1
            while True:
                f = self._field("ORDER BY")
                descending = False
                if self._keyword("ASC") or self._keyword("DESC"):
                    descending = self._next().text.upper() == "DESC"
                order_by.append((f, descending))
                if self._peek().text != ",":
                    break
                self.pos += 1
        limit: int | None = None
        if self._keyword("LIMIT"):
            self.pos += 1
            token = self._next()
            if token.kind != "number" or not isinstance(token.value, int):
                raise GaqlError("BAD_LIMIT_VALUE", f"Error in LIMIT clause: invalid value {token.text!r}.")
            if token.value < 1:
                raise GaqlError("LIMIT_VALUE_TOO_LOW", "Error in LIMIT clause: the value must be positive.")
            limit = token.value
        parameters: dict[str, str] = {}
        if self._keyword("PARAMETERS"):
            self.pos += 1
            while True:
                name = self._next()
                if name.kind != "name" or name.text.lower() not in _PARAMETERS:
                    raise GaqlError("BAD_PARAMETER_NAME", f"Error in PARAMETERS clause: unknown '{name.text}'.")
                self._expect_op("=", "BAD_PARAMETER_VALUE")
                value = self._next()
                if value.text.lower() not in ("true", "false"):
                    raise GaqlError("BAD_PARAMETER_VALUE", f"Error in PARAMETERS clause: bad value {value.text!r}.")
                parameters[name.text.lower()] = value.text.lower()
                if self._peek().text != ",":
                    break
                self.pos += 1
        if self._peek().kind != "end":
            raise GaqlError("UNEXPECTED_INPUT", f"Error in query: unexpected input {self._peek().text!r}.")
        return GaqlQuery(
            select=tuple(dict.fromkeys(select)),
            resource=resource.text,
            where=tuple(where),
            order_by=tuple(order_by),
            limit=limit,
            parameters=parameters,
        )

    def _condition(self) -> Condition:
        f = self._field("WHERE")
        token = self._next()
        upper = token.text.upper() if token.kind == "name" else token.text
        negated = False
        if upper == "NOT":
            negated = True
            token = self._next()
            upper = token.text.upper() if token.kind == "name" else token.text
        if token.kind == "op" and upper in ("=", "!=", "<", "<=", ">", ">=") and not negated:
            return Condition(f, upper, (self._literal(f),))
        if upper == "IN":
            return Condition(f, "NOT_IN" if negated else "IN", tuple(self._list(f)))
        if upper == "LIKE":
            return Condition(f, "NOT_LIKE" if negated else "LIKE", (self._pattern(f, "LIKE"),))
        if upper == "REGEXP_MATCH":
            return Condition(f, "NOT_REGEXP" if negated else "REGEXP", (self._pattern(f, "REGEXP_MATCH"),))
        if upper == "BETWEEN" and not negated:
            low = self._literal(f, between=True)
            if not self._keyword("AND"):
                raise GaqlError("EXPECTED_AND", "Error in WHERE clause: expected AND in BETWEEN.")
            self.pos += 1
            high = self._literal(f, between=True)
            if f.kind == "date" and low > high:
                raise GaqlError("DATE_RANGE_TOO_NARROW", "Error in WHERE clause: start date is after end date.")
            return Condition(f, "BETWEEN", (low, high))
        if upper == "DURING" and not negated:
            return self._during(f)
        if upper == "IS" and not negated:
            is_not = self._keyword("NOT")
            if is_not:
                self.pos += 1
            if not self._keyword("NULL"):
                raise GaqlError("BAD_OPERATOR", "Error in WHERE clause: expected NULL after IS.")
            self.pos += 1
            return Condition(f, "IS_NOT_NULL" if is_not else "IS_NULL")
        raise GaqlError("BAD_OPERATOR", f"Error in WHERE clause: invalid operator {token.text!r}.")

    def _literal(self, f: GaqlField, *, between: bool = False) -> Any:
        token = self._next()
        if token.kind not in ("string", "number", "name"):
            raise GaqlError("EXPECTED_SINGLE_VALUE", f"Error in WHERE clause: expected a value for {f.name}.")
        return self._coerce(f, token, between=between)

    def _coerce(self, f: GaqlField, token: _Token, *, between: bool = False) -> Any:
        if f.kind == "date":
            if token.kind != "string":
                code = "INVALID_VALUE_WITH_BETWEEN_OPERATOR" if between else "INVALID_DATE_FORMAT"
                raise GaqlError(code, f"Error in WHERE clause: {token.text} is not a date literal 'YYYY-MM-DD'.")
            try:
                return date.fromisoformat(token.value).isoformat()
            except ValueError as exc:
                code = "INVALID_VALUE_WITH_BETWEEN_OPERATOR" if between else "INVALID_DATE_FORMAT"
                raise GaqlError(code, f"Error in WHERE clause: invalid date {token.text}.") from exc
        if f.kind == "int64":
            try:
                return int(token.value)
            except (TypeError, ValueError) as exc:
                raise GaqlError("BAD_NUMBER", f"Error in WHERE clause: {token.text} is not a number.") from exc
        if f.kind == "double":
            if token.kind != "number":
                raise GaqlError("BAD_NUMBER", f"Error in WHERE clause: {token.text} is not a number.")
            return float(token.value)
        if f.kind == "enum":
            value = str(token.value)
            if value not in f.enum_values:
                raise GaqlError("BAD_ENUM_CONSTANT", f"Error in WHERE clause: invalid enum value {value!r}.")
            return value
        if token.kind != "string":
            raise GaqlError("INVALID_STRING_VALUE", f"Error in WHERE clause: {token.text} is not a string.")
        return str(token.value)

    def _list(self, f: GaqlField) -> list[Any]:
        if self._peek().text != "(":
            raise GaqlError("EXPECTED_LIST", "Error in WHERE clause: expected a list after IN.")
        self.pos += 1
        if self._peek().text == ")":
            raise GaqlError("PROHIBITED_EMPTY_LIST_IN_CONDITION", "Error in WHERE clause: empty list.")
        values = [self._literal(f)]
        while self._peek().text == ",":
            self.pos += 1
            values.append(self._literal(f))
        self._expect_op(")", "EXPECTED_LIST")
        return values

    def _pattern(self, f: GaqlField, operator: str) -> re.Pattern[str]:
        token = self._next()
        if token.kind != "string" or f.kind not in ("string", "enum", "date"):
            raise GaqlError(
                "INVALID_VALUE_WITH_LIKE_OPERATOR" if operator == "LIKE" else "OPERATOR_FIELD_MISMATCH",
                f"Error in WHERE clause: {operator} needs a string field and a string literal.",
            )
        if operator == "REGEXP_MATCH":
            try:
                return re.compile(token.value)
            except re.error as exc:
                raise GaqlError("BAD_VALUE", f"Error in WHERE clause: invalid regular expression: {exc}.") from exc
        # LIKE: % is any run, _ one character, [x] escapes x.
        parts: list[str] = []
        text = str(token.value)
        i = 0
        while i < len(text):
            ch = text[i]
            if ch == "[" and i + 2 < len(text) and text[i + 2] == "]":
                parts.append(re.escape(text[i + 1]))
                i += 3
                continue
            parts.append(".*" if ch == "%" else "." if ch == "_" else re.escape(ch))
            i += 1
        return re.compile("".join(parts), re.DOTALL)

    def _during(self, f: GaqlField) -> Condition:
        token = self._next()
        literal = token.text.upper()
        if f.kind != "date":
            raise GaqlError("OPERATOR_FIELD_MISMATCH", f"Error in WHERE clause: DURING is not valid for {f.name}.")
        if token.kind != "name" or literal not in DURING_LITERALS:
            raise GaqlError(
                "INVALID_VALUE_WITH_DURING_OPERATOR",
                f"Invalid date literal supplied for DURING operator: {token.text}.",
            )
        low, high = during_range(literal, self.today())
        return Condition(f, "BETWEEN", (low.isoformat(), high.isoformat()))


def parse_gaql(query: str, *, today: date | None = None) -> GaqlQuery:
    """Parse a GAQL query over ``campaign`` into a :class:`GaqlQuery`.

    Args:
        query: The GAQL text.
        today: The date ``DURING`` literals are resolved against (default: today, local time).

    Returns:
        The parsed query.

    Raises:
        GaqlError: The query is invalid; ``code`` is the API's ``queryError`` enum value.
    """
    fixed = today or date.today()
    return GaqlParser(query, lambda: fixed).parse()
