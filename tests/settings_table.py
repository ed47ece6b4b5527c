"""The README's settings table and the settings model's keys, read the same way for the tests that compare
them (test_readme_settings, test_settings_end_to_end)."""

from __future__ import annotations

import re
import types
import typing
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel

from settings import Settings

README = Path(__file__).resolve().parents[1] / "README.md"


@dataclass(frozen=True)
class SettingsRow:
    """One row of the README's settings table: its keys (a row may name several) and its cells."""

    keys: tuple[str, ...]
    cells: tuple[str, ...]

    @property
    def label(self) -> str:
        return ", ".join(self.keys)


def _section_model(annotation: object) -> type[BaseModel] | None:
    """The settings section a field holds (``hubspot: HubSpotSettings``, also ``X | None``), else None."""
    candidates = typing.get_args(annotation) if isinstance(annotation, types.UnionType) else (annotation,)
    for candidate in candidates:
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


def model_keys(model: type[BaseModel] = Settings, prefix: str = "") -> list[str]:
    """Every key of ``funnel-ledger.yaml``, sections spelled out (``hubspot.requests_per_10s``)."""
    keys: list[str] = []
    for name, field in model.model_fields.items():
        section = _section_model(field.annotation)
        if section is None:
            keys.append(f"{prefix}{name}")
        else:
            keys += model_keys(section, f"{prefix}{name}.")
    return keys


def readme_settings_rows(readme: Path = README) -> list[SettingsRow]:
    """The rows of the first table under the README's ``## Settings`` heading."""
    lines = readme.read_text(encoding="utf-8").splitlines()
    start = lines.index("## Settings")
    header = next(i for i in range(start, len(lines)) if lines[i].startswith("|"))
    rows = []
    for line in lines[header + 2 :]:
        if not line.startswith("|"):
            break
        cells = tuple(cell.strip() for cell in line.strip().strip("|").split("|"))
        rows.append(SettingsRow(tuple(re.findall(r"`([^`]+)`", cells[0])), cells))
    return rows
