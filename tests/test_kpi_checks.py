"""The KPI asset's checks: additivity (All = groups = sum of channels), on hand-made frames and against the
row-by-row rule it replaced."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd
import pytest

from assets.kpi_checks import TOLERANCE, additivity_violations
from settings import GROUPS, Settings, parse_settings

pytestmark = pytest.mark.unit

W1 = date(2026, 11, 2)


def _row_by_row(values: pd.DataFrame, settings: Settings) -> list[dict[str, Any]]:
    """The former implementation (iterrows), kept as the oracle of the vectorised one."""
    frame = values[values["kpi_id"].isin({"new_contacts", "ad_spend", "open_pipeline"})]
    if frame.empty:
        return []
    table = frame.pivot_table(
        index=["week_start", "kpi_id"], columns="channel", values="value", aggfunc="sum", dropna=False
    )
    channels = [c for c in settings.channels if c in table.columns]
    groups = [g for g in GROUPS if g in table.columns]
    out = []
    for index, row in table.iterrows():
        week, kpi_id = (str(part) for part in index)  # type: ignore[union-attr,attr-defined]
        total = row.get("All")
        if total is None or pd.isna(total) or not channels:
            continue
        by_channel = float(row[channels].fillna(0).sum())
        by_group = float(row[groups].fillna(0).sum()) if groups else total
        limit = TOLERANCE * max(1.0, abs(total))
        if abs(total - by_channel) > limit or abs(total - by_group) > limit:
            out.append({"week": week, "kpi_id": kpi_id, "all": total, "groups": by_group, "channels": by_channel})
    return out


def _frame(rows: list[tuple[date, str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["week_start", "kpi_id", "channel", "value"])


def test_a_consistent_week_has_no_violation_and_a_broken_one_is_named() -> None:
    settings = parse_settings({})
    channels = list(settings.channels)
    rows = [
        (W1, "new_contacts", "All", 10.0),
        (W1, "new_contacts", "Inbound", 7.0),
        (W1, "new_contacts", "Outbound", 3.0),
    ]
    rows += [(W1, "new_contacts", c, 0.0) for c in channels]
    rows[3 + channels.index("Organic Search")] = (W1, "new_contacts", "Organic Search", 7.0)
    rows[3 + channels.index("Offline")] = (W1, "new_contacts", "Offline", 3.0)
    assert additivity_violations(_frame(rows), settings) == []
    broken = [*rows, (W1 + timedelta(weeks=1), "new_contacts", "All", 5.0)]
    broken += [(W1 + timedelta(weeks=1), "new_contacts", "Inbound", 4.0)]
    assert additivity_violations(_frame(broken), settings) == [
        {"week": "2026-11-09", "kpi_id": "new_contacts", "all": 5.0, "groups": 4.0, "channels": 0.0}
    ]


def test_non_additive_kpis_and_missing_totals_are_not_checked() -> None:
    settings = parse_settings({})
    rows = [(W1, "cost_per_lead", "All", 10.0), (W1, "cost_per_lead", "Inbound", 1.0)]
    rows += [(W1, "new_contacts", "Inbound", 1.0), (W1, "new_contacts", "All", float("nan"))]
    assert additivity_violations(_frame(rows), settings) == []


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_same_violations_as_the_row_by_row_rule(seed: int) -> None:
    settings = parse_settings({})
    rng = np.random.default_rng(seed)
    slices = ["All", *GROUPS, *settings.channels]
    rows = []
    for w in range(30):
        for kpi_id in ("new_contacts", "ad_spend", "open_pipeline"):
            values = rng.random(len(settings.channels)) * 1000
            values[rng.random(len(values)) < 0.2] = np.nan
            channel = dict(zip(settings.channels, values, strict=True))
            inbound = float(np.nansum([channel[c] for c in settings.channels if c != "Offline"]))
            cells = {
                "All": inbound + np.nan_to_num(channel["Offline"]),
                "Inbound": inbound,
                "Outbound": channel["Offline"],
            }
            cells.update(channel)
            if rng.random() < 0.3:  # a broken week
                cells[str(rng.choice(slices))] = float(rng.random() * 100)
            if rng.random() < 0.1:
                cells["All"] = np.nan
            rows += [(W1 + timedelta(weeks=w), kpi_id, name, float(v)) for name, v in cells.items()]
    frame = _frame(rows)
    got = additivity_violations(frame, settings)
    expected = _row_by_row(frame, settings)
    assert got == expected
    assert 5 < len(got) < len(rows)
