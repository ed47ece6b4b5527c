"""Warehouse load benchmark: upsert rates of the contacts mirror table on SQLite and, when it answers,
PostgreSQL (in a throwaway database). Run by ``benchmarks.run``.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable

from benchmarks.common import Result, log


def bench_warehouse(rows: int, postgres_url: str) -> list[Result]:
    """Upsert ``rows`` contact rows into the mirror table on SQLite and PostgreSQL (when it answers)."""
    import sqlalchemy as sa

    from resources.warehouse import hubspot_contacts, metadata, upsert

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
            metadata.create_all(engine, tables=[hubspot_contacts])
            timings = []
            for _ in range(2):  # first pass inserts, second updates every row (the mirror's steady state)
                t0 = time.perf_counter()
                with engine.begin() as conn:
                    upsert(conn, hubspot_contacts, data)
                timings.append(time.perf_counter() - t0)
            results.append(
                {
                    "backend": name,
                    "rows": rows,
                    "insert_rows_per_s": round(rows / timings[0]),
                    "update_rows_per_s": round(rows / timings[1]),
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
