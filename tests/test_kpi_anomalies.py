"""Single-metric anomalies, owner-row notes and the wording of Insights, hand-computed."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from assets.kpi_math import FunnelConfig
from assets.kpi_math.insights import (
    Insight,
    kpi_anomaly_insights,
    owner_tab_insights,
    without_unpulled_weeks,
)
from assets.kpi_math.insights.wording import describe_weeks, kpi_value, money, signed_pct

pytestmark = pytest.mark.unit

WEEKS = [date(2024, 1, 1) + timedelta(days=7 * i) for i in range(10)]
TARGET, AFTER = WEEKS[8], WEEKS[9]
CFG = FunnelConfig()


def _long(series: dict[tuple[str, str], list[float]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"week_start": w, "kpi_id": kpi_id, "channel": channel, "value": v}
            for (kpi_id, channel), values in series.items()
            for w, v in zip(WEEKS, values, strict=True)
        ]
    )


NAN = float("nan")
SERIES = _long(
    {
        # Mean of the 8 weeks before = 1,000, sd √(1,050 / 7) = 12.2 < Poisson noise √1,000 = 31.6:
        # z = −300 / 31.6 = −9.49, −30%.
        ("sessions", "All"): [1000, 1010, 990, 1005, 995, 1000, 1020, 980, 700, 1000],
        ("sessions", "Inbound"): [1000, 1010, 990, 1005, 995, 1000, 1020, 980, 700, 1000],  # = All: not repeated
        ("sessions", "Organic Search"): [600] * 8 + [420, 600],  # sd 0, noise √600: z = −7.35, −30%
        ("sessions", "Email"): [10] * 8 + [5, 10],  # −50% on 10 sessions: z = −1.58, chance
        # CPC 6.00 → 11.00 over 340 clicks: sampling sd 6 / √340 = 0.325 beats the history's 0.076; z = 15.4.
        ("ad_cpc", "Paid Search"): [6.0, 6.1, 5.9, 6.0, 6.0, 6.1, 5.9, 6.0, 11.0, 6.0],
        ("ad_clicks", "Paid Search"): [400] * 8 + [340, 400],
        # Key events: 30 a week, then none: a zero after 8 weeks of values (z = −30 / √30 = −5.48).
        ("key_events", "Direct"): [30, 28, 32, 30, 31, 29, 30, 30, 0, 30],
        # Spend has no sampling noise; a flat 1,000 then 1,500 is as unusual as it gets. Marketing spend
        # repeats ad spend figure for figure: one note.
        ("ad_spend", "Paid Search"): [1000] * 8 + [1500, 1000],
        ("total_spend", "Paid Search"): [1000] * 8 + [1500, 1000],
        # Only 3 weeks before with a value: no baseline, no note.
        ("new_leads", "All"): [NAN] * 5 + [50, 50, 50, 200, 50],
    }
)


def test_spikes_drops_and_zeros_against_the_8_weeks_before() -> None:
    got = kpi_anomaly_insights(SERIES, [TARGET, AFTER], CFG)

    ga4_hint = " If nothing changed on the site, check that the GA4 tag recorded the whole week."
    assert [(i.week_start, i.source, i.flag) for i in got] == [
        (TARGET, "kpis", "kpi_drop"),
        (TARGET, "kpis", "kpi_zero"),
        (TARGET, "kpis", "kpi_spike"),
        (TARGET, "kpis", "kpi_spike"),
    ]
    assert [i.detail for i in got] == [
        "Sessions fell far below the usual range: 700 this week against 1,000 on average over the 8 weeks "
        "before (−30%). Also Organic Search 420 vs 600 (−30%)." + ga4_hint,
        "Key events in Direct dropped to zero after 8 weeks with values (a tracking or sync problem?): 0 this "
        "week against 30 on average before." + ga4_hint,
        "Ad spend in Paid Search jumped far above the usual range: $1,500 this week against $1,000 on average "
        "over the 8 weeks before (+50%).",
        "CPC in Paid Search jumped far above the usual range: $11.00 this week against $6.00 on average over "
        "the 8 weeks before (+83%).",
    ]
    assert [i.value for i in got] == [
        pytest.approx(-0.3),
        pytest.approx(-1.0),
        pytest.approx(0.5),
        0.8333,  # rounded to a hundredth of a percent
    ]
    assert [i.score for i in got] == [
        pytest.approx(300 / 1000**0.5),
        pytest.approx(30 / 30**0.5),
        pytest.approx(99.0),
        pytest.approx(5 / (6 / 340**0.5)),
    ]


def test_a_small_sample_or_a_modest_move_is_not_noted() -> None:
    # Email alone: −50% but 10 sessions (z −1.58). CPC +14% on 6.00 with a noise of 0.325: z = 2.6.
    quiet = _long(
        {
            ("sessions", "Email"): [10] * 8 + [5, 10],
            ("ad_cpc", "Paid Search"): [6.0] * 8 + [6.85, 6.0],
            ("ad_clicks", "Paid Search"): [340] * 10,
            # 40 → 48 leads: +20% but z = 8 / √40 = 1.26.
            ("new_leads", "All"): [40] * 8 + [48, 40],
        }
    )
    assert kpi_anomaly_insights(quiet, [TARGET], CFG) == []


def test_baseline_weeks_a_source_was_never_pulled_for_are_unknown_not_zero() -> None:
    # GA4 was pulled from W6 on: its earlier zeros are no baseline. The run's own weeks are never blanked.
    frame = _long({("sessions", "All"): [0] * 6 + [1000, 1000, 1000, 0], ("new_leads", "All"): [0] * 10})
    out = without_unpulled_weeks(frame, {"ga4": set(WEEKS[6:9])}, keep=WEEKS[8:])
    sessions = out.loc[out["kpi_id"] == "sessions", "value"].tolist()
    assert np.isnan(sessions[:6]).all() and sessions[6:] == [1000, 1000, 1000, 0]
    assert out.loc[out["kpi_id"] == "new_leads", "value"].tolist() == [0] * 10  # HubSpot: untouched


class _Problem:
    def __init__(self, tab: str, row: int, message: str) -> None:
        self.tab, self.row, self.message = tab, row, message


def test_each_left_out_owner_row_is_named_once_on_the_latest_week() -> None:
    problems = [
        _Problem("Targets", 7, "kpi_id 'new_mql' is not a known KPI (did you mean new_mqls?)"),
        _Problem("Targets", 7, "target 'lots' is not a number"),
        _Problem("Costs", 3, "channel 'Ofline' is not a channel (did you mean Offline?)"),
        *(_Problem("Costs", row, "amount -1 is negative") for row in range(10, 22)),
    ]
    got = owner_tab_insights(problems, [WEEKS[0], WEEKS[1]])
    assert got[:2] == [
        Insight(
            WEEKS[1],
            "targets",
            "row_left_out",
            "Targets tab row 7 is left out of the numbers until it is fixed: kpi_id 'new_mql' is not a known KPI "
            "(did you mean new_mqls?); target 'lots' is not a number.",
            7.0,
        ),
        Insight(
            WEEKS[1],
            "costs",
            "row_left_out",
            "Costs tab row 3 is left out of the numbers until it is fixed: channel 'Ofline' is not a channel "
            "(did you mean Offline?).",
            3.0,
        ),
    ]
    # 13 Costs rows: 10 named, then one note for the other 3.
    assert [i.flag for i in got].count("row_left_out") == 11
    assert got[-1] == Insight(
        WEEKS[1],
        "costs",
        "rows_left_out",
        "3 more Costs rows are left out of the numbers; `funnel-ledger check` lists every one.",
        3.0,
    )
    assert owner_tab_insights([], WEEKS) == []


def test_numbers_and_weeks_in_words() -> None:
    assert [money(11.056), money(6765.4), money(-1234.5, "EUR"), money(12.5, "CHF")] == [
        "$11.06",
        "$6,765",
        "−€1,234",
        "12.50 CHF",
    ]
    assert kpi_value("pageviews_per_session", 1.864) == "1.9x"
    assert kpi_value("ltv_to_cac", 10.615) == "10.6x"
    assert kpi_value("win_rate", 0.2857) == "28.6%"
    assert kpi_value("ad_ctr", 0.0085) == "0.85%"
    assert kpi_value("sessions", 3230.625) == "3,231"
    assert kpi_value("new_mqls", 2.75) == "2.8"
    assert [signed_pct(0.8105), signed_pct(-0.0999999999), signed_pct(0.042)] == ["+81%", "−10%", "+4.2%"]
    run = WEEKS[:6]
    assert describe_weeks(run, run) == "every week of the run (2024-01-01 to 2024-02-05)"
    assert describe_weeks([WEEKS[2]], run) == "the week of 2024-01-15"
    assert describe_weeks([WEEKS[0], WEEKS[1], WEEKS[2], WEEKS[4]], run) == (
        "4 weeks: 2024-01-01 to 2024-01-15 and 2024-01-29"
    )
    scattered = WEEKS[0:10:2]
    assert describe_weeks(scattered, WEEKS) == (
        "5 weeks: 2024-01-01, 2024-01-15, 2024-01-29, 2024-02-12 and 1 more stretches"
    )
