"""Numbers outside the sheet read as on it: the CLI headlines and the Dagster metadata previews."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from assets.tracker import scorecard_preview
from assets.weekly_kpis import _preview
from pipelines.cli import headline_lines
from settings import parse_settings
from tests.test_scorecard import card  # noqa: F401 (the Scorecard fixture)

pytestmark = pytest.mark.unit

W1, W2 = date(2026, 11, 16), date(2026, 11, 23)


def values() -> pd.DataFrame:
    rows = [
        (W1, "new_mqls", "All", 25.0),
        (W2, "new_mqls", "All", 20.0),
        (W1, "revenue_won", "All", 23722.0),
        (W2, "revenue_won", "All", 6765.4),
        (W2, "win_rate", "All", 0.286),
        (W1, "win_rate", "All", 0.4),
        (W2, "pipeline_coverage", "All", 2.54),
        (W2, "cost_per_lead", "All", float("nan")),
        (W2, "new_mqls", "Inbound", 19.0),
    ]
    return pd.DataFrame(rows, columns=["week_start", "kpi_id", "channel", "value"])


def test_cli_headlines_follow_the_scorecard_setting_and_format_by_unit() -> None:
    settings = parse_settings(
        {"scorecard": ["new_mqls", "revenue_won", "win_rate", "pipeline_coverage", "cost_per_lead"], "currency": "EUR"}
    )

    lines = headline_lines(values(), settings, W2)

    assert [line.split() for line in lines] == [
        ["New", "MQLs", "20", "(-20%", "vs", "the", "week", "before)"],
        ["Revenue", "won", "€6,765", "(-71%", "vs", "the", "week", "before)"],
        ["Win", "rate", "28.6%", "(-11.4", "pp", "vs", "the", "week", "before)"],
        ["Pipeline", "coverage", "2.5x"],
        ["Cost", "per", "lead", "(CPL)", "empty"],
    ]


def test_kpi_preview_formats_by_unit() -> None:
    table = _preview(values(), W2, "USD").splitlines()
    assert table[:2] == ["| KPI | value |", "|---|---|"]
    assert table[2:] == [
        "| new_mqls | 20 |",
        "| revenue_won | $6,765 |",
        "| win_rate | 28.6% |",
        "| pipeline_coverage | 2.5x |",
        "| cost_per_lead |  |",
    ]


def test_scorecard_preview_lists_the_all_lines(card) -> None:  # noqa: F811 (the fixture)
    table = scorecard_preview(card).splitlines()
    assert table[0] == "Week of 2026-11-09 (All)"
    assert table[4:7] == [
        "| New MQLs | 20 | -20% | 95% |",
        "| Marketing spend | $1,200 | +20% |  |",
        "| Cost per lead | $150 | +50% | 125% |",
    ]
    assert "| Cohort: reached MQL | 4 | -67% | immature |" in table
