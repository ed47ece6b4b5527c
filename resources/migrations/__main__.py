"""Write the next warehouse migration: ``python -m resources.migrations "add the run lease table"``.

For developers after changing the tables of ``resources/warehouse.py``: a scratch SQLite database is
brought to the newest revision, compared with the tables, and the difference is written as the next
revision in ``versions/`` (``v0003_add_the_run_lease_table.py``). Read it before committing: Alembic
sees a renamed column as one dropped and one added, and data changes are yours to write.
"""

from __future__ import annotations

import sys
import tempfile

from alembic import command

from resources.migrations import alembic_config, head_revision


def main(argv: list[str]) -> int:
    message = " ".join(argv).strip()
    if not message:
        print('usage: python -m resources.migrations "what the migration does"', file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="funnel-ledger-migration-") as folder:
        config = alembic_config()
        config.set_main_option("sqlalchemy.url", f"sqlite:///{folder}/scratch.db")
        command.upgrade(config, "head")
        command.revision(config, message=message, autogenerate=True, rev_id=f"{int(head_revision()) + 1:04d}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
