"""Replays gspread's recorded Sheets API cassettes against the Sheets emulator and reports every difference.

Used by ``tests/conformance/test_sheets_cassettes.py``. A cassette (vcrpy JSON) records one gspread test
run against the real API, sometimes twice over: each run starts by creating a spreadsheet through the
Drive API. The emulator has no Drive API, so each run is replayed on a fresh emulator that already holds a
spreadsheet with the recorded id and title; the Drive calls (create, metadata, delete) are skipped and
every Sheets API call is sent as recorded (method, raw path and query, body). The emulator's status and
JSON body must equal the recorded ones. The one normalisation: a sheet added without a ``sheetId`` gets a
random id, on the real API as in the emulator, so recorded ids are mapped to the emulator's in later
requests and in the recorded bodies compared.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

from emulators.server import serve_in_thread
from emulators.sheets import SheetsEmulator

CASSETTES = Path(__file__).parent / "cassettes" / "gspread"
SHEETS_HOST = "sheets.googleapis.com"


@dataclass
class Run:
    """One recorded run: the spreadsheet the Drive API created, then the Sheets calls made on it."""

    spreadsheet_id: str
    title: str
    interactions: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Mismatch:
    """A replayed call whose answer differs from the recording."""

    index: int
    request: str
    status: tuple[int, int]  # (emulator, recorded)
    differences: list[str]

    def __str__(self) -> str:
        lines = [f"call {self.index}: {self.request} -> {self.status[0]} (recorded {self.status[1]})"]
        return "\n".join(lines + [f"    {d}" for d in self.differences[:12]])


@dataclass
class Replay:
    """What replaying one cassette showed: the calls replayed and the ones that differ."""

    calls: list[tuple[str, str, dict[str, Any] | None]] = field(default_factory=list)  # method, path, body
    mismatches: list[Mismatch] = field(default_factory=list)


def load(name: str) -> dict[str, Any]:
    return dict(json.loads((CASSETTES / name).read_text(encoding="utf-8")))


def runs(cassette: dict[str, Any]) -> Iterator[Run]:
    """The recorded runs of a cassette, each starting at a Drive ``files.create``."""
    current: Run | None = None
    for interaction in cassette["interactions"]:
        request = interaction["request"]
        url = urlsplit(request["uri"])
        if url.path.endswith("/drive/v3/files") and request["method"] == "POST":
            if current is not None:
                yield current
            created = json.loads(interaction["response"]["body"]["string"])
            current = Run(spreadsheet_id=created["id"], title=json.loads(request["body"])["name"])
        elif url.netloc == SHEETS_HOST and current is not None:
            current.interactions.append(interaction)
    if current is not None:
        yield current


def replay(cassette: dict[str, Any]) -> Replay:
    """Replay every run of ``cassette`` on its own fresh emulator."""
    result = Replay()
    emulator = SheetsEmulator(auth_required=False, reads_per_minute=0, writes_per_minute=0)
    with serve_in_thread(emulator) as server:
        for run in runs(cassette):
            emulator.set_data({"spreadsheets": [{"spreadsheetId": run.spreadsheet_id, "title": run.title}]})
            sheet_ids: dict[int, int] = {}  # recorded sheetId -> the emulator's
            for interaction in run.interactions:
                _replay_one(server.base_url, interaction, sheet_ids, result)
    return result


def _replay_one(base_url: str, interaction: dict[str, Any], sheet_ids: dict[int, int], result: Replay) -> None:
    recorded_request = interaction["request"]
    url = urlsplit(recorded_request["uri"])
    raw_body = recorded_request.get("body")
    body = _map_sheet_ids(json.loads(raw_body), sheet_ids) if raw_body else None
    target = f"{base_url}{url.path}" + (f"?{url.query}" if url.query else "")
    response = requests.request(
        recorded_request["method"],
        target,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    index = len(result.calls)
    result.calls.append((recorded_request["method"], f"{url.path}?{url.query}", body))
    recorded = interaction["response"]
    recorded_text = recorded["body"]["string"]
    recorded_body = json.loads(recorded_text) if recorded_text.strip() else None
    emulator_body = response.json() if response.content.strip() else None
    _learn_sheet_ids(body, recorded_body, emulator_body, sheet_ids)
    expected = _map_sheet_ids(recorded_body, sheet_ids)
    differences = diff(emulator_body, expected)
    status = (response.status_code, int(recorded["status"]["code"]))
    if differences or status[0] != status[1]:
        request_text = f"{recorded_request['method']} {url.path}" + (f"?{url.query}" if url.query else "")
        result.mismatches.append(Mismatch(index, request_text, status, differences))


def _learn_sheet_ids(request: Any, recorded: Any, emulated: Any, sheet_ids: dict[int, int]) -> None:
    """Map the ids of sheets added without a ``sheetId``: the recorded reply's id to the emulator's."""
    if not isinstance(request, dict) or not isinstance(recorded, dict) or not isinstance(emulated, dict):
        return
    for asked, got, ours in zip(
        request.get("requests") or [], recorded.get("replies") or [], emulated.get("replies") or [], strict=False
    ):
        if "addSheet" in asked and "addSheet" in got and "addSheet" in ours:
            sheet_ids[int(got["addSheet"]["properties"]["sheetId"])] = int(ours["addSheet"]["properties"]["sheetId"])


def _map_sheet_ids(value: Any, sheet_ids: dict[int, int]) -> Any:
    if isinstance(value, dict):
        return {
            key: sheet_ids.get(item, item)
            if key == "sheetId" and isinstance(item, int)
            else _map_sheet_ids(item, sheet_ids)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_map_sheet_ids(item, sheet_ids) for item in value]
    return value


def diff(ours: Any, recorded: Any, path: str = "") -> list[str]:
    """Every place two JSON values differ, as readable lines (``/a/b[2]: ...``)."""
    if isinstance(ours, dict) and isinstance(recorded, dict):
        out: list[str] = []
        for key in sorted(set(ours) | set(recorded)):
            where = f"{path}/{key}"
            if key not in ours:
                out.append(f"{where}: missing from the emulator's answer ({json.dumps(recorded[key])[:100]})")
            elif key not in recorded:
                out.append(f"{where}: not in the recording ({json.dumps(ours[key])[:100]})")
            else:
                out += diff(ours[key], recorded[key], where)
        return out
    if isinstance(ours, list) and isinstance(recorded, list):
        out = [f"{path}: {len(ours)} items, recorded {len(recorded)}"] if len(ours) != len(recorded) else []
        for i, (a, b) in enumerate(zip(ours, recorded, strict=False)):
            out += diff(a, b, f"{path}[{i}]")
        return out
    if ours != recorded or type(ours) is not type(recorded):
        # 1 and 1.0 are the same JSON number; anything else that differs is a real difference.
        if isinstance(ours, int | float) and isinstance(recorded, int | float) and ours == recorded:
            return []
        return [f"{path or '/'}: {json.dumps(ours)[:100]}, recorded {json.dumps(recorded)[:100]}"]
    return []


def request_kinds(calls: list[tuple[str, str, dict[str, Any] | None]]) -> set[str]:
    """The endpoint and batchUpdate request kinds a replay exercised (``batchUpdate.addSheet``, ...)."""
    kinds: set[str] = set()
    for method, path, body in calls:
        endpoint = path.split("?", 1)[0]
        if endpoint.endswith(":batchUpdate") and "/values" not in endpoint:
            kinds |= {f"batchUpdate.{name}" for request in (body or {}).get("requests", []) for name in request}
        elif "/values:" in endpoint:
            kinds.add(f"values.{endpoint.rsplit(':', 1)[1]}")
        elif "/values/" in endpoint:
            kinds.add(
                f"values.{endpoint.rsplit(':', 1)[1]}" if ":" in endpoint.rsplit("/", 1)[1] else f"values.{method}"
            )
        else:
            query = path.split("?", 1)[1] if "?" in path else ""
            kinds.add("spreadsheets.get+fields" if "fields=" in query else "spreadsheets.get")
    return kinds
