"""GA4 ``dimensionFilter``/``metricFilter`` expressions compiled into predicates.

Called by :mod:`emulators.ga4.request` while parsing a report; ``to_float`` also serves numeric ordering.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from emulators.google_rpc import invalid

from .schema import DIMENSIONS, METRICS, SCHEMA_URL, Session

#: A dimension filter tests one fact: (session, event name or None, date range name).
FactFilter = Callable[[Session, str | None, str], bool]
#: A metric filter tests one row's metric values by name.
ValueFilter = Callable[[Mapping[str, float]], bool]


def _fold(text: str, case_sensitive: bool) -> str:
    return text if case_sensitive else text.casefold()


def _number_value(raw: Any, where: str) -> float:
    if not isinstance(raw, Mapping):
        raise invalid(f"{where} must be a NumericValue ({{int64Value}} or {{doubleValue}}).")
    if "int64Value" in raw:
        return float(int(raw["int64Value"]))
    if "doubleValue" in raw:
        return float(raw["doubleValue"])
    raise invalid(f"{where} must set int64Value or doubleValue.")


def _compare(operation: str, value: float, target: float) -> bool:
    if operation == "EQUAL":
        return value == target
    if operation == "LESS_THAN":
        return value < target
    if operation == "LESS_THAN_OR_EQUAL":
        return value <= target
    if operation == "GREATER_THAN":
        return value > target
    return value >= target  # GREATER_THAN_OR_EQUAL


_NUMERIC_OPERATIONS = frozenset({"EQUAL", "LESS_THAN", "LESS_THAN_OR_EQUAL", "GREATER_THAN", "GREATER_THAN_OR_EQUAL"})


def _leaf_test(spec: Mapping[str, Any], field_name: str, for_metric: bool) -> Callable[[Any], bool]:
    """Compile one ``Filter`` (the leaf of a FilterExpression) into a test on the field's value."""
    if for_metric and ("stringFilter" in spec or "inListFilter" in spec or "emptyFilter" in spec):
        raise invalid(f"Metric filter on {field_name} must be a numericFilter or betweenFilter.")
    if "stringFilter" in spec:
        sf = spec["stringFilter"] or {}
        match_type = str(sf.get("matchType") or "EXACT")
        case_sensitive = bool(sf.get("caseSensitive", False))
        wanted = str(sf.get("value", ""))
        if match_type in ("EXACT", "MATCH_TYPE_UNSPECIFIED"):
            target = _fold(wanted, case_sensitive)
            return lambda v: _fold(v, case_sensitive) == target
        if match_type == "BEGINS_WITH":
            target = _fold(wanted, case_sensitive)
            return lambda v: _fold(v, case_sensitive).startswith(target)
        if match_type == "ENDS_WITH":
            target = _fold(wanted, case_sensitive)
            return lambda v: _fold(v, case_sensitive).endswith(target)
        if match_type == "CONTAINS":
            target = _fold(wanted, case_sensitive)
            return lambda v: target in _fold(v, case_sensitive)
        if match_type in ("FULL_REGEXP", "PARTIAL_REGEXP"):
            try:
                pattern = re.compile(wanted, 0 if case_sensitive else re.IGNORECASE)
            except re.error as exc:
                raise invalid(f"Invalid regular expression in filter on {field_name}: {wanted!r}") from exc
            if match_type == "FULL_REGEXP":
                return lambda v: pattern.fullmatch(v) is not None
            return lambda v: pattern.search(v) is not None
        raise invalid(f"Invalid matchType {match_type!r} in stringFilter on {field_name}.")
    if "inListFilter" in spec:
        lf = spec["inListFilter"] or {}
        values = lf.get("values")
        if not isinstance(values, list) or not values:
            raise invalid(f"inListFilter on {field_name} must have a non-empty values list.")
        case_sensitive = bool(lf.get("caseSensitive", False))
        wanted_set = {_fold(str(v), case_sensitive) for v in values}
        return lambda v: _fold(v, case_sensitive) in wanted_set
    if "emptyFilter" in spec:
        return lambda v: v in ("", "(not set)")
    if "numericFilter" in spec:
        nf = spec["numericFilter"] or {}
        operation = str(nf.get("operation") or "")
        if operation not in _NUMERIC_OPERATIONS:
            raise invalid(f"Invalid numericFilter operation {operation!r} on {field_name}.")
        threshold = _number_value(nf.get("value"), f"numericFilter.value on {field_name}")
        return lambda v: (n := to_float(v)) is not None and _compare(operation, n, threshold)
    if "betweenFilter" in spec:
        bf = spec["betweenFilter"] or {}
        low = _number_value(bf.get("fromValue"), f"betweenFilter.fromValue on {field_name}")
        high = _number_value(bf.get("toValue"), f"betweenFilter.toValue on {field_name}")
        return lambda v: (n := to_float(v)) is not None and low <= n <= high
    raise invalid(f"Filter on {field_name} must set one of stringFilter, inListFilter, numericFilter, ...")


