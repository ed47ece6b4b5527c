"""End to end through the CLI: fixture → HubSpot emulator → warehouse → KPIs → workbook, twice."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from pipelines.cli import main
from tests.factories import PIPELINES, contact, deal, ga4_session, meeting

pytestmark = pytest.mark.slow

W1, W2 = "2024-01-01", "2024-01-08"


def _fixture() -> dict:
    return {
        "hubspot": {
            "contacts": [
                contact(
                    1,
                    "2024-01-01T10:00:00.000Z",
                    stage="marketingqualifiedlead",
                    source="PAID_SOCIAL",
                    hs_v2_date_entered_lead="2024-01-02T10:00:00.000Z",
                    hs_v2_date_entered_marketingqualifiedlead="2024-01-09T10:00:00.000Z",
                ),
                # Skipped every stage up to customer: entered lead..customer on its customer date.
                contact(
                    2,
                    "2024-01-03T10:00:00.000Z",
                    stage="customer",
                    source="ORGANIC_SEARCH",
                    hs_lifecyclestage_customer_date="2024-01-10T10:00:00.000Z",
                ),
                # No stage dates: a lead since its createdate.
                contact(3, "2024-01-04T10:00:00.000Z", stage="lead", source="OFFLINE"),
                contact(4, "2024-01-05T10:00:00.000Z", stage="lead", source="EMAIL_MARKETING", archived=True),
                contact(
                    5,
                    "2024-01-09T10:00:00.000Z",
                    stage="subscriber",
                    hs_v2_date_entered_subscriber="2024-01-09T10:00:00.000Z",
                ),
            ],
            "deals": [
                deal(
                    90,
                    "2024-01-03T00:00:00.000Z",
                    amount="12000",
                    stage="closedwon",
                    close="2024-01-10T00:00:00.000Z",
                    contacts=["2"],
                ),
                deal(
                    91,
                    "2024-01-04T00:00:00.000Z",
                    amount=None,
                    close="2024-03-01T00:00:00.000Z",
                    contacts=["3", "1"],
                ),
            ],
            "meetings": [
                meeting(7, "2024-01-02T00:00:00.000Z"),
                meeting(8, "2024-01-03T00:00:00.000Z", "CANCELED"),
            ],
            "pipelines": PIPELINES,
        },
        "linkedin": {
            "account_id": "512388408",
            "currency": "USD",
            "campaigns": [{"id": 111, "name": "Demo request", "status": "ACTIVE"}],
            "analytics": [
                {
                    "dateRange": {
                        "start": {"year": 2024, "month": 1, "day": 2},
                        "end": {"year": 2024, "month": 1, "day": 2},
                    },
                    "pivotValues": ["urn:li:sponsoredCampaign:111"],
                    "impressions": 1000,
                    "clicks": 20,
                    "costInLocalCurrency": "107.5300000000000335346",
                    "externalWebsiteConversions": 3,
                    "oneClickLeads": 2,
                }
            ],
        },
        "google_ads": {
            "customer_id": "1234567890",
            "currency": "USD",
            "time_zone": "UTC",
            "rows": [
                {
                    "campaign": {"id": "7", "name": "Brand"},
                    "metrics": {"impressions": "500", "clicks": "25", "costMicros": "2500000000", "conversions": 1.5},
                    "segments": {"date": "2024-01-03"},
                }
            ],
        },
        "ga4": {
            "property_id": "123456",
            "time_zone": "UTC",
            "sessions": [
                ga4_session("2024-01-01", "u1", "Organic Search", new=True, duration=30),
                ga4_session("2024-01-02", "u1", "Paid Social", duration=90),
                ga4_session("2024-01-02", "u2", "Organic Search", engaged=False, duration=0),
                ga4_session("2024-01-03", "u3", "Unassigned", new=True, duration=120),
                ga4_session("2024-01-09", "u1", "Organic Search", duration=60),
            ],
        },
    }


def _tracker(path: Path) -> tuple[list[str], dict[tuple[str, str], dict[str, object]]]:
    """Week headers and ``{(KPI, channel): {week: value}}``; a blank KPI cell belongs to the block above."""
    sheet = openpyxl.load_workbook(path)["Tracker"]
    rows = list(sheet.iter_rows(values_only=True))
    header = [str(h) for h in rows[0]]
    weeks = header[2:]
    cells: dict[tuple[str, str], dict[str, object]] = {}
    kpi = ""
    for row in rows[1:]:
        kpi = str(row[0]) if row[0] else kpi
        if row[1]:  # section header rows have no channel
            cells[(kpi, str(row[1]))] = dict(zip(weeks, row[2:], strict=True))
    return weeks, cells


def _snapshot_rows(path: Path) -> list[tuple]:
    return list(openpyxl.load_workbook(path)["Snapshots"].iter_rows(values_only=True))


@pytest.fixture
def demo_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FUNNEL_LEDGER_DATA_DIR", str(tmp_path / "data"))
    for name in ("DAGSTER_HOME", "FUNNEL_LEDGER_CONFIG", "WAREHOUSE_URL", "TRACKER_WORKBOOK"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def test_fixture_demo_computes_hand_checked_numbers_and_reruns_append_nothing(
    demo_dir: Path, warehouse_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    monkeypatch.setenv("WAREHOUSE_URL", warehouse_url)
    fixture = demo_dir / "fixture.json"
    fixture.write_text(json.dumps(_fixture()))
    workbook = demo_dir / "tracker.xlsx"
    args = [
        "demo",
        "--fixture",
        str(fixture),
        "--from",
        W1,
        "--to",
        W2,
        "--as-of",
        "2024-02-01T00:00:00Z",
        "--workbook",
        str(workbook),
    ]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert f"Tracker: {workbook}" in out and "New leads" in out

    weeks, cells = _tracker(workbook)
    assert weeks == [W1, W2]
    expected = {
        ("New contacts", "All"): [3, 1],
        ("New contacts", "Outbound"): [1, 0],
        ("New leads", "All"): [2, 1],
        ("New leads", "Paid Social"): [1, 0],
        ("New leads", "Outbound"): [1, 0],  # Offline is Outbound's only channel: one row for both
        ("New leads", "Organic Search"): [0, 1],
        ("New MQLs", "All"): [0, 2],
        ("New customers", "All"): [0, 1],
        ("Lead → customer rate", "All"): [0, 1],
        ("Cohort: reached lead", "All"): [3, 0],
        ("Cohort: reached MQL", "All"): [2, 0],
        ("Cohort: reached customer", "All"): [1, 0],
        ("Meetings booked", "All"): [1, 0],
        ("New deals", "All"): [2, 0],
        ("Pipeline created", "All"): [12000, 0],
        ("Pipeline created", "Organic Search"): [12000, 0],
        ("Deals won", "All"): [0, 1],
        ("Revenue won", "All"): [0, 12000],
        ("Win rate", "All"): [None, 1],
        ("Average sales cycle", "All"): [None, 7],
        ("New MRR", "All"): [0, 1000],
        ("Open pipeline", "All"): [12000, 0],
        ("Weighted pipeline", "All"): [12000, 0],
    }
    for key, values in expected.items():
        assert [cells[key][W1], cells[key][W2]] == values, key
    # Web: u1 came back on another day through another channel; the week has 3 users, not 4.
    web = {
        ("Sessions", "All"): [4, 1],
        ("Sessions", "Organic Search"): [2, 1],
        ("Sessions", "Paid Social"): [1, 0],
        ("Sessions", "Other"): [1, 0],
        ("Users", "All"): [3, 1],
        ("Users", "Organic Search"): [2, 1],
        ("Users", "Paid Social"): [1, 0],
        ("Users", "Other"): [1, 0],
        ("New users", "All"): [2, 0],
        ("Engaged sessions", "All"): [3, 1],
        ("Engagement rate", "All"): [0.75, 1],
        ("Avg. session duration", "All"): [60, 60],
        ("Pages per session", "All"): [2, 2],
        ("Visit → lead rate", "All"): [0.5, 1],
    }
    for key, values in web.items():
        assert [cells[key][W1], cells[key][W2]] == values, key
    channel_users = sum(cells[("Users", c)][W1] for c in ("Organic Search", "Paid Social", "Other"))
    assert channel_users == 4 != cells[("Users", "All")][W1]
    # Rows no source fills, or that can only repeat the row above, are left out of the Tracker only.
    assert ("Users", "Inbound") not in cells and ("Sessions", "Outbound") not in cells
    assert ("New leads", "Offline") not in cells
    # Paid media and spend: LinkedIn's long decimal cost kept exact until display.
    assert cells[("Ad spend", "Paid Social")][W1] == pytest.approx(107.53)
    assert cells[("Ad spend", "Paid Search")][W1] == pytest.approx(2500.0)
    assert cells[("Ad spend", "All")][W1] == pytest.approx(2607.53)
    assert [cells[("Ad spend", "All")][W1], cells[("Ad spend", "All")][W2]] == [pytest.approx(2607.53), 0]
    assert cells[("Ad clicks", "All")][W1] == 45 and cells[("Lead-form leads", "All")][W1] == 2
    assert cells[("Platform conversions", "All")][W1] == pytest.approx(4.5)
    assert cells[("CTR", "All")][W1] == pytest.approx(45 / 1500)
    assert cells[("CPC", "All")][W1] == pytest.approx(2607.53 / 45)
    assert cells[("CPM", "All")][W1] == pytest.approx(1000 * 2607.53 / 1500)
    assert cells[("CPC", "All")][W2] is None  # no clicks: undefined, never 0
    assert cells[("Marketing spend", "All")][W1] == pytest.approx(2607.53)
    assert cells[("Cost per lead (CPL)", "All")][W1] == pytest.approx(2607.53 / 2)
    assert cells[("Cost per lead (CPL)", "Paid Social")][W1] == pytest.approx(107.53)
    assert cells[("Customer acquisition cost", "All")][W1] is None  # no new customer in W1
    assert ("Ad spend", "Organic Search") not in cells  # no spend source there: no row, not a 0
    assert ("Marketing spend", "Offline") not in cells

    cohort_rate = cells[("Cohort contact → customer", "All")][W1]
    assert cohort_rate == pytest.approx(1 / 3)
    # No target on the Targets tab: coverage stays blank, never 0.
    assert cells[("Pipeline coverage", "All")][W1] is None

    insights = list(openpyxl.load_workbook(workbook)["Insights"].iter_rows(values_only=True))
    assert insights[0][:5] == ("week_start", "source", "flag", "detail", "value")
    unmapped = [row for row in insights[1:] if row[2] == "unmapped_sources"]
    assert [(row[0], row[1], row[4]) for row in unmapped] == [(W2, "hubspot", 1)]  # contact 5 has no source

    snapshots = _snapshot_rows(workbook)
    assert snapshots[0] == (
        "snapshot_at",
        "run_id",
        "week_start",
        "kpi_id",
        "kpi_version",
        "channel",
        "value",
    )
    assert len(snapshots) > 1
    assert all(datetime.fromisoformat(str(row[0]).replace("Z", "+00:00")) for row in snapshots[1:])
    # Snapshots keep every KPI and slice, with the values the Tracker no longer shows as rows.
    kept = {(row[2], row[3], row[5]): row[6] for row in snapshots[1:]}
    assert kept[(W1, "users", "Inbound")] == 3 and kept[(W1, "new_leads", "Offline")] == 1
    assert kept[(W1, "sessions", "Outbound")] == 0

    # The owner adds a tab of their own; the next run keeps it and appends no snapshot (nothing changed).
    book = openpyxl.load_workbook(workbook)
    book.create_sheet("Notes")["A1"] = '=HYPERLINK("x")'
    book.save(workbook)
    assert main(args) == 0
    assert _snapshot_rows(workbook) == snapshots
    assert _tracker(workbook) == (weeks, cells)
    reread = openpyxl.load_workbook(workbook)
    assert "Notes" in reread.sheetnames and reread["Notes"]["A1"].value == '=HYPERLINK("x")'


def test_a_rerun_with_the_same_inputs_leaves_the_workbook_unread_until_an_input_or_the_file_changes(
    demo_dir: Path, capsys: pytest.CaptureFixture[str]
):
    fixture = demo_dir / "fixture.json"
    fixture.write_text(json.dumps(_fixture()))
    workbook = demo_dir / "tracker.xlsx"
    args = ["demo", "--fixture", str(fixture), "--from", W1, "--to", W2, "--as-of", "2024-02-01T00:00:00Z"]
    args += ["--workbook", str(workbook)]
    unread = "nothing to write, the workbook was left as it was (not read)"
    assert main(args) == 0
    assert unread not in capsys.readouterr().err
    written = workbook.read_bytes()

    assert main(args) == 0
    err = capsys.readouterr().err
    assert unread in err and "the warehouse already held every one of them, left as it was" in err
    assert workbook.read_bytes() == written

    # Another as-of instant is another input (cohort maturity, the Scorecard's date): the workbook is read.
    assert main([*args[:-4], "--as-of", "2024-02-02T00:00:00Z", *args[-2:]]) == 0
    assert unread not in capsys.readouterr().err

    # The owner types over a KPI cell and saves: the file is no longer the one written, so it is read and the
    # pipeline's number written back, although every input is as before.
    assert main(args) == 0
    capsys.readouterr()
    book = openpyxl.load_workbook(workbook)
    row = next(r for r in range(1, book["Tracker"].max_row + 1) if book["Tracker"].cell(r, 1).value == "New leads")
    typed_over = book["Tracker"].cell(row, 3).value
    book["Tracker"].cell(row, 3).value = 999
    book.save(workbook)
    assert main(args) == 0
    err = capsys.readouterr().err
    assert unread not in err and "1 cells changed by hand written back" in err
    assert openpyxl.load_workbook(workbook)["Tracker"].cell(row, 3).value == typed_over

    # A changed setting is a new input too.
    config = demo_dir / "funnel-ledger.yaml"
    config.write_text("scorecard: [new_leads]\n")
    assert main([*args, "--config", str(config)]) == 0
    assert unread not in capsys.readouterr().err


def test_synthetic_demo_tracks_26_weeks_and_a_rerun_appends_no_snapshot(demo_dir: Path):
    assert main(["demo"]) == 0
    workbook = demo_dir / "data" / "tracker.xlsx"
    weeks, cells = _tracker(workbook)
    assert len(weeks) == 26
    book = openpyxl.load_workbook(workbook)
    assert book.sheetnames[:2] == ["Scorecard", "Tracker"] and book.active.title == "Scorecard"
    tracker = book["Tracker"]
    shown = [r for r in range(1, tracker.max_row + 1) if not tracker.row_dimensions[r].hidden]
    # All and the groups by default (57 KPIs in 6 sections); the channel rows are collapsed under them.
    assert len(shown) <= 130 < tracker.max_row
    scorecard = [row[:2] for row in book["Scorecard"].iter_rows(min_row=6, values_only=True)]
    assert scorecard[:3] == [("New contacts", "All"), (None, "Inbound"), (None, "Outbound")]
    for name in (
        "New leads",
        "New MQLs",
        "New SQLs",
        "New opportunities",
        "New customers",
        "Revenue won",
        "Pipeline created",
        "Win rate",
        "Cohort: reached lead",
        "Meetings booked",
        "Sales velocity",
    ):
        assert (name, "All") in cells, name
    assert sum(v for v in cells[("New leads", "All")].values() if isinstance(v, int | float)) > 100
    snapshots = _snapshot_rows(workbook)
    assert main(["demo"]) == 0
    assert _snapshot_rows(workbook) == snapshots


def test_live_mode_without_a_token_fails_before_anything_moves(demo_dir: Path, monkeypatch, capsys):
    monkeypatch.delenv("HUBSPOT_ACCESS_TOKEN", raising=False)
    assert main(["run"]) == 2
    assert "HUBSPOT_ACCESS_TOKEN is not set" in capsys.readouterr().err
    assert not (demo_dir / "data").exists()


def test_a_bad_setting_is_named_and_nothing_runs(demo_dir: Path, capsys):
    config = demo_dir / "funnel-ledger.yaml"
    config.write_text("week_start: friday\n")
    assert main(["demo", "--config", str(config)]) == 2
    assert "setting 'week_start'" in capsys.readouterr().err
    assert not (demo_dir / "data").exists()


def test_demo_refuses_a_google_sheet_target_before_anything_moves(demo_dir: Path, monkeypatch, capsys):
    monkeypatch.setenv("TRACKER_SPREADSHEET_ID", "1AbCdEf")
    assert main(["demo"]) == 2
    assert "demo mode never writes to a Google Sheet" in capsys.readouterr().err
    assert not (demo_dir / "data").exists()
