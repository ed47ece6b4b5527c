"""A live run on a damaged warehouse: one line, exit 1, nothing written (was a raw ``OperationalError``
partway through the run while ``check`` said "Warehouse ok")."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.test_reliability_support import LiveRun

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    "statement", ["DROP COLUMN amount", "RENAME COLUMN amount TO deal_amount"], ids=["dropped", "renamed"]
)
def test_a_run_on_a_damaged_warehouse_stops_in_one_line_before_any_write(
    statement: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    live = LiveRun(tmp_path, monkeypatch).start()
    try:
        code, err = live.run(capsys)
        assert code == 0, err
        url = f"sqlite:///{live.data_dir / 'warehouse.db'}"
        engine = sa.create_engine(url)
        with engine.begin() as connection:
            connection.execute(sa.text(f"ALTER TABLE hubspot_deals {statement}"))
        engine.dispose()
        warehouse, tracker = live.state()
        requests_before = {name: live.suite.app(name).total_requests() for name in ("hubspot", "linkedin")}  # type: ignore[union-attr]
        code, err = live.run(capsys)
        assert code == 1
        lines = [line for line in err.splitlines() if line.startswith("funnel-ledger: ")]
        assert lines == [
            f"funnel-ledger: the warehouse at {url} does not match schema revision 0003: hubspot_deals has no column "
            "amount (dropped or renamed by hand?). Nothing was written: restore it (or the database from a backup), "
            "or point WAREHOUSE_URL at a new, empty database, which the next run fills again from the sources"
        ]
        assert "Traceback" not in err and "OperationalError" not in err
        assert live.state() == (warehouse, tracker)
        # Stopped before any source was asked anything: the run lease opens the warehouse before the preflight.
        after = {name: live.suite.app(name).total_requests() for name in requests_before}  # type: ignore[union-attr]
        assert after == requests_before
    finally:
        live.stop()