def to_float(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _walk_filter(
    expr: Any, leaf: Callable[[str, Mapping[str, Any]], Callable[[Any], bool]], path: str
) -> Callable[[Any], bool]:
    """Compile a FilterExpression tree; ``leaf`` turns a ``filter`` into a predicate over the row/fact."""
    if not isinstance(expr, Mapping):
        raise invalid(f"{path} must be a FilterExpression object.")
    keys = [k for k in ("andGroup", "orGroup", "notExpression", "filter") if k in expr]
    if len(keys) != 1:
        raise invalid(f"{path} must set exactly one of andGroup, orGroup, notExpression, filter.")
    key = keys[0]
    if key in ("andGroup", "orGroup"):
        group = expr[key] or {}
        raw_children = group.get("expressions") if isinstance(group, Mapping) else None
        if not isinstance(raw_children, list):
            raise invalid(f"{path}.{key}.expressions must be a list.")
        children = [_walk_filter(c, leaf, f"{path}.{key}.expressions[{i}]") for i, c in enumerate(raw_children)]
        if key == "andGroup":
            return lambda x: all(child(x) for child in children)
        return lambda x: any(child(x) for child in children)
    if key == "notExpression":
        inner = _walk_filter(expr[key], leaf, f"{path}.notExpression")
        return lambda x: not inner(x)
    spec = expr["filter"]
    if not isinstance(spec, Mapping) or not isinstance(spec.get("fieldName"), str):
        raise invalid(f"{path}.filter must have a fieldName.")
    return leaf(str(spec["fieldName"]), spec)


def filter_fields(expr: Any) -> set[str]:
    if not isinstance(expr, Mapping):
        return set()
    found: set[str] = set()
    for key in ("andGroup", "orGroup"):
        group = expr.get(key)
        if isinstance(group, Mapping):
            for child in group.get("expressions") or []:
                found |= filter_fields(child)
    found |= filter_fields(expr.get("notExpression"))
    spec = expr.get("filter")
    if isinstance(spec, Mapping) and isinstance(spec.get("fieldName"), str):
        found.add(spec["fieldName"])
    return found


def compile_dimension_filter(expr: Any) -> FactFilter:
    def leaf(name: str, spec: Mapping[str, Any]) -> Callable[[Any], bool]:
        if name not in DIMENSIONS:
            raise invalid(
                f"Field {name} in dimensionFilter is not a valid dimension. For a list of valid dimensions "
                f"and metrics, see {SCHEMA_URL}"
            )
        getter = DIMENSIONS[name][2]
        test = _leaf_test(spec, name, for_metric=False)
        return lambda fact: test(getter(*fact))

    compiled = _walk_filter(expr, leaf, "dimensionFilter")
    return lambda s, e, r: compiled((s, e, r))


def compile_metric_filter(expr: Any) -> ValueFilter:
    def leaf(name: str, spec: Mapping[str, Any]) -> Callable[[Any], bool]:
        if name not in METRICS:
            raise invalid(
                f"Field {name} in metricFilter is not a valid metric. For a list of valid dimensions and "
                f"metrics, see {SCHEMA_URL}"
            )
        test = _leaf_test(spec, name, for_metric=True)
        return lambda values: test(values[name])

    return _walk_filter(expr, leaf, "metricFilter")
