"""Field masks for the Sheets emulator: parse ``fields`` selectors, project responses, apply masked updates.

Used by spreadsheets.get (partial responses) and the batchUpdate requests that take a ``fields`` mask.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any

from emulators.google_rpc import invalid
from emulators.sheets.store import JSON

FieldTree = dict[str, "FieldTree | None"]


def parse_fields(text: str) -> FieldTree | None:
    """Parse a FieldMask / partial-response selector (``a.b,c(d,e/f)``) into a tree; None = everything."""
    text = text.strip()
    if not text or text == "*":
        return None
    tokens = re.findall(r"[A-Za-z0-9_@*]+|[,()./]", text.replace(" ", ""))
    pos = 0

    def parse_list() -> FieldTree:
        nonlocal pos
        tree: FieldTree = {}
        while pos < len(tokens):
            name = tokens[pos]
            if name in ",().":
                raise invalid(f"Invalid field selection {text}")
            pos += 1
            sub: FieldTree | None = None
            if pos < len(tokens) and tokens[pos] in "./":
                pos += 1
                sub = parse_item_chain()
            elif pos < len(tokens) and tokens[pos] == "(":
                pos += 1
                sub = parse_list()
                if pos >= len(tokens) or tokens[pos] != ")":
                    raise invalid(f"Invalid field selection {text}")
                pos += 1
            _merge_tree(tree, name, sub)
            if pos < len(tokens) and tokens[pos] == ",":
                pos += 1
                continue
            break
        return tree

    def parse_item_chain() -> FieldTree:
        nonlocal pos
        name = tokens[pos]
        pos += 1
        sub: FieldTree | None = None
        if pos < len(tokens) and tokens[pos] in "./":
            pos += 1
            sub = parse_item_chain()
        elif pos < len(tokens) and tokens[pos] == "(":
            pos += 1
            sub = parse_list()
            pos += 1
        return {name: sub}

    tree = parse_list()
    if pos != len(tokens):
        raise invalid(f"Invalid field selection {text}")
    return None if "*" in tree else tree


def _merge_tree(tree: FieldTree, name: str, sub: FieldTree | None) -> None:
    if name in tree:
        existing = tree[name]
        if existing is None or sub is None:
            tree[name] = None
        else:
            for key, value in sub.items():
                _merge_tree(existing, key, value)
    else:
        tree[name] = sub


def required_field_mask(payload: JSON, where: str) -> FieldTree | None:
    """The parsed ``fields`` mask of a batchUpdate request, which must name at least one field."""
    fields = payload.get("fields")
    if not fields:
        raise invalid(f"Invalid {where}: At least one field must be specified in 'fields'.")
    return parse_fields(str(fields))


def tree_has(tree: FieldTree | None, *path: str) -> bool:
    """Whether the mask selects the field at ``path`` (or all of it)."""
    node: FieldTree | None = tree
    for name in path:
        if node is None:
            return True
        if name not in node:
            return False
        node = node[name]
    return True


def project(value: Any, tree: FieldTree | None) -> Any:
    """Keep only the selected fields (lists are projected element-wise and keep their length)."""
    if tree is None:
        return value
    if isinstance(value, list):
        return [project(v, tree) for v in value]
    if isinstance(value, dict):
        return {k: project(v, tree[k]) for k, v in value.items() if k in tree}
    return value


def apply_mask(target: JSON, source: Mapping[str, Any], tree: FieldTree | None) -> None:
    """Copy the masked fields of ``source`` onto ``target``; masked fields absent from source are cleared."""
    if tree is None:
        target.clear()
        target.update(copy.deepcopy(dict(source)))
        return
    for key, sub in tree.items():
        if sub is None or not isinstance(source.get(key, {}), dict):
            if key in source:
                target[key] = copy.deepcopy(source[key])
            else:
                target.pop(key, None)
            continue
        child = target.get(key)
        if not isinstance(child, dict):
            child = {}
        apply_mask(child, source.get(key) or {}, sub)
        if child:
            target[key] = child
        else:
            target.pop(key, None)
