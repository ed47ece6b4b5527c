"""The KPI catalog against KPIS.md, and kpi_version format, stability and sensitivity."""

from __future__ import annotations

import dataclasses
import hashlib
import re
from pathlib import Path

import pytest

from assets.kpi_math import CATALOG, CATALOG_BY_ID, CATALOG_POSITION, SECTIONS, kpi_version, scroll_depth_kpi

pytestmark = pytest.mark.unit

_CANDIDATES = (Path(__file__).resolve().parents[2] / "shared" / "KPIS.md", Path("/work/shared/KPIS.md"))
KPIS_MD = next((p for p in _CANDIDATES if p.exists()), None)
_SECTION_OF_HEADING = {
    "Web (GA4)": "Web",
    "Paid media": "Paid media",
    "Funnel, flow view": "Funnel (flow)",
    "Funnel, cohort view": "Funnel (cohort)",
    "Pipeline and revenue": "Pipeline & revenue",
    "Efficiency": "Efficiency",
}


def _parse_kpis_md(text: str) -> list[dict[str, str]]:
    """Rows of the §3 tables: kpi_id, name, type, unit, dir, section (in document order)."""
    rows: list[dict[str, str]] = []
    section, default_type = "", ""
    header: list[str] = []
    for line in text.splitlines():
        heading = re.match(r"^### (.+?)(?: \(.*?\))?(?: — (\w+).*)?$", line)
        if heading:
            title = line[4:].split(" — ")[0].strip()
            section = next((v for k, v in _SECTION_OF_HEADING.items() if title.startswith(k)), "")
            default_type = heading.group(2) or ""
            header = []
            continue
        if not line.startswith("|") or not section:
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells[0] == "kpi_id":
            header = cells
            continue
        if not header or set(cells[0]) <= {"-"}:
            continue
        row = dict(zip(header, cells, strict=False))
        rows.append(
            {
                "kpi_id": row["kpi_id"].strip("`"),
                "name": row["name"],
                "type": row.get("type", default_type),
                "unit": row["unit"],
                "dir": row["dir"],
                "section": section,
            }
        )
    return rows


@pytest.fixture(scope="module")
def spec_rows() -> list[dict[str, str]]:
    if KPIS_MD is None:
        pytest.skip("shared/KPIS.md not available")
    return _parse_kpis_md(KPIS_MD.read_text(encoding="utf-8"))


def test_catalog_ids_match_kpis_md_in_order(spec_rows: list[dict[str, str]]) -> None:
    spec_ids = [r["kpi_id"] for r in spec_rows if r["kpi_id"] != "scroll_depth_<p>"]
    assert len(spec_ids) == 57  # 8 web + 8 paid + 7 flow + 11 cohort + 16 pipeline + 7 efficiency
    assert [k.kpi_id for k in CATALOG] == spec_ids


def test_catalog_fields_match_kpis_md(spec_rows: list[dict[str, str]]) -> None:
    for row in spec_rows:
        if row["kpi_id"] == "scroll_depth_<p>":
            for p in (25, 50, 75, 100):
                kpi = scroll_depth_kpi(p)
                assert kpi.name == row["name"].replace("p%", f"{p}%")
                assert (kpi.unit, kpi.direction, kpi.kpi_type, kpi.section) == (
                    row["unit"],
                    row["dir"],
                    row["type"],
                    row["section"],
                )
            continue
        kpi = CATALOG_BY_ID[row["kpi_id"]]
        assert (kpi.name, kpi.unit, kpi.direction, kpi.kpi_type, kpi.section) == (
            row["name"],
            row["unit"],
            row["dir"],
            row["type"],
            row["section"],
        ), row["kpi_id"]


def test_parser_reads_types_from_headings_and_columns(spec_rows: list[dict[str, str]]) -> None:
    by_id = {r["kpi_id"]: r for r in spec_rows}
    assert by_id["sessions"]["type"] == "leading"  # from the heading
    assert by_id["new_customers"]["type"] == "lagging"  # from the type column
    assert by_id["total_spend"]["type"] == "leading"  # "lagging unless noted": the column notes it


@pytest.mark.parametrize(
    ("kpi_id", "slices"),
    [
        ("sessions", "all"),
        ("users", "all"),
        ("ad_spend", "paid"),
        ("ad_cpm", "paid"),
        ("new_leads", "all"),
        ("meetings_booked", "all_only"),
        ("marketing_share_of_pipeline", "all_only"),
        ("pipeline_coverage", "all"),
        ("total_spend", "spend"),
        ("cac", "spend"),
        ("ltv_to_cac", "spend"),
        ("visit_to_lead_rate", "all"),
    ],
)
def test_slices(kpi_id: str, slices: str) -> None:
    assert CATALOG_BY_ID[kpi_id].slices == slices


