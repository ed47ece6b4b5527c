"""One GA4 report answered: rows sorted and paged, metric values formatted, totals/min/max, metadata.

Called by :class:`emulators.ga4.emulator.GA4Emulator` for every parsed report request.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from emulators.google_rpc import JSON

from .aggregate import Row, collect_rows, union_values
from .filters import to_float
from .request import OrderBy, ReportSpec
from .schema import METRICS, Property


def _format_value(metric: str, value: float) -> str:
    if METRICS[metric][1] == "TYPE_INTEGER":
        return str(int(value))
    # The API prints doubles with 17 significant digits ("0.47857142857142859"); integral ones bare.
    return format(float(value), ".17g")


def _order_key(order: OrderBy, spec: ReportSpec) -> Callable[[Row], Any]:
    if order.kind == "metric":
        return lambda r: r.values[order.name]
    pos = spec.dimensions.index(order.name)
    if order.order_type == "NUMERIC":

        def numeric_key(r: Row) -> tuple[bool, float]:
            number = to_float(r.dims[pos])
            # Values that are not numbers sort after every number.
            return (number is None, number if number is not None else 0.0)

        return numeric_key
    if order.order_type == "CASE_INSENSITIVE_ALPHANUMERIC":
        return lambda r: r.dims[pos].casefold()
    return lambda r: r.dims[pos]


def _sort_rows(rows: list[Row], spec: ReportSpec) -> None:
    rows.sort(key=lambda r: (r.range_index, r.dims))
    # Stable sorts applied last-key-first give a lexicographic multi-key order.
    for order in reversed(spec.order_bys):
        rows.sort(key=_order_key(order, spec), reverse=order.desc)


def run_report(prop: Property, spec: ReportSpec) -> tuple[JSON, int]:
    """Answer one report; returns the response body (without ``propertyQuota``) and its rowCount."""
    rows = collect_rows(prop, spec)
    _sort_rows(rows, spec)

    def render(dims: Sequence[str], values: Mapping[str, float]) -> JSON:
        return {
            "dimensionValues": [{"value": v} for v in dims],
            "metricValues": [{"value": _format_value(m, values[m])} for m in spec.metrics],
        }

    body: JSON = {
        "dimensionHeaders": [{"name": d} for d in spec.dimensions],
        "metricHeaders": [{"name": m, "type": METRICS[m][1]} for m in spec.metrics],
    }
    page = rows[spec.offset : spec.offset + spec.limit]
    if page:
        body["rows"] = [render(r.dims, r.values) for r in page]
    for agg, out_key, reserved in (
        ("TOTAL", "totals", "RESERVED_TOTAL"),
        ("MAXIMUM", "maximums", "RESERVED_MAX"),
        ("MINIMUM", "minimums", "RESERVED_MIN"),
    ):
        if agg not in spec.aggregations:
            continue
        agg_rows: list[JSON] = []
        for r_index, rng in enumerate(spec.ranges):
            in_range = [r for r in rows if r.range_index == r_index]
            agg_dims = [rng.name if d == "dateRange" else reserved for d in spec.dimensions]
            if agg == "TOTAL":
                values = union_values(prop, in_range)
            else:
                pick = max if agg == "MAXIMUM" else min
                values = {m: pick((r.values[m] for r in in_range), default=0.0) for m in spec.metrics}
            agg_rows.append(render(agg_dims, values))
        body[out_key] = agg_rows
    if rows:
        body["rowCount"] = len(rows)
    metadata: JSON = {"currencyCode": spec.currency or prop.currency, "timeZone": prop.time_zone}
    if prop.data_loss:
        metadata["dataLossFromOtherRow"] = True
    if prop.thresholding:
        metadata["subjectToThresholding"] = True
    body["metadata"] = metadata
    body["kind"] = "analyticsData#runReport"
    return body, len(rows)
