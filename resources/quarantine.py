"""Records a source sent that cannot be read: strict value readers, the quarantined record, its storage.

The parse functions of the resources (``hubspot``, ``linkedin_ads``, ``google_ads``, ``ga4``) read each
value with the readers here; a value that is not what it must be (an impossible date, a number out of
range, NaN, Infinity, a missing metric) raises :class:`BadValue`, and the record is kept aside as a
:class:`QuarantinedRecord` instead of failing the run. Parsing a page returns :class:`ParsedRecords`: the
good records, exactly as before, carrying the quarantined ones. The source assets store them in
``quarantined_records`` (left out of the KPIs, named on the Insights tab), or stop with
:class:`BadRecordsError` when the settings say ``bad_records: stop``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Collection, Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from resources.http import ApiError
from resources.warehouse import WarehouseResource, quarantined_records

T = TypeVar("T")

# Money and metrics beyond 10^18 are no real figure (a deal of a quintillion), and past about 1.8e308 a
# float is Infinity: both are refused where they enter, so sums stay finite and exact text stays short.
MAX_MAGNITUDE = Decimal("1e18")
# Instants from the Unix epoch to 2199: HubSpot dates everything in epoch milliseconds from 1970, and the
# KPI math holds instants as nanosecond timestamps, which end in 2262.
EARLIEST_MS = 0
LATEST_MS = int(datetime(2200, 1, 1, tzinfo=UTC).timestamp() * 1000)
# The warehouse's counts are BIGINT.
MAX_COUNT = 2**63 - 1
# A raw value is kept and shown cut to this many characters.
RAW_VALUE_CHARS = 80
# Records named one by one in a message; the rest are counted.
NAMED_RECORDS = 3

RECORD_LABELS = {
    "contact": "contact",
    "deal": "deal",
    "meeting": "meeting",
    "campaign_day": "campaign",
    "ga4_day": "GA4 day",
    "ga4_event_day": "GA4 event day",
    "ga4_week": "GA4 week",
}
SOURCE_NAMES = {"hubspot": "HubSpot", "linkedin": "LinkedIn Ads", "google_ads": "Google Ads", "ga4": "GA4"}


class BadValue(ValueError):
    """A value a record cannot be read with: which field, what was sent, what is wrong with it."""

    def __init__(self, field: str, raw: object, problem: str) -> None:
        super().__init__(" ".join(part for part in (field, shown_raw(raw), problem) if part))
        self.field = field
        self.raw = raw
        self.problem = problem


@dataclass(frozen=True)
class QuarantinedRecord:
    """A record left out because one of its values cannot be read.

    Attributes:
        source: ``hubspot``, ``linkedin``, ``google_ads`` or ``ga4``.
        record_type: ``contact``, ``deal``, ``meeting``, ``campaign_day``, ``ga4_day``, ``ga4_event_day``
            or ``ga4_week``.
        record_id: The source's id of the record (for daily rows: what and which day).
        field: The first field that could not be read, as the source names it.
        raw_value: What the source sent, as text, cut to :data:`RAW_VALUE_CHARS` ("" when it sent none).
        problem: What is wrong with it ("is not a date").
        record_date: The day of a daily row (ads, GA4); None for CRM records.
    """

    source: str
    record_type: str
    record_id: str
    field: str
    raw_value: str
    problem: str
    record_date: date | None = None

    @classmethod
    def of(
        cls, source: str, record_type: str, record_id: str, error: BadValue, record_date: date | None = None
    ) -> QuarantinedRecord:
        return cls(source, record_type, record_id, error.field, shown_raw(error.raw), error.problem, record_date)

    def describe(self) -> str:
        """``deal 123: closedate '2024-13-45' is not a date``."""
        label = RECORD_LABELS.get(self.record_type, self.record_type)
        what = " ".join(part for part in (self.field, self.raw_value, self.problem) if part)
        return f"{label} {self.record_id}: {what}"


class BadRecord(BadValue):
    """A :class:`BadValue` that already names its record (daily rows know their campaign and day)."""

    def __init__(self, record: QuarantinedRecord) -> None:
        ValueError.__init__(self, record.describe())
        self.field = record.field
        self.raw = record.raw_value
        self.problem = record.problem
        self.record = record


class ParsedRecords(list[T]):
    """The records of a page that could be read (a plain list of them), and those that could not."""

    def __init__(self, good: Iterable[T] = (), quarantined: Iterable[QuarantinedRecord] = ()) -> None:
        super().__init__(good)
        self.quarantined: list[QuarantinedRecord] = list(quarantined)

    def extend_parsed(self, other: ParsedRecords[T]) -> None:
        self.extend(other)
        self.quarantined.extend(other.quarantined)


class BadRecordsError(ApiError):
    """Stops a run on records that cannot be read, when the settings say ``bad_records: stop``."""

    def __init__(self, records: Sequence[QuarantinedRecord]) -> None:
        source = SOURCE_NAMES.get(records[0].source, records[0].source)
        named = "; ".join(record.describe() for record in records[:NAMED_RECORDS])
        more = len(records) - NAMED_RECORDS
        counted = f" and {more} more" if more > 0 else ""
        super().__init__(
            f"{source} sent {len(records)} record{'s' if len(records) != 1 else ''} that cannot be read: "
            f"{named}{counted}. Nothing of them was written: fix them in {source}, or set `bad_records: "
            "quarantine` to leave such records out of the numbers and name them on the Insights tab",
            service=source,
            status=200,
            category="BAD_RECORD",
        )
        self.records = list(records)


def shown_raw(value: object) -> str:
    """A raw value as a message shows it: quoted text, JSON spelling for numbers, cut short; nothing for None."""
    if value is None:
        return ""
    if isinstance(value, str):
        text = value if len(value) <= RAW_VALUE_CHARS else value[: RAW_VALUE_CHARS - 1] + "…"
        return repr(text)
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    try:
        text = json.dumps(value)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= RAW_VALUE_CHARS else text[: RAW_VALUE_CHARS - 1] + "…"


# --- strict readers: each returns the value or raises ValueError saying what is wrong --------------------


def read_instant_ms(value: object) -> int | None:
    """An instant (ISO-8601, date only or epoch milliseconds; naive = UTC) as epoch ms, from 1970 to 2199.

    Blank is None. Raises ValueError ("is not a date", "is before 1970", "is after 2199").
    """
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError("is not a date")
    if isinstance(value, int):
        ms = value
    elif isinstance(value, str) and value.strip().lstrip("-").isdigit():
        ms = int(value.strip())
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise ValueError("is not a date") from None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        ms = int(parsed.timestamp() * 1000)
    else:
        raise ValueError("is not a date")
    if ms < EARLIEST_MS:
        raise ValueError("is before 1970")
    if ms >= LATEST_MS:
        raise ValueError("is after 2199")
    return ms


def _finite_decimal(value: object) -> Decimal:
    """A present value (text or a JSON number) as an exact, finite decimal."""
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise ValueError("is not a number")
    try:
        number = Decimal(value.strip() if isinstance(value, str) else str(value))
    except InvalidOperation:
        raise ValueError("is not a number") from None
    if not number.is_finite():
        raise ValueError("is not a finite number")
    return number


def read_decimal(value: object) -> Decimal | None:
    """An exact decimal (text or a JSON number), finite and within ±10^18. Blank is None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    number = _finite_decimal(value)
    if abs(number) > MAX_MAGNITUDE:
        raise ValueError("is out of range (beyond ±10^18)")
    return number


