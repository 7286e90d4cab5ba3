"""The clinical safety file names only checks and tests that exist."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAFETY = (ROOT / "docs" / "clinical-safety.md").read_text(encoding="utf-8")
REFERENCE = re.compile(r"`((?:screener|tests)/[\w/]+\.py)::(\w+)`")


def defined_names(path: Path) -> set[str]:
    """Every function and class defined anywhere in a Python file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    }


def test_every_named_mitigation_exists() -> None:
    references = REFERENCE.findall(SAFETY)
    assert len(references) >= 20
    missing = [
        f"{path}::{name}"
        for path, name in references
        if not (ROOT / path).exists() or name not in defined_names(ROOT / path)
    ]
    assert missing == []


def test_every_hazard_has_a_proof() -> None:
    rows = [line for line in SAFETY.splitlines() if re.match(r"\| H\d+ \|", line)]
    assert len(rows) >= 10
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert len(cells) == 8, row
        assert REFERENCE.search(cells[6]), f"{cells[0]} names no check or test"
        before, after = (int(c.rsplit("=", 1)[1]) for c in (cells[4], cells[7]))
        assert after <= before and after <= 8, cells[0]
