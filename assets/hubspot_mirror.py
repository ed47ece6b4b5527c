"""Keeps the warehouse's HubSpot mirror current: incremental by last-modified watermark, a full pass monthly.

Every run searches (200 a page, sorted by id, re-anchored past the 10,000 cap) the records modified since
the watermark, lists the archived records (HubSpot's recycle bin: the last 90 days of deletions) and marks
deleted the ids a merge absorbed (``hs_merged_object_ids`` on the record it left). A full reconciliation,
every ``hubspot.full_sync_every_days`` of the data's own time or on demand, lists every live record too
and marks the ones that vanished without a trace (hard deletes) as deleted. Watermark and last full sync
are stamped from the data: the latest modification seen, less an overlap. Each object type is written in
one transaction together with its new watermark, so a failed sync leaves the previous state intact and
a rerun picks up from there. A record that cannot be read (an impossible date, an amount out of range)
is quarantined in that same transaction: out of the mirror, into ``quarantined_records``, until a sync
reads it fixed; with ``bad_records: stop`` the sync stops on it instead, before writing the type.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import sqlalchemy as sa

from resources.hubspot import (
    CONTACT_PROPERTIES,
    DEAL_PROPERTIES,
    MEETING_PROPERTIES,
    RECORD_TYPES,
    DealRecord,
    HubSpotResource,
    ObjectType,
    parse_page,
)
from resources.quarantine import BadRecordsError, ParsedRecords, QuarantinedRecord, replace_quarantined
from resources.warehouse import (
    OBJECT_TABLES,
    WarehouseResource,
    hubspot_contact_stage_dates,
    hubspot_deal_contacts,
    hubspot_pipeline_stages,
    sync_state,
    upsert,
)
from settings import SettingsError

DAY_MS = 86_400_000
# Search results trail writes by a few moments; re-reading an hour of changes costs little and upserts
# are idempotent.
WATERMARK_OVERLAP_MS = 3_600_000
DELETE_CHUNK = 900

Log = Callable[[str], None]


@dataclass
class StreamReport:
    """What one object type's sync did."""

    mode: str
    fetched: int = 0
    distinct: int = 0
    written: int = 0
    archived: int = 0
    marked_deleted: int = 0
    quarantined: int = 0
    watermark_ms: int | None = None


@dataclass
class SyncReport:
    streams: dict[str, StreamReport] = field(default_factory=dict)
    pipeline_stages: int = 0
    stage_properties: list[str] = field(default_factory=list)
    api_calls: dict[str, int] = field(default_factory=dict)

    @property
    def fetched(self) -> int:
        return sum(stream.fetched for stream in self.streams.values())

    @property
    def written(self) -> int:
        return sum(stream.written for stream in self.streams.values())

    @property
    def quarantined(self) -> int:
        return sum(stream.quarantined for stream in self.streams.values())


def stage_date_properties(hubspot: HubSpotResource, stages: Sequence[str], log: Log) -> list[str]:
    """The stage-date properties to request: both families for each configured stage, where they exist.

    Custom lifecycle stages have numeric ids (``hs_v2_date_entered_153180554``); the properties API tells
    which exist in this portal. A configured stage the portal does not know is a settings error.
    """
    definitions = {prop.name: prop for prop in hubspot.get_properties("contacts")}
    lifecycle = definitions.get("lifecyclestage")
    if lifecycle is not None and lifecycle.options:
        known = {value for value, _ in lifecycle.options}
        unknown = [stage for stage in stages if stage not in known]
        if unknown:
            choices = ", ".join(f"{value} ({label})" for value, label in lifecycle.options)
            raise SettingsError(
                f"setting 'stages': {', '.join(unknown)} is not a lifecycle stage of this HubSpot portal; "
                f"use the internal values: {choices}"
            )
    wanted: list[str] = []
    for stage in stages:
        candidates = [f"hs_v2_date_entered_{stage}", f"hs_lifecyclestage_{stage}_date"]
        present = [name for name in candidates if name in definitions]
        if not present:
            log(f"stage '{stage}' has no date property in this portal; its entries come from createdate only")
        wanted.extend(present)
    return wanted


