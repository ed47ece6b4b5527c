"""docs/reliability.md: every row of the fault matrix and of the conformance tables names a test that exists."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
TEST_ID = re.compile(r"`(tests/[\w/]+\.py::[\w\[\]\-]+)`")


def test_every_row_of_the_matrix_names_a_collected_test():
    text = (ROOT / "docs" / "reliability.md").read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.startswith("| ") and not line.startswith("| ---")]
    headers = {"| Fault | Source | Outcome | Test |", "| Where it is killed | Outcome | Test |"}
    headers |= {"| Output searched for sentinel secrets | Test |", "| Input | Outcome | Test |"}
    headers |= {
        "| Judge | What it checks | Test |",
        "| Recorded response | Source (repository, path, commit) | Licence | Test |",
        "| Case | Outcome | Test |",
    }
    body = [row for row in rows if row not in headers]
    assert len(body) >= 50
    named = [TEST_ID.findall(row) for row in body]
    assert all(named), [row for row, ids in zip(body, named, strict=True) if not ids]
    wanted = {test_id for ids in named for test_id in ids}
    files = sorted({test_id.split("::")[0] for test_id in wanted})
    collected = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *files],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.splitlines()
    missing = sorted(wanted - set(collected))
    assert not missing, f"docs/reliability.md names tests that do not exist: {missing}"
