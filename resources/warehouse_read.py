"""The KPI step's read of the HubSpot mirror, at the speed of the database cursor.

Rows come from the DBAPI cursor in chunks of :data:`CHUNK_ROWS` plain tuples (a server-side cursor on
PostgreSQL, SQLite's own cursor otherwise), bypassing SQLAlchemy's ``Row`` objects, which pandas would
otherwise probe one by one. Each chunk is turned into numpy columns at once, so memory stays bounded by
the columns being built, not by a list of every row:

* ids (``contact_id``, ``deal_id``, ``meeting_id``) become ``int64`` when every id of the column is a
  canonical decimal integer (HubSpot's ids are), else they stay text;
* sources, lifecycle stages, pipelines, deal stages, currencies and outcomes become ``category`` columns;
* instants (``*_ms``) become UTC ``datetime64[ns]``; flags ``bool``; amounts ``float64``.

Every query has an ``ORDER BY`` on the table's key (the stage dates excepted: each lands in its own cell),
so the same warehouse gives the same frames, row for row, and the KPI sums are the same to the bit
(docs/benchmarks.md explains the choice of this reader).
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from contextlib import closing
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from resources.warehouse import (
    WarehouseResource,
    hubspot_contact_stage_dates,
    hubspot_contacts,
    hubspot_deal_contacts,
    hubspot_deals,
    hubspot_meetings,
    hubspot_pipeline_stages,
)

CHUNK_ROWS = 100_000
NAT = np.iinfo(np.int64).min
# int64 nanoseconds hold instants up to 2262; a millisecond stamp beyond this would wrap around.
_MAX_MS = np.iinfo(np.int64).max // 1_000_000
# More digits than this may not fit int64 (and HubSpot's ids are far shorter).
_MAX_ID_DIGITS = 18


def stream_rows(warehouse: WarehouseResource, query: sa.Select[Any]) -> Generator[list[tuple[Any, ...]], None, None]:
    """The rows of ``query`` as lists of plain DBAPI tuples, :data:`CHUNK_ROWS` at a time.

    The statement is compiled by SQLAlchemy and run on the DBAPI connection itself: on PostgreSQL through a
    named (server-side) cursor, so the client never holds more than a chunk; SQLite's cursor steps through
    the table as it is fetched.
    """
    with warehouse.engine.connect() as conn:
        compiled = query.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
        params = compiled.construct_params()
        args: Any = tuple(params[name] for name in compiled.positiontup or ()) if compiled.positional else params
        dbapi = conn.connection.dbapi_connection
        assert dbapi is not None
        server_side = conn.dialect.name == "postgresql"
        cursor = dbapi.cursor(name="funnel_ledger_read") if server_side else dbapi.cursor()  # type: ignore[call-arg]
        try:
            cursor.execute(str(compiled), args)
            while rows := cursor.fetchmany(CHUNK_ROWS):
                yield list(rows)
        finally:
            cursor.close()


class NotIntegerIds(Exception):
    """An id column holds an id that is not a canonical decimal integer: read the table's ids as text."""


def integer_id(column: sa.ColumnElement[Any], dialect: str) -> sa.ColumnElement[Any]:
    """``column`` (id text) as a BIGINT when it is a canonical non-negative decimal ("12", not "012", "+12",
    "c12" or 20 digits), else NULL: computed by the database, so no Python string is made for an id."""
    as_int = sa.cast(column, sa.BigInteger)
    if dialect == "postgresql":
        canonical = column.regexp_match(f"^(0|[1-9][0-9]{{0,{_MAX_ID_DIGITS - 1}}})$")
    else:  # SQLite: a cast reads the leading digits; only a canonical id casts back to the same text
        canonical = sa.and_(column.op("GLOB")("[0-9]*"), sa.cast(as_int, sa.Text) == column)
    return sa.case((canonical, as_int), else_=sa.null())


def _ids(values: Sequence[Any]) -> np.ndarray:
    try:
        return np.array(values, dtype=np.int64)
    except TypeError:  # a NULL: an id that is not a canonical integer
        raise NotIntegerIds from None


def _id_refs(values: Sequence[Any]) -> np.ndarray:
    """Integer ids pointing at a table of integer ids; one that is not an integer (NULL) matches none (-1)."""
    try:
        return np.array(values, dtype=np.int64)
    except TypeError:
        return np.array([-1 if v is None else v for v in values], dtype=np.int64)


def _texts(values: Sequence[Any]) -> np.ndarray:
    return np.array([None if v is None else str(v) for v in values], dtype=object)


class _Categories:
    """A text column built chunk by chunk as category codes (missing = -1), categories in first-seen order."""

    def __init__(self) -> None:
        self.codes: list[np.ndarray] = []
        self.position: dict[Any, int] = {}

    def add(self, values: Sequence[Any]) -> None:
        codes, uniques = pd.factorize(np.array(values, dtype=object), use_na_sentinel=True)
        lookup = np.array([self.position.setdefault(u, len(self.position)) for u in uniques] + [-1], dtype=np.int32)
        self.codes.append(lookup[codes])

    def column(self) -> pd.Categorical:
        codes = np.concatenate(self.codes) if self.codes else np.array([], dtype=np.int32)
        return pd.Categorical.from_codes(codes, categories=pd.Index(list(self.position), dtype=object))


