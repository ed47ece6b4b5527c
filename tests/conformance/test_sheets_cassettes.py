"""Sheets conformance: gspread's own recordings of the real Sheets API, replayed against the emulator.

Each cassette under ``tests/conformance/cassettes/gspread`` (copied from burnash/gspread, MIT; see the
README there) is replayed call by call by :mod:`tests.conformance.cassette_replay`; the emulator's
status and JSON body must equal the recorded ones. Together the cassettes cover the calls the tracker
writer (``sheets_sync/gsheets_writer.py``) makes, except the two chart requests no gspread test records.
"""

from __future__ import annotations

import pytest

from tests.conformance.cassette_replay import CASSETTES, load, replay, request_kinds, runs

CASSETTE_FILES = sorted(path.name for path in CASSETTES.glob("*.json"))

#: What the writer sends: spreadsheets.get with a field mask (and grid data) for its one read, and one
#: batchUpdate whose requests are of these kinds. The values endpoints are what gspread itself uses.
WRITER_KINDS = {
    "spreadsheets.get+fields",
    "batchUpdate.addSheet",
    "batchUpdate.updateSheetProperties",
    "batchUpdate.updateCells",
    "batchUpdate.repeatCell",
    "batchUpdate.updateDimensionProperties",
    "batchUpdate.addChart",
    "batchUpdate.updateChartSpec",
}
#: No gspread test adds or updates a chart, so no recording exists; the emulator's charts are covered by
#: tests/test_sheets_emulator.py and the writer's tests instead.
NOT_RECORDED = {"batchUpdate.addChart", "batchUpdate.updateChartSpec"}
VALUES_KINDS = {"values.batchGet", "values.batchUpdate"}


@pytest.mark.parametrize("name", CASSETTE_FILES, ids=lambda name: name.removesuffix(".json").replace(".", "-"))
def test_cassette_replays_identically(name: str) -> None:
    cassette = load(name)
    assert list(runs(cassette)), f"{name} records no run"
    result = replay(cassette)
    assert result.calls, f"{name} has no Sheets API call"
    assert not result.mismatches, f"{name}:\n" + "\n".join(str(m) for m in result.mismatches)


def test_cassettes_cover_every_request_kind_the_writer_uses() -> None:
    covered: set[str] = set()
    for name in CASSETTE_FILES:
        covered |= request_kinds(replay(load(name)).calls)
    assert (WRITER_KINDS - NOT_RECORDED) - covered == set()
    assert VALUES_KINDS - covered == set()
    assert not NOT_RECORDED & covered, "a chart request is now recorded: drop it from NOT_RECORDED"
