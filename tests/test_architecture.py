"""The house rules of the layout: which package may import which, module size, and module docstrings.

Read by anyone who adds a module; docs/architecture.md explains the floors these tests hold.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("settings", "assets", "resources", "sheets_sync", "emulators", "pipelines", "benchmarks")
PRODUCT = ("settings", "assets", "resources", "sheets_sync", "pipelines")

# Who may not import whom: the data flows one way (API -> resource -> raw table -> weekly KPIs -> tracker),
# settings are the ground floor, and the emulators stand for the outside world, so they know none of ours.
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "settings": ("assets", "resources", "sheets_sync", "pipelines", "emulators", "benchmarks"),
    "resources": ("assets", "pipelines", "emulators", "benchmarks"),
    "sheets_sync": ("assets", "resources", "pipelines", "emulators", "benchmarks"),
    "assets": ("pipelines", "emulators", "benchmarks"),
    "emulators": (*PRODUCT, "benchmarks"),
    "pipelines": ("benchmarks",),
}
# Declarative tables that read best whole (docs/architecture.md names them).
LONG_MODULE_EXCEPTIONS = {"assets/kpi_math/catalog.py"}
MAX_MODULE_LINES = 500


def _modules(*packages: str) -> list[Path]:
    return sorted(path for package in packages for path in (ROOT / package).rglob("*.py"))


def _imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_module_reaches_a_floor_it_may_not(package: str) -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(_imported_packages(path) & set(FORBIDDEN[package]))
        for path in _modules(package)
    }
    assert {module: bad for module, bad in offenders.items() if bad} == {}


def test_modules_stay_a_readable_size() -> None:
    too_long = {
        str(path.relative_to(ROOT)): lines
        for path in _modules(*PACKAGES)
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
        and str(path.relative_to(ROOT)) not in LONG_MODULE_EXCEPTIONS
    }
    assert too_long == {}


def test_every_module_says_what_it_is_for() -> None:
    missing = [
        str(path.relative_to(ROOT))
        for path in _modules(*PACKAGES, "tests")
        if not ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert missing == []


def test_no_import_cycle_between_modules() -> None:
    """Top-level imports only (imports inside functions are deferred on purpose and cannot cycle at load)."""
    modules = {".".join(path.relative_to(ROOT).with_suffix("").parts): path for path in _modules(*PACKAGES)}
    modules = {name.removesuffix(".__init__"): path for name, path in modules.items()}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        edges: set[str] = set()
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            edges.update(target for target in targets if target in modules and target != name)
        graph[name] = edges

    cycles: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            # A package's __init__ re-exporting its own modules is not a cycle of meaning.
            if nxt.startswith(f"{node}.") or node.startswith(f"{nxt}."):
                continue
            if state.get(nxt) == 1:
                cycles.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name)
    assert cycles == []