def ms_to_ns(values: Sequence[Any]) -> np.ndarray:
    """Millisecond stamps (None = missing) as int64 UTC nanoseconds, ``NAT`` where missing."""
    try:
        ms = np.array(values, dtype=np.int64)
        missing = None
    except TypeError:  # a None among them
        floats = np.array(values, dtype=np.float64)  # None reads as NaN; stamps are exact below 2**53
        missing = np.isnan(floats)
        ms = np.where(missing, 0, floats).astype(np.int64)
    if ms.size and (np.abs(ms).max() > _MAX_MS):
        raise ValueError("a stored instant lies beyond what nanosecond timestamps hold (year 2262)")
    ns = ms * 1_000_000
    if missing is not None:
        ns[missing] = NAT
    return ns


def utc_column(ns: np.ndarray) -> pd.Series:
    """int64 UTC nanoseconds (``NAT`` = missing) as a tz-aware UTC datetime Series."""
    return pd.Series(pd.DatetimeIndex(ns.view("datetime64[ns]")).tz_localize("UTC"))


def _floats(values: Sequence[Any]) -> np.ndarray:
    """Numbers, numeric text or None as float64 (unreadable text and None are NaN)."""
    try:
        return np.array(values, dtype=np.float64)
    except (TypeError, ValueError):
        return pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").to_numpy(np.float64, na_value=np.nan)


def _flags(values: Sequence[Any]) -> np.ndarray:
    """A NOT NULL flag (SQLite stores 0/1, PostgreSQL booleans) as bool."""
    return np.array(values, dtype=bool)


def _nullable_flags(values: Sequence[Any]) -> np.ndarray:
    """A nullable flag as objects True / False / None (the KPI functions read unknown as unknown)."""
    return np.array([None if v is None else bool(v) for v in values], dtype=object)


# What each selected column becomes: "id" (int64 ids, computed by :func:`integer_id`), "ref" (int64 ids
# of another table), "text", "cat", "ns" (from ``<name>_ms``), "flag", "gone" (``archived`` or ``deleted``),
# "flag?" (nullable), "float".
Kinds = dict[str, str]
_CONVERT = {
    "id": _ids,
    "ref": _id_refs,
    "text": _texts,
    "ns": ms_to_ns,
    "flag": _flags,
    "gone": _flags,
    "flag?": _nullable_flags,
    "float": _floats,
}
_EMPTY = {"id": np.int64, "ref": np.int64, "text": object, "ns": np.int64, "flag": bool, "gone": bool, "flag?": object}


def _add_chunk(
    rows: list[tuple[Any, ...]],
    names: list[str],
    kinds: Kinds,
    cats: dict[str, _Categories],
    parts: dict[str, list[np.ndarray]],
) -> None:
    for i, name in enumerate(names):
        values = [row[i] for row in rows]  # one column of the chunk (faster than zip(*rows))
        if name in cats:
            cats[name].add(values)
        else:
            parts[name].append(_CONVERT[kinds[name]](values))


def read_columns(warehouse: WarehouseResource, query: sa.Select[Any], kinds: Kinds) -> pd.DataFrame:
    """Read ``query`` (its columns named as in ``kinds``, in that order) into a frame of typed columns."""
    names = list(kinds)
    cats = {name: _Categories() for name in names if kinds[name] == "cat"}
    parts: dict[str, list[np.ndarray]] = {name: [] for name in names if name not in cats}
    with closing(stream_rows(warehouse, query)) as chunks:  # closed (cursor and all) even when a chunk fails
        for rows in chunks:
            _add_chunk(rows, names, kinds, cats, parts)
    data: dict[str, Any] = {}
    for name in names:
        if name in cats:
            data[name] = cats[name].column()
            continue
        kind = kinds[name]
        array = np.concatenate(parts[name]) if parts[name] else np.array([], dtype=_EMPTY.get(kind, np.float64))
        data[name] = utc_column(array) if kind == "ns" else array
    return pd.DataFrame(data)


def _select(table: sa.Table, kinds: Kinds, dialect: str) -> sa.Select[Any]:
    """The columns of ``kinds`` (an instant ``x`` is stored as ``x_ms``), ordered by the primary key."""
    columns: list[sa.ColumnElement[Any]] = []
    for name, kind in kinds.items():
        if kind == "gone":  # archived, or deleted (vanished from the source): one flag, computed by the database
            columns.append(sa.or_(table.c.archived, table.c.deleted).label(name))
            continue
        column = table.c[f"{name}_ms" if kind == "ns" else name]
        columns.append(integer_id(column, dialect).label(name) if kind in ("id", "ref") else column)
    return sa.select(*columns).order_by(*table.primary_key.columns)


