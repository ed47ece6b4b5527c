"""Drawings openpyxl cannot read (text boxes, shapes, connectors, groups), kept across a workbook write.

openpyxl reads a sheet's drawing only for its pictures and charts and writes the sheet back without the rest,
so a text box the owner put on Costs would vanish on the next run. :func:`read_shapes` takes, before the
workbook is loaded, the XML of every drawing anchor holding such a shape, as it is in the file;
:func:`restore_shapes` puts those anchors back into the package openpyxl wrote (into the sheet's new drawing
part, or a drawing part of their own), byte for byte apart from the anchor's cell when the Tracker's rows or
columns moved. Only self-contained anchors are kept: a shape that points at another part of the package (a
picture inside a group, a hyperlink, a form control or an ActiveX object) is dropped with the rest of what
openpyxl cannot keep (docs/operations.md lists it).
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl.xml.functions import fromstring

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
DRAWING_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/drawing"
DRAWING_TYPE = "application/vnd.openxmlformats-officedocument.drawing+xml"
_ROOT = re.compile(r"<(?:(\w+):)?wsDr\b[^>]*>")
_NAMESPACE = re.compile(r'\sxmlns:(\w+)="([^"]*)"')
# Elements that follow <drawing> in a worksheet (ECMA-376 Part 1, CT_Worksheet sequence).
_AFTER_DRAWING = re.compile(
    r"<(?:\w+:)?(?:legacyDrawing|legacyDrawingHF|drawingHF|picture|oleObjects|controls|webPublishItems|tableParts"
    r"|extLst)\b|</(?:\w+:)?worksheet>"
)
# (row shift, column shift) of a 0-based anchor cell.
AnchorShift = Callable[[int, int], tuple[int, int]]


@dataclass
class SheetShapes:
    """The anchors of one sheet's shapes, with the namespace declarations of their drawing's root."""

    root: str
    prefix: str
    anchors: list[str] = field(default_factory=list)

    @property
    def namespaces(self) -> dict[str, str]:
        return dict(_NAMESPACE.findall(self.root))


def _rels_path(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", f"{name}.rels")


def _targets(archive: zipfile.ZipFile, part: str) -> list[tuple[str, str, str]]:
    """``(Id, Type, absolute target)`` of a part's relationships."""
    rels = _rels_path(part)
    if rels not in archive.namelist():
        return []
    root = fromstring(archive.read(rels))
    folder = posixpath.dirname(part)
    out = []
    for rel in root.findall(f"{{{NS_PACKAGE_RELS}}}Relationship"):
        target = rel.get("Target", "")
        if rel.get("TargetMode") == "External":
            continue
        absolute = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        out.append((rel.get("Id", ""), rel.get("Type", ""), absolute))
    return out


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet title -> its worksheet part."""
    workbook = fromstring(archive.read("xl/workbook.xml"))
    by_id = {rel_id: target for rel_id, _, target in _targets(archive, "xl/workbook.xml")}
    parts = {}
    for sheet in workbook.iter(f"{{{NS_MAIN}}}sheet"):
        rel_id = sheet.get(f"{{{NS_R}}}id")
        if rel_id in by_id:
            parts[sheet.get("name", "")] = by_id[rel_id]
    return parts


def _drawing_part(archive: zipfile.ZipFile, sheet_part: str) -> str | None:
    return next((target for _, kind, target in _targets(archive, sheet_part) if kind == DRAWING_REL), None)


def read_shapes(path: Path) -> dict[str, SheetShapes]:
    """The self-contained shape anchors of every sheet of the workbook at ``path``, by sheet title."""
    shapes: dict[str, SheetShapes] = {}
    with zipfile.ZipFile(path) as archive:
        for title, sheet_part in _sheet_parts(archive).items():
            drawing = _drawing_part(archive, sheet_part)
            if drawing is None or drawing not in archive.namelist():
                continue
            text = archive.read(drawing).decode("utf-8")
            root = _ROOT.search(text)
            if root is None:
                continue
            prefix = f"{root.group(1)}:" if root.group(1) else ""
            found = SheetShapes(root.group(0), prefix)
            relationship_prefixes = [name for name, uri in found.namespaces.items() if uri == NS_R]
            pattern = re.compile(
                rf"<{re.escape(prefix)}(twoCellAnchor|oneCellAnchor|absoluteAnchor)\b.*?</{re.escape(prefix)}\1>",
                re.DOTALL,
            )
            for anchor in pattern.finditer(text):
                body = anchor.group(0)
                is_shape = re.search(r"<(?:\w+:)?(?:sp|grpSp|cxnSp)[\s>]", body) is not None
                refers = any(re.search(rf"\b{p}:\w+=", body) for p in relationship_prefixes) or "r:id=" in body
                if is_shape and not refers:
                    found.anchors.append(body)
            if found.anchors:
                shapes[title] = found
    return shapes


def shift_anchor(anchor: str, prefix: str, shift: AnchorShift) -> str:
    """The anchor with its ``from``/``to`` cells moved (an absolute anchor has none and stays)."""

    def marker(match: re.Match[str]) -> str:
        body = match.group(0)
        column = re.search(rf"<{prefix}col>(\d+)</{prefix}col>", body)
        row = re.search(rf"<{prefix}row>(\d+)</{prefix}row>", body)
        if column is None or row is None:
            return body
        new_row, new_column = shift(int(row.group(1)), int(column.group(1)))
        body = body.replace(column.group(0), f"<{prefix}col>{new_column}</{prefix}col>")
        return body.replace(row.group(0), f"<{prefix}row>{new_row}</{prefix}row>")

    return re.sub(rf"<{prefix}(from|to)>.*?</{prefix}\1>", marker, anchor, flags=re.DOTALL)


def restore_shapes(
    package: bytes, shapes: Mapping[str, SheetShapes], shifts: Mapping[str, AnchorShift] | None = None
) -> bytes:
    """The package openpyxl wrote, with the shapes of ``shapes`` back on their sheets.

    Args:
        package: The .xlsx bytes openpyxl wrote.
        shapes: What :func:`read_shapes` found before the workbook was loaded.
        shifts: Per sheet title, how anchor cells move (the Tracker's reshape).
    """
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
        infos = {info.filename: info for info in archive.infolist()}
        sheet_parts = _sheet_parts(archive)
        drawings = {sheet: _drawing_part(archive, part) for sheet, part in sheet_parts.items()}
    for title, found in shapes.items():
        sheet_part = sheet_parts.get(title)
        if sheet_part is None:
            continue  # the sheet is gone
        shift = (shifts or {}).get(title)
        anchors = [shift_anchor(a, found.prefix, shift) if shift else a for a in found.anchors]
        drawing = drawings.get(title)
        if drawing is not None and drawing in parts:
            parts[drawing] = _append_anchors(parts[drawing].decode("utf-8"), found, anchors).encode("utf-8")
        else:
            _add_drawing(parts, sheet_part, found, anchors)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        for name, data in parts.items():
            info = infos.get(name) or zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return out.getvalue()


def _append_anchors(drawing: str, found: SheetShapes, anchors: list[str]) -> str:
    """Anchors added to a drawing openpyxl wrote (its root gains the namespaces they use)."""
    root = _ROOT.search(drawing)
    if root is None:
        return drawing
    tag = root.group(0)
    declared = dict(_NAMESPACE.findall(tag))
    missing = "".join(f' xmlns:{name}="{uri}"' for name, uri in found.namespaces.items() if name not in declared)
    closing = f"</{root.group(1)}:wsDr>" if root.group(1) else "</wsDr>"
    if tag.endswith("/>"):  # an empty drawing
        opened = tag[:-2].rstrip() + missing + ">"
        return drawing[: root.start()] + opened + "".join(anchors) + closing + drawing[root.end() :]
    end = drawing.rindex(closing)
    opened = tag[:-1] + missing + ">"
    return drawing[: root.start()] + opened + drawing[root.end() : end] + "".join(anchors) + drawing[end:]


def _add_drawing(parts: dict[str, bytes], sheet_part: str, found: SheetShapes, anchors: list[str]) -> None:
    """A drawing part of the shapes' own, related to the sheet and declared in the content types."""
    number = 1
    while f"xl/drawings/drawing{number}.xml" in parts:
        number += 1
    drawing = f"xl/drawings/drawing{number}.xml"
    closing = f"</{found.prefix}wsDr>"
    root = found.root[:-2].rstrip() + ">" if found.root.endswith("/>") else found.root
    body = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + root + "".join(anchors) + closing
    parts[drawing] = body.encode("utf-8")

    rels = _rels_path(sheet_part)
    existing = parts.get(rels, b"").decode("utf-8") or f'<Relationships xmlns="{NS_PACKAGE_RELS}"></Relationships>'
    taken = set(re.findall(r'Id="([^"]+)"', existing))
    rel_id = next(f"rIdShapes{n}" for n in range(1, len(taken) + 2) if f"rIdShapes{n}" not in taken)
    target = posixpath.relpath(drawing, posixpath.dirname(sheet_part))
    relationship = f'<Relationship Id="{rel_id}" Type="{DRAWING_REL}" Target="{target}"/>'
    if existing.rstrip().endswith("/>") and "</Relationships>" not in existing:
        existing = existing.rstrip()[:-2] + "></Relationships>"
    parts[rels] = existing.replace("</Relationships>", relationship + "</Relationships>").encode("utf-8")

    sheet = parts[sheet_part].decode("utf-8")
    insert_at = _AFTER_DRAWING.search(sheet)
    element = f'<drawing xmlns:r="{NS_R}" r:id="{rel_id}"/>'
    if insert_at is not None:
        parts[sheet_part] = (sheet[: insert_at.start()] + element + sheet[insert_at.start() :]).encode("utf-8")

    types = parts["[Content_Types].xml"].decode("utf-8")
    override = f'<Override PartName="/{drawing}" ContentType="{DRAWING_TYPE}"/>'
    parts["[Content_Types].xml"] = types.replace("</Types>", override + "</Types>").encode("utf-8")
