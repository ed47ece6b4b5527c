"""``funnel-ledger reset-source SOURCE``: let a warehouse mirror another account of one source.

Called by :mod:`pipelines.cli`. Without ``--yes`` it only says what it would delete. With it, one
transaction deletes the source's rows, its recorded identity and the weekly KPIs and insights (computed
from every source together, recomputed by the next run); the next run then mirrors the account the
environment names, from scratch (a full HubSpot listing, the ad and GA4 ranges it asks for).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Mapping

from settings.environment import RuntimeEnv

# resources.source_identity.SOURCES, repeated so that building the CLI's parser imports no resource (and so
# no Dagster); tests/test_cli_imports.py keeps the two equal.
SOURCE_CHOICES: tuple[str, ...] = ("hubspot", "linkedin", "google_ads", "ga4", "tracker")


def reset_source_command(
    source: str, *, apply: bool, environ: Mapping[str, str] | None = None, out: Callable[[str], None] = print
) -> int:
    """Count (or, with ``apply``, delete) one source's data in the warehouse of this environment.

    Args:
        source: One of :data:`~resources.source_identity.SOURCES`.
        apply: Delete when True; only report when False.
        environ: Where ``WAREHOUSE_URL`` / ``FUNNEL_LEDGER_DATA_DIR`` are read (default the process's).
        out: Where the report goes (one line each).

    Returns:
        The exit status: 0.
    """
    from resources.source_identity import recorded_identities, reset_source, shown_url
    from resources.warehouse import WarehouseResource

    runtime = RuntimeEnv.from_environ(os.environ if environ is None else environ)
    warehouse = WarehouseResource(url=runtime.warehouse_url)
    try:
        recorded = recorded_identities(warehouse).get(source)
        counts = reset_source(warehouse, source, apply=apply)
    finally:
        warehouse.dispose()
    where = shown_url(runtime.warehouse_url)
    held = f"mirrors {recorded.label}" if recorded else f"has no {source} identity recorded"
    out(f"funnel-ledger reset-source {source}: {where} {held}.")
    rows = ", ".join(f"{n:,} {table}" for table, n in counts.items() if n and table != "source_identity")
    if apply:
        out(f"  deleted: {rows or 'no data rows'}; the next run mirrors the {source} account the environment names.")
    else:
        out(f"  would delete: {rows or 'no data rows'}.")
        out("  Nothing was deleted: rerun with --yes to delete it.")
    return 0


def add_reset_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``reset-source SOURCE [--yes]`` to the CLI's subcommands."""
    parser = commands.add_parser(
        "reset-source",
        help="delete one source's data from the warehouse so it can mirror another account (see --yes)",
    )
    parser.add_argument("source", choices=SOURCE_CHOICES, help="the source to forget")
    parser.add_argument("--yes", action="store_true", help="delete; without it, only say what would be deleted")
