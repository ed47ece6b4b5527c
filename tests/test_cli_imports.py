"""The CLI answers ``--help`` and argument errors before Dagster (or pandas) is imported.

What is imported is a behaviour (Dagster alone takes over a second to import); how fast the answer comes is
measured in ``make bench``, never here.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.cli import _instant_arg
from pipelines.reset_source import SOURCE_CHOICES
from resources.source_identity import SOURCES

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parent.parent

_PROBE = """
import contextlib, io, sys
import pipelines.cli as cli
out = io.StringIO()
for argv in ({argvs}):
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        try:
            cli.main(argv)
        except SystemExit:
            pass
heavy = sorted(name for name in ("dagster", "pandas", "sqlalchemy") if name in sys.modules)
print(",".join(heavy) or "none")
print(out.getvalue())
"""


def _probe(*argvs: list[str]) -> list[str]:
    code = _PROBE.format(argvs=", ".join(repr(a) for a in argvs) + ",")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return proc.stdout.splitlines()


def test_help_and_subcommand_help_import_no_dagster() -> None:
    lines = _probe(["--help"], ["demo", "--help"], ["reset-source", "--help"])
    assert lines[0] == "none"
    assert any("reset-source" in line for line in lines)
    assert any("--fixture" in line for line in lines)


def test_argument_errors_import_no_dagster() -> None:
    lines = _probe(["demo", "--as-of", "yesterday"], ["run", "--from", "2026-13-01"], ["reset-source", "nope"])
    assert lines[0] == "none"
    text = "\n".join(lines)
    assert "'yesterday' is not an ISO-8601 instant" in text
    assert "'2026-13-01' is not a date in YYYY-MM-DD form" in text
    assert "invalid choice: 'nope'" in text


def test_reset_source_choices_are_the_resources_sources() -> None:
    assert SOURCE_CHOICES == SOURCES


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("2026-11-24T00:00:00Z", "2026-11-24T00:00:00+00:00"),
        ("2026-11-24", "2026-11-24T00:00:00+00:00"),
        ("2026-11-24 06:30", "2026-11-24T06:30:00+00:00"),
        ("2026-11-24T01:00:00+01:00", "2026-11-24T00:00:00+00:00"),
    ],
)
def test_as_of_is_read_as_a_utc_instant(given: str, expected: str) -> None:
    assert _instant_arg(given) == expected
