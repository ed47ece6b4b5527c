"""Values longer than the old column limits, end to end on SQLite and PostgreSQL alike.

PostgreSQL enforced the warehouse's former ``VARCHAR`` lengths (SQLite ignores them): a deal amount over
40 characters or a channel name over 64 stopped a live run midway with ``StringDataRightTruncation``,
after other sources were written. Both now complete, and store the values whole, on both dialects.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from settings import DEFAULT_CHANNELS
from tests.factories import deal
from tests.test_reliability_support import LiveRun, small_fixture

pytestmark = pytest.mark.slow

# 61 characters, exact: a HubSpot amount carries as many decimals as the portal was sent.
LONG_AMOUNT = "12000." + "0" * 54 + "1"
LONG_CHANNEL = "Paid Social: LinkedIn sponsored content and conversation ads, EMEA and APAC"


def test_a_long_amount_and_a_long_channel_name_complete_on_every_dialect(
    warehouse_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    assert len(LONG_AMOUNT) > 40 and len(LONG_CHANNEL) > 64
    fixture = small_fixture()
    fixture["hubspot"]["deals"].append(deal(400, "2024-01-03T00:00:00.000Z", amount=LONG_AMOUNT))
    live = LiveRun(tmp_path, monkeypatch, target="xlsx", fixture=fixture).start()
    config = tmp_path / "funnel-ledger.yaml"
    settings = {"channels": [*DEFAULT_CHANNELS, LONG_CHANNEL], "ads": {"linkedin_channel": LONG_CHANNEL}}
    config.write_text(json.dumps(settings), encoding="utf-8")  # JSON is YAML
    monkeypatch.setenv("FUNNEL_LEDGER_CONFIG", str(config))
    monkeypatch.setenv("WAREHOUSE_URL", warehouse_url)
    try:
        code, err = live.run(capsys)
    finally:
        live.stop()
    assert code == 0, err
    engine = sa.create_engine(warehouse_url)
    try:
        with engine.connect() as connection:
            amount = connection.execute(sa.text("SELECT amount FROM hubspot_deals WHERE deal_id = '400'")).scalar_one()
            spend = connection.execute(
                sa.text("SELECT week_start, value FROM weekly_kpis WHERE kpi_id = 'ad_spend' AND channel = :channel"),
                {"channel": LONG_CHANNEL},
            ).all()
    finally:
        engine.dispose()
    assert amount == LONG_AMOUNT
    # The fixture's one LinkedIn day (2024-01-02) spent 107.53; it now belongs to the long-named channel.
    assert sorted((str(week), value) for week, value in spend) == [("2024-01-01", 107.53), ("2024-01-08", 0.0)]
