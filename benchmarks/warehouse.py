"""Warehouse benchmarks: upsert rates of the contacts mirror table and the KPI step's read of it, three ways,
on SQLite and, when it answers, PostgreSQL (in a throwaway database); and the loader that fills a warehouse
at KPI-benchmark scale (``benchmarks.compute``). Run by ``benchmarks.run``.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from benchmarks.common import Result, log


def bench_warehouse(rows: int, postgres_url: str) -> list[Result]:
    """Upsert ``rows`` contact rows into the mirror table on SQLite and PostgreSQL (when it answers)."""
    import sqlalchemy as sa

    from resources.warehouse import WarehouseResource, hubspot_contacts, upsert

    data = [
        {
            "contact_id": str(i),
            "created_at_ms": 1_700_000_000_000 + i,
            "updated_at_ms": 1_700_000_000_000 + i,
            "lifecyclestage": "lead",
            "analytics_source": "ORGANIC_SEARCH",
            "analytics_source_data_1": None,
            "archived": False,
            "deleted": False,
            "synced_at_ms": 1_700_000_000_000,
        }
        for i in range(rows)
    ]
    results: list[Result] = []
    targets: list[tuple[str, str, Callable[[], None]]] = []
    tmp = tempfile.mkdtemp(prefix="bench-wh-")
    targets.append(("sqlite", f"sqlite:///{tmp}/wh.db", lambda: None))
    pg = _postgres_database(postgres_url)
    if pg is not None:
        targets.append(("postgresql", pg[0], pg[1]))
    else:
        results.append({"backend": "postgresql", "skipped": f"no answer at {postgres_url}"})
    for name, url, cleanup in targets:
        engine = sa.create_engine(url)
        try:
            # At the newest schema (the KPI reader reads through the resource, which migrates first).
            WarehouseResource(url=url).engine.dispose()
            timings = []
            for _ in range(2):  # first pass inserts, second updates every row (the mirror's steady state)
                t0 = time.perf_counter()
                with engine.begin() as conn:
                    upsert(conn, hubspot_contacts, data)
                timings.append(time.perf_counter() - t0)
            reads = bench_reads(url, name)
            results.append(
                {
                    "backend": name,
                    "rows": rows,
                    "insert_rows_per_s": round(rows / timings[0]),
                    "update_rows_per_s": round(rows / timings[1]),
                    "read_s": {k: v for k, v in reads.items() if k.endswith("_s")},
                }
            )
            log(f"warehouse {name}: {results[-1]}")
        finally:
            engine.dispose()
            cleanup()
    return results


def _postgres_database(url: str) -> tuple[str, Callable[[], None]] | None:
    """A throwaway database on the PostgreSQL server at ``url`` (so the benchmark never touches others' tables)."""
    import sqlalchemy as sa

    try:
        admin = sa.create_engine(url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
        name = f"funnel_bench_{os.getpid()}"
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # any failure to reach PostgreSQL means "skip it", reported as such
        log(f"postgresql skipped: {type(exc).__name__}: {exc}")
        return None

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url.rsplit("/", 1)[0] + f"/{name}", drop


def fill_kpi_warehouse(url: str, contacts: int, end: datetime, seed: int = 21) -> float:
    """Store the scale generator's contacts, stage dates, deals and links in the warehouse at ``url`` (created
    at the newest schema): the tables the KPI step reads, in wire-shape values. Returns the seconds it took.

    Rows go through the DBAPI's ``executemany`` in chunks (the mirror's upsert would take minutes at 10M).
    """
    import numpy as np

    from emulators.scale.hubspot import DEAL_STAGES, SOURCES, STAGES, contact_columns, deal_columns
    from resources.warehouse import WarehouseResource

    started = time.perf_counter()
    warehouse = WarehouseResource(url=url)
    engine = warehouse.engine
    c = contact_columns(contacts, end=end, seed=seed)
    d = deal_columns(max(1, contacts // 5), contacts=contacts, end=end, seed=seed + 1)
    raw = engine.raw_connection()
    cursor = raw.cursor()
    mark = "?" if engine.dialect.name == "sqlite" else "%s"

    def insert(table: str, columns: list[str], rows: Iterable[tuple[Any, ...]]) -> None:
        # Table and column names are this function's constants, never input.
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))})"  # noqa: S608
        batch: list[tuple[Any, ...]] = []
        for row in rows:
            batch.append(row)
            if len(batch) == 200_000:
                cursor.executemany(sql, batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)

    n, m = len(c), len(d)
    sources = np.array(SOURCES, dtype=object)
    ids = c.ids.astype(str).tolist()
    insert(
        "hubspot_contacts",
        [
            "contact_id",
            "created_at_ms",
            "updated_at_ms",
            "lifecyclestage",
            "analytics_source",
            "analytics_source_data_1",
            "archived",
            "deleted",
            "synced_at_ms",
        ],
        zip(
            ids,
            (c.created_s * 1000).tolist(),
            (c.modified_s * 1000).tolist(),
            np.array(STAGES, dtype=object)[c.stage].tolist(),
            sources[c.source].tolist(),
            [None] * n,
            c.archived.tolist(),
            [False] * n,
            [1] * n,
            strict=True,
        ),
    )
    for k, stage in enumerate(STAGES):
        has = np.flatnonzero(c.entered_s[:, k] >= 0)
        name = f"hs_v2_date_entered_{stage}"
        values = (c.entered_s[has, k] * 1000).tolist()
        insert(
            "hubspot_contact_stage_dates",
            ["contact_id", "property", "value_ms"],
            ((ids[i], name, v) for i, v in zip(has.tolist(), values, strict=True)),
        )
    del c, ids
    stage = np.array(DEAL_STAGES, dtype=object)[d.stage]
    deal_ids = d.ids.astype(str).tolist()
    insert(
        "hubspot_deals",
        [
            "deal_id",
            "created_at_ms",
            "updated_at_ms",
            "close_date_ms",
            "amount",
            "amount_in_home_currency",
            "currency_code",
            "pipeline",
            "dealstage",
            "is_closed",
            "is_closed_won",
            "deal_stage_probability",
            "mrr",
            "analytics_source",
            "analytics_source_data_1",
            "archived",
            "deleted",
            "synced_at_ms",
        ],
        zip(
            deal_ids,
            (d.created_s * 1000).tolist(),
            (d.modified_s * 1000).tolist(),
            (d.close_s * 1000).tolist(),
            d.amount.astype(str).tolist(),
            [None] * m,
            [None] * m,
            ["default"] * m,
            stage.tolist(),
            np.isin(stage, ["closedwon", "closedlost"]).tolist(),
            (stage == "closedwon").tolist(),
            [None] * m,
            [None] * m,
            sources[d.source].tolist(),
            [None] * m,
            d.archived.tolist(),
            [False] * m,
            [1] * m,
            strict=True,
        ),
    )
    links = zip(deal_ids, d.contact_id.astype(str).tolist(), strict=True)
    insert("hubspot_deal_contacts", ["deal_id", "contact_id"], links)
    insert(
        "hubspot_pipeline_stages",
        ["pipeline_id", "stage_id", "pipeline_label", "stage_label", "display_order", "is_closed", "probability"],
        [
            ("default", s, "Sales pipeline", s, i, s in ("closedwon", "closedlost"), p)
            for i, (s, p) in enumerate(zip(DEAL_STAGES, [0.2, 0.9, 1.0, 0.0], strict=True))
        ],
    )
    raw.commit()
    raw.close()
    warehouse.dispose()
    return time.perf_counter() - started


