"""How the proof scales: generated rulesets of 15 to 240 questions, each proven in a fresh
process, beside the enumerator where it can still finish.

Targets on the 2-core reference machine: 120 questions under 2 s, 240 under 10 s, the
default ruleset under 0.2 s (``test_bench_core.py``), and under 500 MB of memory. The
rulesets come from ``tests/generated.py``: a fifth of the questions are follow-ups, and
rules mix ``all``, ``any`` and ``not``. Each is clean (no findings), so the whole proof
runs to the end.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

SCRIPT = Path(__file__).with_name("prove_one.py")
SIZES = (15, 30, 60, 120, 240)
ENUMERABLE = 15  # 30 questions already have about 10^14 answer sets


def prove(
    n: int, method: str, rows: dict[tuple[int, str], dict[str, Any]], faults: str = ""
) -> dict[str, Any]:
    rounds = 3 if method == "prover" else 1
    out = subprocess.run(
        [sys.executable, str(SCRIPT), str(n), method, str(rounds), *([faults] if faults else [])],
        check=True,
        capture_output=True,
        text=True,
        timeout=600,
    ).stdout
    row: dict[str, Any] = json.loads(out)
    rows[(n, method + (f" with {faults}" if faults else ""))] = row
    return row


@pytest.mark.parametrize("n", SIZES)
def test_prover_scales(n: int, scale_rows: dict[tuple[int, str], dict[str, Any]]) -> None:
    row = prove(n, "prover", scale_rows)
    assert row["findings"] == 0
    if n <= ENUMERABLE:
        reference = prove(n, "enumerator", scale_rows)
        assert reference["combinations"] == row["combinations"]


def test_three_faults_in_120_questions(scale_rows: dict[tuple[int, str], dict[str, Any]]) -> None:
    """Item 6 of the prover's issue: exactly the three faults, in under 2 s."""
    row = prove(120, "prover", scale_rows, "not_monotone,dead_rule,failing_case")
    assert sorted(row["checks"]) == ["cases", "monotone", "no-dead-parts"]
