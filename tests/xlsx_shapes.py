"""Test helper: put a text box on a sheet of an .xlsx the way Excel stores one, and find it again.

Excel keeps a text box as an ``xdr:sp`` (``txBox="1"``) in the sheet's drawing part (ECMA-376 Part 1,
20.5 DrawingML - SpreadsheetML Drawing); openpyxl cannot read it. Written here independently of the
product's own package handling, with the standard library only.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from pathlib import Path

NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
DRAWING_REL = f"{NS_R}/drawing"


def _text_box(text: str, col: int, row: int, x: str = "xdr:") -> str:
    """A text box anchor; ``x`` is the prefix of the spreadsheet-drawing namespace in the drawing it goes in."""
    return (
        f'<{x}twoCellAnchor editAs="oneCell">'
        f"<{x}from><{x}col>{col}</{x}col><{x}colOff>0</{x}colOff><{x}row>{row}</{x}row><{x}rowOff>0</{x}rowOff>"
        f"</{x}from>"
        f"<{x}to><{x}col>{col + 3}</{x}col><{x}colOff>0</{x}colOff><{x}row>{row + 4}</{x}row>"
        f"<{x}rowOff>0</{x}rowOff></{x}to>"
        f'<{x}sp macro="" textlink=""><{x}nvSpPr><{x}cNvPr id="2" name="TextBox 1"/><{x}cNvSpPr txBox="1"/>'
        f'</{x}nvSpPr><{x}spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="1828800" cy="762000"/></a:xfrm>'
        f'<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></{x}spPr><{x}txBody><a:bodyPr wrap="square" rtlCol="0" '
        f'anchor="t"/><a:lstStyle/><a:p><a:r><a:rPr lang="en-US" sz="1100"/><a:t>{text}</a:t></a:r></a:p>'
        f"</{x}txBody></{x}sp><{x}clientData/></{x}twoCellAnchor>"
    )


def _sheet_part(names: dict[str, bytes], title: str) -> str:
    workbook = names["xl/workbook.xml"].decode()
    rel_id = re.search(rf'<sheet [^>]*name="{re.escape(title)}"[^>]*r:id="([^"]+)"', workbook)
    if rel_id is None:
        rel_id = re.search(rf'<sheet [^>]*r:id="([^"]+)"[^>]*name="{re.escape(title)}"', workbook)
    assert rel_id is not None, f"no sheet {title}"
    rels = names["xl/_rels/workbook.xml.rels"].decode()
    target = re.search(rf'<Relationship [^>]*Id="{rel_id.group(1)}"[^>]*Target="([^"]+)"', rels)
    if target is None:
        target = re.search(rf'<Relationship [^>]*Target="([^"]+)"[^>]*Id="{rel_id.group(1)}"', rels)
    assert target is not None
    path = target.group(1).lstrip("/")
    return path if path.startswith("xl/") else posixpath.normpath(posixpath.join("xl", path))


def _drawing_of(names: dict[str, bytes], sheet: str) -> str | None:
    folder, name = posixpath.split(sheet)
    rels = names.get(f"{folder}/_rels/{name}.rels", b"").decode()
    for pattern in (
        r'<Relationship [^>]*Type="[^"]*/drawing"[^>]*Target="([^"]+)"',
        r'<Relationship [^>]*Target="([^"]+)"[^>]*Type="[^"]*/drawing"',
    ):
        found = re.search(pattern, rels)
        if found:
            target = found.group(1)
            return target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
    return None


def add_text_box(path: Path, title: str, text: str, *, col: int = 6, row: int = 1) -> None:
    """Put a text box on sheet ``title``: into its drawing, or a drawing of its own when it has none."""
    with zipfile.ZipFile(path) as archive:
        names = {name: archive.read(name) for name in archive.namelist()}
    sheet = _sheet_part(names, title)
    existing = _drawing_of(names, sheet)
    if existing is not None:
        drawing_xml = names[existing].decode()
        root = re.search(r"<(?:(\w+):)?wsDr\b[^>]*>", drawing_xml)
        assert root is not None
        prefix = f"{root.group(1)}:" if root.group(1) else ""
        if 'xmlns:a="' not in root.group(0):
            opened = root.group(0)[:-1] + ' xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">'
            drawing_xml = drawing_xml.replace(root.group(0), opened, 1)
        closing = drawing_xml.rindex("</")
        box = _text_box(text, col, row, prefix)
        names[existing] = (drawing_xml[:closing] + box + drawing_xml[closing:]).encode()
        _rezip(path, names)
        return
    number = 900
    while f"xl/drawings/drawing{number}.xml" in names:
        number += 1
    drawing = f"xl/drawings/drawing{number}.xml"
    names[drawing] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<xdr:wsDr xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing" '
        'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">' + _text_box(text, col, row) + "</xdr:wsDr>"
    ).encode()
    folder, name = posixpath.split(sheet)
    rels = f"{folder}/_rels/{name}.rels"
    body = names.get(rels, b"").decode() or (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"></Relationships>'
    )
    body = body.replace(
        "</Relationships>", f'<Relationship Id="rIdBox" Type="{DRAWING_REL}" Target="../drawings/drawing{number}.xml"/>'
    )
    names[rels] = (body + "</Relationships>").encode()
    xml = names[sheet].decode()
    at = re.search(r"<(legacyDrawing|tableParts|extLst)\b|</worksheet>", xml)
    assert at is not None
    names[sheet] = (xml[: at.start()] + f'<drawing xmlns:r="{NS_R}" r:id="rIdBox"/>' + xml[at.start() :]).encode()
    types = (
        names["[Content_Types].xml"]
        .decode()
        .replace(
            "</Types>",
            f'<Override PartName="/{drawing}" ContentType="application/vnd.openxmlformats-officedocument.drawing+xml"/>'
            "</Types>",
        )
    )
    names["[Content_Types].xml"] = types.encode()
    _rezip(path, names)


def _rezip(path: Path, names: dict[str, bytes]) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for part, data in names.items():
            archive.writestr(part, data)
    path.write_bytes(out.getvalue())


def text_boxes(path: Path, title: str) -> list[tuple[str, int, int]]:
    """``(text, from column, from row)`` of every text box on the sheet ``title``."""
    with zipfile.ZipFile(path) as archive:
        names = {name: archive.read(name) for name in archive.namelist()}
    sheet = _sheet_part(names, title)
    part = _drawing_of(names, sheet)
    found = []
    if part is not None:
        drawing = names[part].decode()
        for anchor in re.findall(r"<(?:\w+:)?twoCellAnchor\b.*?</(?:\w+:)?twoCellAnchor>", drawing, re.DOTALL):
            if 'txBox="1"' not in anchor:
                continue
            text = "".join(re.findall(r"<a:t>([^<]*)</a:t>", anchor))
            start = re.search(
                r"<(?:\w+:)?from><(?:\w+:)?col>(\d+)</(?:\w+:)?col>.*?<(?:\w+:)?row>(\d+)</", anchor, re.DOTALL
            )
            assert start is not None
            found.append((text, int(start.group(1)), int(start.group(2))))
    return found
