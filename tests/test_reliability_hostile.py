"""Hostile CRM data: formula-like text reaches the sheet and the workbook as text; long, emoji,
right-to-left and control-character text, absurd amounts, 1970/2100 dates and a repeated id are counted
right or reported on the Insights tab, never a crash or a silent wrong number."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest

from emulators import faults as f
from tests.factories import contact, deal
from tests.test_reliability_support import LiveRun, small_fixture

pytestmark = pytest.mark.slow

W1, W2 = "2024-01-02T10:00:00.000Z", "2024-01-09T10:00:00.000Z"
# Each twice, so they are the most frequent unknown sources and the Insights detail lists them.
FORMULAS_W1 = ["=1+2", "+SUM(A1:A9)", "-2+3"]
FORMULAS_W2 = ["@cmd", "\tTAB", "\rCR"]
ODD_TEXT_W1 = ["🚀 launch", "مرحبا بالعالم", "x" * 5000]
ODD_TEXT_W2 = ["a\x00b\x07c"]


def _hostile_fixture() -> dict[str, Any]:
    fixture = small_fixture()
    contacts = fixture["hubspot"]["contacts"]
    next_id = iter(range(100, 200))
    for created, texts in ((W1, FORMULAS_W1), (W2, FORMULAS_W2)):
        for text in texts:
            contacts += [contact(next(next_id), created, stage="lead", source=text) for _ in range(2)]
    for created, texts in ((W1, ODD_TEXT_W1), (W2, ODD_TEXT_W2)):
        contacts += [contact(next(next_id), created, stage="lead", source=text) for text in texts]
    contacts.append(contact(300, "1970-01-01T00:00:00.000Z", stage="lead", source="ORGANIC_SEARCH"))
    contacts.append(contact(301, "2100-01-01T00:00:00.000Z", stage="lead", source="ORGANIC_SEARCH"))
    fixture["hubspot"]["deals"] += [
        deal(200, "2024-01-02T00:00:00.000Z", amount="-5000"),
        deal(201, "2024-01-02T00:00:00.000Z", amount="1e15"),
        deal(202, "1970-01-01T00:00:00.000Z", amount="100"),
        deal(203, "2100-01-01T00:00:00.000Z", amount="100", close="2100-02-01T00:00:00.000Z"),
    ]
    return fixture


def _duplicate_first_contact(answer: dict[str, Any]) -> dict[str, Any]:
    """The same contact id twice in one listing (HubSpot pages can overlap while records change)."""
    results = answer.get("results", [])
    return {**answer, "results": [*results, results[0]]} if results else answer


def _rows(tracker: dict[str, list[list[Any]]], kpi: str) -> list[Any]:
    return next(row[2:] for row in tracker["Tracker"] if row[0] == kpi and row[1] == "All")


@pytest.mark.parametrize("target", ["sheet", "xlsx"])
def test_hostile_crm_data(target: str, tmp_path: Path, monkeypatch, capsys):
    rules = {"hubspot": [f.rule(r"^/crm/v3/objects/contacts\?", f.rewrite(_duplicate_first_contact))]}
    live = LiveRun(tmp_path, monkeypatch, target=target, fixture=_hostile_fixture()).start(rules)
    try:
        code, err = live.run(capsys)
        assert code == 0, err
        assert live.suite.faults["hubspot"].faults_served == 1  # type: ignore[union-attr]
        warehouse, tracker = live.state()
    finally:
        live.stop()

    # The repeated id is one contact: 5 + 6 + 3 + 6 + 1 + 2 dated ones = 23 rows, no duplicate.
    contact_ids = [row[0] for row in warehouse["hubspot_contacts"]]
    assert len(contact_ids) == len(set(contact_ids)) == 23
    # Every text is kept whole in the mirror (the 5000-character one too).
    sources = {value for row in warehouse["hubspot_contacts"] for value in row if isinstance(value, str)}
    assert {*FORMULAS_W1, *FORMULAS_W2, *ODD_TEXT_W1} <= sources

    # Numbers, by hand: the clean fixture has [3, 1] new contacts and [2, 1] new leads; W1 adds 6 + 3
    # hostile-source leads, W2 adds 6 + 1; the 1970 and 2100 contacts fall in no requested week.
    as_number = float if target == "xlsx" else (lambda v: float(str(v).replace(",", "").replace("$", "")))
    assert [as_number(v) for v in _rows(tracker, "New contacts")] == [12, 8]
    assert [as_number(v) for v in _rows(tracker, "New leads")] == [11, 8]
    # New deals in W1: 90 and 91 of the clean fixture, plus 200 and 201 (202 and 203 are out of range).
    assert [as_number(v) for v in _rows(tracker, "New deals")] == [4, 0]
    # The absurd amount counts as entered (and is reported below), summed without int64 overflow:
    # W1 created 12000 - 5000 + 1e15; open at W1's end: those plus the 1970 deal's 100; at W2's end
    # deal 90 is won and gone.
    assert [as_number(v) for v in _rows(tracker, "Pipeline created")] == [1e15 + 7000, 0]
    assert [as_number(v) for v in _rows(tracker, "Open pipeline")] == [1e15 + 7100, 1e15 - 4900]

    insights = {(row[0], row[2]): row for row in tracker["Insights"][1:]}
    # Once per run, on the latest week: 9 in W1, 8 in W2 (7 + contact 5, which has no source).
    assert not any(week == "2024-01-01" and flag == "unmapped_sources" for week, flag in insights)
    sources = insights[("2024-01-08", "unmapped_sources")][3]
    assert as_number(insights[("2024-01-08", "unmapped_sources")][4]) == 17
    # Formula-like text arrives as text, character for character: a formula would read back empty (the
    # sheet emulator does not evaluate formulas) or as a formula object in openpyxl. The five most
    # frequent (2 each; ties in character order) are named: the W1 three, @cmd and CR.
    for text in [*FORMULAS_W1, "@cmd"]:
        assert f"{text} (2)" in sources
    # Leading whitespace (tab, CR) is trimmed from source labels; the rest arrives verbatim.
    assert ", CR (2) and " in sources
    amounts = insights[("2024-01-08", "implausible_amounts")]
    assert as_number(amounts[4]) == 2 and "200: -5,000.00" in amounts[3] and "201: " in amounts[3]
    dates = insights[("2024-01-08", "implausible_dates")]
    assert as_number(dates[4]) == 4
    assert "contact 300, contact 301, deal 202, deal 203" in dates[3]

    if target == "xlsx":
        book = openpyxl.load_workbook(live.workbook)
        cells = [c for row in book["Insights"].iter_rows() for c in row if c.value == sources]
        assert len(cells) == 1 and all(c.data_type == "s" for c in cells)