def bench_reads(url: str, backend: str) -> Result:
    """The contacts table read three ways: SQLAlchemy rows into pandas (the former reader), plain tuples into
    pandas (``read_frame``), and the DBAPI cursor into typed columns (the KPI step's reader)."""
    import pandas as pd
    import sqlalchemy as sa

    from resources.warehouse import WarehouseResource, hubspot_contacts
    from resources.warehouse_read import read_hubspot_inputs

    warehouse = WarehouseResource(url=url)
    timings: dict[str, float] = {}
    try:
        t0 = time.perf_counter()
        with warehouse.engine.connect() as conn:
            result = conn.execute(sa.select(hubspot_contacts))
            rows = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
        timings["sqlalchemy_rows_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        warehouse.read_frame(hubspot_contacts)
        timings["tuples_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        read_hubspot_inputs(warehouse, [])
        timings["cursor_columns_s"] = time.perf_counter() - t0
    finally:
        warehouse.dispose()
    return {"backend": backend, "rows": len(rows), **{k: round(v, 3) for k, v in timings.items()}}


def warehouse_report_lines(results: list[Result]) -> list[str]:
    """The generated report's warehouse section (benchmarks/report.py)."""
    lines = [
        "### Warehouse load and read (contacts mirror table)",
        "",
        "| backend | rows | insert rows/s | update rows/s | read: SQLAlchemy rows s | read: tuples s | "
        "read: cursor to columns s |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        if "skipped" in r:
            lines.append(f"| {r['backend']} | skipped: {r['skipped']} | | | | | |")
            continue
        read = r.get("read_s", {})
        lines.append(
            f"| {r['backend']} | {r['rows']:,} | {r['insert_rows_per_s']:,} | {r['update_rows_per_s']:,} | "
            f"{read.get('sqlalchemy_rows_s', '')} | {read.get('tuples_s', '')} | {read.get('cursor_columns_s', '')} |"
        )
    lines.append("")
    return lines