def _read(warehouse: WarehouseResource, table: sa.Table, kinds: Kinds) -> pd.DataFrame:
    """``table`` read as ``kinds``; its ``id`` columns as text when one of them is not an integer."""
    dialect = warehouse.engine.dialect.name
    try:
        return read_columns(warehouse, _select(table, kinds, dialect), kinds)
    except NotIntegerIds:
        text = {name: "text" if kind == "id" else kind for name, kind in kinds.items()}
        return read_columns(warehouse, _select(table, text, dialect), text)


def _ref(ids: pd.Series) -> str:
    """How to read ids that point at ``ids``: as integers when those are, else as text."""
    return "ref" if ids.dtype.kind == "i" else "text"


def read_hubspot_inputs(warehouse: WarehouseResource, stage_properties: Sequence[str]) -> dict[str, pd.DataFrame]:
    """The mirror as the KPI functions take it: UTC timestamps, float amounts, one column per stage date.

    One ``datetime64`` column per name of ``stage_properties`` that the warehouse holds a date of (a
    property no contact has is left out: the KPI functions read a missing column as never reached).
    Archived and deleted (vanished) records both come out as ``archived`` = True.
    """
    contacts = _read(
        warehouse,
        hubspot_contacts,
        {
            "contact_id": "id",
            "created_at": "ns",
            "lifecyclestage": "cat",
            "analytics_source": "cat",
            "analytics_source_data_1": "cat",
            "archived": "gone",
        },
    )
    for name, ns in _stage_dates(warehouse, hubspot_contact_stage_dates, contacts["contact_id"], stage_properties):
        contacts[name] = utc_column(ns)

    deals = _read(
        warehouse,
        hubspot_deals,
        {
            "deal_id": "id",
            "created_at": "ns",
            "close_date": "ns",
            "amount": "float",
            "amount_in_home_currency": "float",
            "currency_code": "cat",
            "pipeline": "cat",
            "dealstage": "cat",
            "is_closed": "flag?",
            "is_closed_won": "flag?",
            "deal_stage_probability": "float",
            "mrr": "float",
            "analytics_source": "cat",
            "analytics_source_data_1": "cat",
            "archived": "gone",
        },
    )
    # Read in the representation of the ids they point at, so that the KPI functions join them as they are.
    deal_contacts = _read(
        warehouse,
        hubspot_deal_contacts,
        {"deal_id": _ref(deals["deal_id"]), "contact_id": _ref(contacts["contact_id"])},
    )
    meetings = _read(
        warehouse,
        hubspot_meetings,
        {"meeting_id": "id", "created_at": "ns", "outcome": "cat", "archived": "gone"},
    )
    pipeline_stages = _read(
        warehouse,
        hubspot_pipeline_stages,
        {"pipeline_id": "cat", "stage_id": "cat", "is_closed": "flag", "probability": "float"},
    )
    for name in ("pipeline_id", "stage_id"):
        pipeline_stages[name] = pipeline_stages[name].astype(object)
    return {
        "contacts": contacts,
        "deals": deals,
        "deal_contacts": deal_contacts,
        "meetings": meetings,
        "pipeline_stages": pipeline_stages,
    }


def _stage_dates(
    warehouse: WarehouseResource, table: sa.Table, contact_ids: pd.Series, properties: Sequence[str]
) -> list[tuple[str, np.ndarray]]:
    """Each wanted stage-date property that any contact has, as ns per contact (aligned with ``contact_ids``)."""
    wanted = list(dict.fromkeys(properties))
    if not wanted or contact_ids.empty:
        return []
    index = pd.Index(contact_ids.to_numpy())
    ref = _ref(contact_ids)
    # The property as its position in ``wanted``, computed by the database (a small int, not a string).
    slot = sa.case({name: j for j, name in enumerate(wanted)}, value=table.c.property)
    query = (
        sa.select(
            integer_id(table.c.contact_id, warehouse.engine.dialect.name) if ref == "ref" else table.c.contact_id,
            slot,
            table.c.value_ms,
        ).where(table.c.property.in_(wanted))
        # No ORDER BY: (contact, property) is the key, so each date lands in its own cell whatever the order
        # rows come in, and a table scan is cheaper than walking the key's index.
    )
    columns: dict[int, np.ndarray] = {}  # only the properties some contact has get a column
    with closing(stream_rows(warehouse, query)) as chunks:
        for rows in chunks:
            _add_stage_dates(rows, index, ref, columns, len(contact_ids))
    return [(wanted[j], columns[j]) for j in sorted(columns)]


def _add_stage_dates(
    rows: list[tuple[Any, ...]], index: pd.Index, ref: str, columns: dict[int, np.ndarray], n: int
) -> None:
    """Put one chunk of (contact id, property slot, ms) rows into the per-property columns."""
    ids, slots, values = ([row[i] for row in rows] for i in range(3))
    position = index.get_indexer(pd.Index(_CONVERT[ref](ids)))
    at = position >= 0
    where, slot_of, ns = position[at], np.array(slots, dtype=np.int64)[at], ms_to_ns(values)[at]
    for j in np.unique(slot_of).tolist():
        column = columns.setdefault(j, np.full(n, NAT, dtype=np.int64))
        rows_j = slot_of == j
        column[where[rows_j]] = ns[rows_j]