def _contact_rows(records: Sequence[Any], now_ms: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    contacts: list[dict[str, Any]] = []
    dates: list[dict[str, Any]] = []
    for record in records:
        contacts.append(
            {
                "contact_id": record.contact_id,
                "created_at_ms": record.created_at_ms,
                "updated_at_ms": record.updated_at_ms,
                "lifecyclestage": record.lifecyclestage,
                "analytics_source": record.analytics_source,
                "analytics_source_data_1": record.analytics_source_data_1,
                "archived": record.archived,
                "deleted": False,
                "synced_at_ms": now_ms,
            }
        )
        dates.extend(
            {"contact_id": record.contact_id, "property": name, "value_ms": value}
            for name, value in record.stage_dates_ms.items()
        )
    return contacts, dates


def _deal_rows(records: Sequence[DealRecord], now_ms: int) -> list[dict[str, Any]]:
    return [
        {
            "deal_id": r.deal_id,
            "created_at_ms": r.created_at_ms,
            "updated_at_ms": r.updated_at_ms,
            "close_date_ms": r.close_date_ms,
            "amount": r.amount,
            "amount_in_home_currency": r.amount_in_home_currency,
            "currency_code": r.currency_code,
            "pipeline": r.pipeline,
            "dealstage": r.dealstage,
            "is_closed": r.is_closed,
            "is_closed_won": r.is_closed_won,
            "deal_stage_probability": r.deal_stage_probability,
            "mrr": r.mrr,
            "analytics_source": r.analytics_source,
            "analytics_source_data_1": r.analytics_source_data_1,
            "archived": r.archived,
            "deleted": False,
            "synced_at_ms": now_ms,
        }
        for r in records
    ]


def _meeting_rows(records: Sequence[Any], now_ms: int) -> list[dict[str, Any]]:
    return [
        {
            "meeting_id": r.meeting_id,
            "created_at_ms": r.created_at_ms,
            "updated_at_ms": r.updated_at_ms,
            "outcome": r.outcome,
            "archived": r.archived,
            "deleted": False,
            "synced_at_ms": now_ms,
        }
        for r in records
    ]


def _delete_in(conn: sa.Connection, column: sa.Column[Any], ids: Sequence[str]) -> None:
    for start in range(0, len(ids), DELETE_CHUNK):
        conn.execute(sa.delete(column.table).where(column.in_(ids[start : start + DELETE_CHUNK])))


class HubSpotMirror:
    """One sync of the HubSpot mirror (contacts, deals with their contacts, meetings, pipelines)."""

    def __init__(
        self,
        hubspot: HubSpotResource,
        warehouse: WarehouseResource,
        *,
        stages: Sequence[str],
        now_ms: int,
        full_sync_every_days: int = 28,
        log: Log = print,
        stop_on_bad_records: bool = False,
    ):
        self.hubspot = hubspot
        self.warehouse = warehouse
        self.stages = list(stages)
        self.now_ms = now_ms  # bookkeeping only (synced_at_ms); watermarks come from the data's own times
        self.full_sync_every_days = full_sync_every_days
        self.log = log
        self.stop_on_bad_records = stop_on_bad_records
        self._distinct = 0

    def run(self, *, force_full: bool = False) -> SyncReport:
        report = SyncReport()
        report.stage_properties = stage_date_properties(self.hubspot, self.stages, self.log)
        stages = self.hubspot.get_deal_pipelines()
        with self.warehouse.engine.begin() as conn:
            conn.execute(sa.delete(hubspot_pipeline_stages))
            upsert(conn, hubspot_pipeline_stages, [vars(stage) for stage in stages])
        report.pipeline_stages = len(stages)
        for object_type in ("contacts", "deals", "meetings"):
            report.streams[object_type] = self._sync_stream(object_type, report.stage_properties, force_full)
        report.api_calls = dict(self.hubspot.calls.counts)
        return report

    def _full_sync_due(self, last_full_ms: int | None, data_now_ms: int | None) -> bool:
        """Whether ``full_sync_every_days`` have passed between two data times, counted in whole days.

        Both ends are HubSpot's own times (the latest modification the last full sync saw, and the latest
        this run's search saw), so neither our clock nor how long a run took moves the cadence; rounding
        to whole days keeps a weekly schedule's fourth run from missing a 28-day cadence by the few minutes
        between the last changes each run happened to see.
        """
        if last_full_ms is None or data_now_ms is None:
            return last_full_ms is None
        return round((data_now_ms - last_full_ms) / DAY_MS) >= self.full_sync_every_days

    def _sync_stream(self, object_type: ObjectType, stage_properties: list[str], force_full: bool) -> StreamReport:
        state = self.warehouse.get_sync_state(object_type)
        properties_key = json.dumps(stage_properties) if object_type == "contacts" else None
        last_full = state.get("last_full_sync_ms")
        watermark = state.get("watermark_ms")
        full = (
            force_full
            or watermark is None
            or last_full is None
            # A changed stage list needs every contact's stage dates again.
            or (object_type == "contacts" and state.get("stage_properties") != properties_key)
        )
        properties = self._properties(object_type, stage_properties)
        records: ParsedRecords[Any] = ParsedRecords()
        if not full:
            # What changed since the watermark (search), then what was deleted: the archived listing (the
            # recycle bin: 90 days of deletions, id order, so every page of it) and, below, the ids a
            # merge absorbed. Then, when the data's time is a full cadence past the last full sync, a full
            # listing on top, for what left HubSpot without a trace (hard deletes, purged records).
            for page in self.hubspot.search_modified_since(object_type, properties, int(watermark or 0)):
                records.extend_parsed(parse_page(object_type, page, stage_properties))
            full = self._full_sync_due(last_full, _max_modified(records))
        if full:
            records.extend_parsed(self._fetch_list(object_type, properties, archived=False))
        deleted = self._fetch_list(object_type, properties, archived=True)
        records.extend_parsed(deleted)
        report = StreamReport(mode="full" if full else "incremental", fetched=len(records), archived=len(deleted))
        quarantined = _still_bad(records, OBJECT_TABLES[object_type][1])
        if quarantined and self.stop_on_bad_records:
            raise BadRecordsError(quarantined)
        report.quarantined = len(quarantined)
        if object_type == "deals":
            # Search results carry no associations, and a listed deal embeds at most 100 contacts (HubSpot
            # says so with a cursor): those deals are read through the associations API, every page. An
            # archived deal has none.
            unread = sorted({r.deal_id for r in records if not r.archived and (not full or r.more_contacts)})
            associations = self.hubspot.deal_contact_ids(unread) if unread else {}
            records = ParsedRecords(
                _with_contacts(r, associations[r.deal_id]) if r.deal_id in associations else r for r in records
            )
        # Stamped from the data: the latest modification seen, less the overlap (search results trail
        # writes). A full pass that found nothing is complete since the epoch: the next run searches from
        # there, and the first record that appears brings a full pass (a day of data time is enough).
        seen = _max_modified(records)
        stamp = seen - WATERMARK_OVERLAP_MS if seen is not None else 0 if full else None
        stamps = [w for w in (watermark, stamp) if w is not None]
        new_watermark = max(stamps) if stamps else None
        report.written, report.marked_deleted = self._write(object_type, records, quarantined, full=full)
        report.distinct = self._distinct
        with self.warehouse.engine.begin() as conn:
            upsert(
                conn,
                sync_state,
                [
                    {
                        "stream": object_type,
                        "watermark_ms": new_watermark,
                        "last_full_sync_ms": stamp if full else last_full,
                        "stage_properties": properties_key,
                    }
                ],
            )
        report.watermark_ms = new_watermark
        self.log(
            f"hubspot {object_type}: {report.mode} sync, {report.fetched} fetched, {report.written} written, "
            f"{report.archived} archived, {report.marked_deleted} marked deleted"
            + (f", {report.quarantined} quarantined (cannot be read)" if report.quarantined else "")
        )
        for record in quarantined:
            self.log(f"hubspot: quarantined {record.describe()}: left out of the numbers until fixed in HubSpot")
        return report

    @staticmethod
    def _properties(object_type: ObjectType, stage_properties: list[str]) -> list[str]:
        if object_type == "contacts":
            return [*CONTACT_PROPERTIES, *stage_properties]
        return list(DEAL_PROPERTIES if object_type == "deals" else MEETING_PROPERTIES)

    def _fetch_list(self, object_type: ObjectType, properties: list[str], *, archived: bool) -> ParsedRecords[Any]:
        associations = ("contacts",) if object_type == "deals" else ()
        stage_properties = properties[len(CONTACT_PROPERTIES) :] if object_type == "contacts" else []
        records: ParsedRecords[Any] = ParsedRecords()
        for page in self.hubspot.list_pages(object_type, properties, archived=archived, associations=associations):
            records.extend_parsed(parse_page(object_type, page, stage_properties))
        return records

    def _write(
        self, object_type: ObjectType, records: list[Any], quarantined: list[QuarantinedRecord], *, full: bool
    ) -> tuple[int, int]:
        table, key = OBJECT_TABLES[object_type]
        # The same id can come back on two pages when a record changes mid-sync; the last copy wins.
        records = list({getattr(r, key): r for r in records}.values())
        self._distinct = len(records)
        ids = [getattr(r, key) for r in records]
        bad_ids = [record.record_id for record in quarantined]
        marked_deleted = 0
        with self.warehouse.engine.begin() as conn:
            # A quarantined record leaves the mirror (and so the KPIs) until a sync reads it fixed.
            _delete_in(conn, table.c[key], bad_ids)
            if object_type == "contacts":
                _delete_in(conn, hubspot_contact_stage_dates.c.contact_id, bad_ids)
            elif object_type == "deals":
                _delete_in(conn, hubspot_deal_contacts.c.deal_id, bad_ids)
            replace_quarantined(
                conn,
                quarantined,
                source="hubspot",
                record_types=[RECORD_TYPES[object_type]],
                seen_at_ms=self.now_ms,
                record_ids=None if full else ids,
            )
            if object_type == "contacts":
                rows, dates = _contact_rows(records, self.now_ms)
                if full:
                    conn.execute(sa.delete(hubspot_contact_stage_dates))
                else:
                    _delete_in(conn, hubspot_contact_stage_dates.c.contact_id, ids)
                upsert(conn, table, rows)
                upsert(conn, hubspot_contact_stage_dates, dates)
            elif object_type == "deals":
                rows = _deal_rows(records, self.now_ms)
                if full:
                    conn.execute(sa.delete(hubspot_deal_contacts))
                else:
                    _delete_in(conn, hubspot_deal_contacts.c.deal_id, ids)
                upsert(conn, table, rows)
                links = [
                    {"deal_id": r.deal_id, "contact_id": contact_id}
                    for r in records
                    for contact_id in r.contact_ids or ()
                ]
                upsert(conn, hubspot_deal_contacts, links)
            else:
                rows = _meeting_rows(records, self.now_ms)
                upsert(conn, table, rows)
            marked_deleted = _absorb_merged(conn, object_type, records)
            if full:
                result = conn.execute(
                    sa.update(table)
                    .where(table.c.synced_at_ms < self.now_ms, table.c.deleted.is_(False))
                    .values(deleted=True)
                )
                marked_deleted += result.rowcount or 0
            # Count what landed rather than what was sent: this is what the fetched = written check compares.
            landed = conn.execute(
                sa.select(sa.func.count()).select_from(table).where(table.c.synced_at_ms == self.now_ms)
            ).scalar_one()
        return int(landed), marked_deleted


def _max_modified(records: Sequence[Any]) -> int | None:
    """The latest last-modified instant among records (HubSpot's clock), None without any."""
    return max((r.updated_at_ms for r in records if r.updated_at_ms), default=None)


def _absorb_merged(conn: sa.Connection, object_type: ObjectType, records: Sequence[Any]) -> int:
    """Marks deleted the records a merge absorbed into one of ``records``; returns how many were marked.

    The merged-away ids are named by ``hs_merged_object_ids`` on the record the merge left (see
    :func:`resources.hubspot_values.merged_ids`). A deal linked to a merged-away contact is linked to the
    contact it became, as HubSpot moves the associations, so the deal's first-contact channel holds.
    """
    if object_type == "meetings":
        return 0
    table, key = OBJECT_TABLES[object_type]
    present = {getattr(r, key) for r in records}
    absorbed = {old: getattr(r, key) for r in records if not r.archived for old in r.merged_ids if old not in present}
    if not absorbed:
        return 0
    marked = 0
    ids = sorted(absorbed)
    for start in range(0, len(ids), DELETE_CHUNK):
        chunk = ids[start : start + DELETE_CHUNK]
        result = conn.execute(
            sa.update(table).where(table.c[key].in_(chunk), table.c.deleted.is_(False)).values(deleted=True)
        )
        marked += result.rowcount or 0
        if object_type == "contacts":
            links = hubspot_deal_contacts
            moved = conn.execute(sa.select(links.c.deal_id, links.c.contact_id).where(links.c.contact_id.in_(chunk)))
            pairs = {(deal_id, absorbed[old]) for deal_id, old in moved}
            rows = [{"deal_id": deal_id, "contact_id": contact_id} for deal_id, contact_id in sorted(pairs)]
            conn.execute(sa.delete(links).where(links.c.contact_id.in_(chunk)))
            upsert(conn, links, rows)
    return marked


def _still_bad(records: ParsedRecords[Any], key: str) -> list[QuarantinedRecord]:
    """The quarantined records, once each, without those a later page brought back readable."""
    readable = {getattr(record, key) for record in records}
    unique = {record.record_id: record for record in records.quarantined if record.record_id not in readable}
    return list(unique.values())


def _with_contacts(record: DealRecord, contact_ids: tuple[str, ...]) -> DealRecord:
    return replace(record, contact_ids=contact_ids)
