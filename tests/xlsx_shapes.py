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


def _text_box(text: str, col: int, row: int) -> str:
    return (
        '<xdr:twoCellAnchor editAs="oneCell">'
        f"<xdr:from><xdr:col>{col}</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>{row}</xdr:row><xdr:rowOff>0</xdr:rowOff>"
        "</xdr:from>"
        f"<xdr:to><xdr:col>{col + 3}</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>{row + 4}</xdr:row>"
        "<xdr:rowOff>0</xdr:rowOff></xdr:to>"
        '<xdr:sp macro="" textlink=""><xdr:nvSpPr><xdr:cNvPr id="2" name="TextBox 1"/><xdr:cNvSpPr txBox="1"/>'
        '</xdr:nvSpPr><xdr:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="1828800" cy="762000"/></a:xfrm>'
        '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></xdr:spPr><xdr:txBody><a:bodyPr wrap="square" rtlCol="0" '
        f'anchor="t"/><a:lstStyle/><a:p><a:r><a:rPr lang="en-US" sz="1100"/><a:t>{text}</a:t></a:r></a:p>'
        "</xdr:txBody></xdr:sp><xdr:clientData/></xdr:twoCellAnchor>"
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
            return posixpath.normpath(posixpath.join(folder, found.group(1)))
    return None


def add_text_box(path: Path, title: str, text: str, *, col: int = 6, row: int = 1) -> None:
    """Put a text box on sheet ``title``: into its drawing, or a drawing of its own when it has none."""
    with zipfile.ZipFile(path) as archive:
        names = {name: archive.read(name) for name in archive.namelist()}
    sheet = _sheet_part(names, title)
    existing = _drawing_of(names, sheet)
    if existing is not None:
        drawing_xml = names[existing].decode()
        closing = drawing_xml.rindex("</")
        names[existing] = (drawing_xml[:closing] + _text_box(text, col, row) + drawing_xml[closing:]).encode()
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
        for anchor in re.findall(r"<xdr:twoCellAnchor\b.*?</xdr:twoCellAnchor>", drawing, re.DOTALL):
            if 'txBox="1"' not in anchor:
                continue
            text = "".join(re.findall(r"<a:t>([^<]*)</a:t>", anchor))
            start = re.search(r"<xdr:from><xdr:col>(\d+)</xdr:col>.*?<xdr:row>(\d+)</xdr:row>", anchor, re.DOTALL)
            assert start is not None
            found.append((text, int(start.group(1)), int(start.group(2))))
    return found
