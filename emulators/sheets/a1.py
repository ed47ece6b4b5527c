"""A1 notation for the Sheets emulator: column letters, canonical range text and A1 range parsing.

Pure text functions; :mod:`emulators.sheets.store` resolves parsed ranges against a spreadsheet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_A1 = re.compile(r"([A-Za-z]*)(\d*)(?::([A-Za-z]*)(\d*))?")
_PLAIN_TITLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_CELL_LIKE_TITLE = re.compile(r"[A-Za-z]{1,3}\d+|[Rr]\d*[Cc]\d*")


def column_letters(index: int) -> str:
    """Return the A1 column letters of a 0-based column index (0 -> ``A``, 26 -> ``AA``).

    Args:
        index: 0-based column index.

    Returns:
        The column letters.
    """
    letters = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(ord("A") + rem) + letters
    return letters


def column_index(letters: str) -> int:
    """Return the 0-based column index of A1 column letters (``A`` -> 0, ``AA`` -> 26)."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - ord("A") + 1
    return n - 1


def quote_title(title: str) -> str:
    """A sheet title as the API writes it in ranges: bare when a plain identifier, quoted otherwise."""
    if _PLAIN_TITLE.fullmatch(title) and not _CELL_LIKE_TITLE.fullmatch(title):
        return title
    return quote_title_always(title)


def quote_title_always(title: str) -> str:
    """A sheet title in quotes (``''`` escapes an apostrophe), as the API writes it in error messages."""
    return "'" + title.replace("'", "''") + "'"


def a1_box(r0: int, c0: int, r1: int, c1: int) -> str:
    """A1 text of the inclusive cell box (r0, c0)-(r1, c1), 0-based."""
    start = f"{column_letters(c0)}{r0 + 1}"
    if (r0, c0) == (r1, c1):
        return start
    return f"{start}:{column_letters(c1)}{r1 + 1}"


def range_text(title: str, r0: int, c0: int, r1: int, c1: int) -> str:
    """Canonical sheet-qualified A1 text of the inclusive box, as the API returns it (``Sheet1!A1:D5``)."""
    return f"{quote_title(title)}!{a1_box(r0, c0, r1, c1)}"


@dataclass(frozen=True, slots=True)
class A1Range:
    """A parsed A1 range; ``None`` bounds are open (whole rows/columns). Ends are exclusive."""

    title: str | None
    start_row: int | None
    end_row: int | None
    start_col: int | None
    end_col: int | None

    @property
    def whole_sheet(self) -> bool:
        return self.start_row is None and self.end_row is None and self.start_col is None and self.end_col is None


def split_sheet(text: str) -> tuple[str | None, str | None]:
    """Split ``'Sheet ''x'''!A1`` into (title, a1); title None when absent, a1 None when absent."""
    if text.startswith("'"):
        i, chars = 1, []
        while i < len(text):
            ch = text[i]
            if ch == "'":
                if i + 1 < len(text) and text[i + 1] == "'":
                    chars.append("'")
                    i += 2
                    continue
                rest = text[i + 1 :]
                if rest == "":
                    return "".join(chars), None
                if rest.startswith("!"):
                    return "".join(chars), rest[1:]
                raise ValueError(text)
            chars.append(ch)
            i += 1
        raise ValueError(text)
    if "!" in text:
        title, a1 = text.split("!", 1)
        return title, a1
    return None, text


def parse_a1_cells(a1: str) -> tuple[int | None, int | None, int | None, int | None]:
    """Parse the cell part into (start_row, end_row, start_col, end_col), exclusive ends, None = open."""
    match = _A1.fullmatch(a1.strip())
    if match is None or not a1.strip():
        raise ValueError(a1)
    c0, r0, c1, r1 = match.groups()
    if c1 is None:  # single cell: both column and row are required
        if not c0 or not r0:
            raise ValueError(a1)
        row, col = int(r0) - 1, column_index(c0)
        if row < 0:
            raise ValueError(a1)
        return row, row + 1, col, col + 1
    if not (c0 or r0) or not (c1 or r1):
        raise ValueError(a1)
    if (r0 and int(r0) == 0) or (r1 and int(r1) == 0):
        raise ValueError(a1)
    # A range's corners may be given in any order; the API normalises them. Open sides stay None.
    start_col: int | None = None
    end_col: int | None = None
    if c0 or c1:
        cols = sorted(column_index(c) for c in (c0, c1) if c)
        start_col = cols[0] if c0 else 0
        end_col = cols[-1] + 1 if c1 else None
    start_row: int | None = None
    end_row: int | None = None
    if r0 or r1:
        rows = sorted(int(r) - 1 for r in (r0, r1) if r)
        start_row = rows[0] if r0 else 0
        end_row = rows[-1] + 1 if r1 else None
    return start_row, end_row, start_col, end_col