def test_catalog_invariants() -> None:
    ids = [k.kpi_id for k in CATALOG]
    assert len(ids) == len(set(ids)) == len(CATALOG_BY_ID)
    sections = [k.section for k in CATALOG]
    # sections appear in the catalog's section order, each as one run
    assert sorted(set(sections), key=SECTIONS.index) == [s for i, s in enumerate(sections) if s not in sections[:i]]
    for kpi in CATALOG:
        assert kpi.definition_number == 1
        assert len(kpi.definition) > 20, kpi.kpi_id
        assert kpi.settings_read[:2] == ("timezone", "week_start"), kpi.kpi_id
        assert len(set(kpi.settings_read)) == len(kpi.settings_read)
        if kpi.source == "hubspot" and kpi.slices == "all":
            assert {"channel_map", "channel_groups"} <= set(kpi.settings_read), kpi.kpi_id
        if kpi.section in ("Funnel (flow)", "Funnel (cohort)") and kpi.kpi_id not in (
            "new_contacts",
            "meetings_booked",
        ):
            assert "stages" in kpi.settings_read, kpi.kpi_id
        if kpi.section == "Pipeline & revenue" and kpi.kpi_id not in (
            "new_customers",
            "lead_to_customer_rate",
        ):
            assert "pipelines" in kpi.settings_read, kpi.kpi_id
    uses_basis = {k.kpi_id for k in CATALOG if "deal_amount_basis" in k.settings_read}
    assert uses_basis == {"new_mrr", "ltv_to_cac"}
    assert CATALOG_BY_ID["ad_spend"].source == "ads"
    assert CATALOG_BY_ID["sessions"].source == "ga4"
    assert CATALOG_BY_ID["total_spend"].source == "mixed"


def test_definitions_state_the_choices() -> None:
    assert "prorated" in CATALOG_BY_ID["pipeline_coverage"].definition
    assert "one_time" in CATALOG_BY_ID["new_mrr"].definition
    assert "still open" in CATALOG_BY_ID["open_pipeline"].definition
    assert "shows 0" in CATALOG_BY_ID["avg_deal_size"].definition
    assert "86,400" in CATALOG_BY_ID["avg_sales_cycle_days"].definition


def test_scroll_depth() -> None:
    kpi = scroll_depth_kpi(75)
    assert (kpi.kpi_id, kpi.name, kpi.slices, kpi.source) == (
        "scroll_depth_75",
        "Scroll depth 75%",
        "all",
        "ga4",
    )
    assert "scroll_depth_events" in kpi.settings_read
    assert "scroll_depth_75" not in CATALOG_BY_ID
    assert CATALOG_POSITION["key_events"] < CATALOG_POSITION["scroll_depth_25"] < CATALOG_POSITION["ad_impressions"]
    with pytest.raises(ValueError, match="scroll depth"):
        scroll_depth_kpi(60)


# ---------------------------------------------------------------- kpi_version

SETTINGS: dict[str, object] = {
    "timezone": "UTC",
    "week_start": "monday",
    "currency": "USD",
    "stages": [
        "subscriber",
        "lead",
        "marketingqualifiedlead",
        "salesqualifiedlead",
        "opportunity",
        "customer",
    ],
    "channel_map": {"map": {"PAID_SOCIAL": "Paid Social"}, "refinements": []},
    "channel_groups": {"Inbound": ["Paid Social", "Other"], "Outbound": ["Offline"]},
    "pipelines": "all",
    "deal_amount_basis": "arr",
    "gross_margin": None,
    "monthly_churn_rate": None,
}


def test_kpi_version_is_hand_computable() -> None:
    kpi = CATALOG_BY_ID["meetings_booked"]
    assert kpi.settings_read == ("timezone", "week_start")
    expected = hashlib.sha256(b'{"timezone":"UTC","week_start":"monday"}').hexdigest()[:6]
    assert kpi_version(kpi, SETTINGS) == f"1.{expected}"


@pytest.mark.parametrize("kpi", CATALOG, ids=lambda k: k.kpi_id)
def test_kpi_version_format_and_stability(kpi: object) -> None:
    version = kpi_version(kpi, SETTINGS)  # type: ignore[arg-type]
    assert re.fullmatch(r"1\.[0-9a-f]{6}", version)
    reordered = dict(reversed(list(SETTINGS.items())))
    assert kpi_version(kpi, reordered) == version  # type: ignore[arg-type]
    assert kpi_version(kpi, {**SETTINGS, "unrelated": 42}) == version  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kpi_id", "key", "new_value", "changes"),
    [
        ("new_mrr", "deal_amount_basis", "mrr", True),
        ("revenue_won", "deal_amount_basis", "mrr", False),
        ("new_leads", "stages", ["lead", "customer"], True),
        ("new_contacts", "stages", ["lead", "customer"], False),
        ("new_deals", "pipelines", ["default"], True),
        ("new_leads", "pipelines", ["default"], False),
        ("meetings_booked", "timezone", "Europe/Warsaw", True),
        ("meetings_booked", "channel_map", {"map": {}}, False),
        ("new_leads", "channel_map", {"map": {}, "refinements": []}, True),
        ("ltv_to_cac", "gross_margin", 0.8, True),
        ("cac", "gross_margin", 0.8, False),
        ("sessions", "week_start", "sunday", True),
    ],
)
def test_kpi_version_sensitivity(kpi_id: str, key: str, new_value: object, changes: bool) -> None:
    kpi = CATALOG_BY_ID[kpi_id]
    before = kpi_version(kpi, SETTINGS)
    after = kpi_version(kpi, {**SETTINGS, key: new_value})
    assert (before != after) is changes


def test_kpi_version_definition_number_and_missing_keys() -> None:
    kpi = CATALOG_BY_ID["new_leads"]
    bumped = dataclasses.replace(kpi, definition_number=2)
    v1, v2 = kpi_version(kpi, SETTINGS), kpi_version(bumped, SETTINGS)
    assert v2 == "2." + v1.split(".")[1]
    # A key the settings do not carry fingerprints as null (and differs from a present value).
    sessions = CATALOG_BY_ID["sessions"]
    assert "ga4_channel_map" in sessions.settings_read
    assert kpi_version(sessions, SETTINGS) != kpi_version(sessions, {**SETTINGS, "ga4_channel_map": {"x": "y"}})