def read_number(value: object) -> float | None:
    """A finite float within ±10^18 (text or a JSON number). Blank is None."""
    number = read_decimal(value)
    return None if number is None else float(number)


def read_count(value: object) -> int:
    """A whole number from 0 to 2^63 - 1 (text or a JSON number; ``12.0`` is 12). Missing is an error."""
    # Most counts arrive as plain digits (GA4 sends every metric as text): at most 18 of them are below 2^63.
    if isinstance(value, str) and len(value) <= 18 and value.isascii() and value.isdigit():
        return int(value)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValueError("is missing")
    number = _finite_decimal(value)
    if number != number.to_integral_value():
        raise ValueError("is not a whole number")
    if number < 0:
        raise ValueError("is negative")
    if number > MAX_COUNT:
        raise ValueError("is out of range (beyond 2^63)")
    return int(number)


def field_value(field: str, value: object, reader: Any) -> Any:
    """``reader(value)``, with a failure raised as :class:`BadValue` naming ``field``."""
    try:
        return reader(value)
    except ValueError as error:
        raise BadValue(field, value, str(error)) from None


# --- storage ----------------------------------------------------------------------------------------------


def replace_quarantined(
    conn: Connection,
    records: Sequence[QuarantinedRecord],
    *,
    source: str,
    record_types: Collection[str],
    seen_at_ms: int,
    record_ids: Collection[str] | None = None,
    days: tuple[date, date] | None = None,
) -> int:
    """Replace the quarantined records of what a sync read again, in the caller's transaction.

    A record read again (fixed or not) leaves its old entry; what is still bad comes back in ``records``.
    Which entries were read again: ``record_ids`` (an incremental CRM sync), the days [first, last] of
    ``days`` (a daily pull), else all of ``record_types`` (a full sync).
    """
    table = quarantined_records
    condition = sa.and_(table.c.source == source, table.c.record_type.in_(list(record_types)))
    if days is not None:
        condition = sa.and_(condition, table.c.record_date >= days[0], table.c.record_date <= days[1])
    if record_ids is not None:
        ids = sorted(set(record_ids) | {record.record_id for record in records})
        for start in range(0, len(ids), 900):
            conn.execute(sa.delete(table).where(condition, table.c.record_id.in_(ids[start : start + 900])))
    else:
        conn.execute(sa.delete(table).where(condition))
    rows = {(r.record_type, r.record_id): {**asdict(r), "seen_at_ms": seen_at_ms} for r in records}
    if rows:
        conn.execute(sa.insert(table), list(rows.values()))
    return len(rows)


def quarantined_lines(warehouse: WarehouseResource) -> list[str]:
    """Every quarantined record, one line each by source and id (``HubSpot deal 300: amount '1e400' ...``)."""
    try:
        frame = warehouse.read_frame(quarantined_records)
    finally:
        warehouse.dispose()
    lines = []
    for row in frame.sort_values(["source", "record_type", "record_id"]).to_dict("records"):
        fields = {name: row[name] for name in ("source", "record_type", "record_id", "field", "raw_value", "problem")}
        record = QuarantinedRecord(**fields)
        lines.append(f"{SOURCE_NAMES.get(record.source, record.source)} {record.describe()}")
    return lines
