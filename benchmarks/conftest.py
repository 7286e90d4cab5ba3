"""Benchmark harness: collects medians and prints them against their targets and references."""

from __future__ import annotations

from typing import Any

import pytest

RESULTS: dict[str, float] = {}
SCALE: dict[tuple[int, str], dict[str, Any]] = {}  # (questions, method): one proof's figures
SCALE_TARGETS = {120: 2.0, 240: 10.0}  # seconds
SCALE_MEMORY = 500 * 2**20  # bytes

TARGETS = {
    "evaluate": ("one evaluation of the default ruleset", 20e-6),
    "verify": ("full verification of the default ruleset", 0.2),
    "token": ("sealing and then opening one answers token", None),
}


@pytest.fixture
def record() -> dict[str, float]:
    """Where a benchmark leaves its medians, in seconds, by name."""
    return RESULTS


@pytest.fixture
def scale_rows() -> dict[tuple[int, str], dict[str, Any]]:
    """Where the scaling benchmark leaves each proof's figures."""
    return SCALE


def _size(n: int) -> str:
    return f"{n:.3g}" if n >= 1e6 else f"{n:,}"


def _scale_table() -> list[str]:
    """The prover's time and memory against the number of questions."""
    lines = [
        "",
        "The prover against the number of questions (median of 3, a fresh process each)",
        "  questions  follow-ups  rules  answer sets  prover time            peak memory"
        "  enumerator",
    ]
    for n in sorted({n for n, _ in SCALE}):
        row = SCALE.get((n, "prover"))
        if row is None:
            continue
        ref = SCALE.get((n, "enumerator"))
        target = SCALE_TARGETS.get(n)
        verdict = ""
        if target is not None:
            verdict = f"({'meets' if row['seconds'] < target else 'MISSES'} < {target:g} s)"
        memory = f"{row['peak_bytes'] / 2**20:.0f} MB" + (
            "" if row["peak_bytes"] < SCALE_MEMORY else " MISSES < 500 MB"
        )
        enum = (
            f"{ref['seconds']:.3f} s, {ref['peak_bytes'] / 2**20:.0f} MB" if ref else "out of reach"
        )
        lines.append(
            f"  {row['questions']:>9}  {row['follow_ups']:>10}  {row['rules']:>5}  "
            f"{_size(row['combinations']):>11}  {row['seconds']:>7.3f} s {verdict:<14}  "
            f"{memory:>11}  {enum}"
        )
    for n, method in sorted(SCALE):
        if method.startswith("prover with"):
            row = SCALE[(n, method)]
            verdict = "meets" if row["seconds"] < 2.0 else "MISSES"
            lines.append(
                f"  {n} questions {method[len('prover ') :]}: {row['findings']} findings "
                f"in {row['seconds']:.3f} s ({verdict} < 2 s)"
            )
    return lines


def _show(seconds: float) -> str:
    return f"{seconds * 1e6:.1f} µs" if seconds < 1e-3 else f"{seconds:.3f} s"


def pytest_terminal_summary(terminalreporter: Any) -> None:
    write = terminalreporter.write_line
    if SCALE:
        for line in _scale_table():
            write(line)
    if not RESULTS:
        return
    write("")
    write("Screener benchmarks (median, this machine, this run)")
    for name, (what, target) in TARGETS.items():
        if name not in RESULTS:
            continue
        median = RESULTS[name]
        if target is None:
            write(f"  {what}: {_show(median)}  (no target)")
        else:
            verdict = "meets" if median < target else "MISSES"
            write(f"  {what}: {_show(median)}  ({verdict} the target of under {_show(target)})")
        reference = RESULTS.get(f"{name}_reference")
        if reference is not None:
            label = {
                "evaluate": "hand-written if/else for the same rules (no checks, no reasons)",
                "verify": "the exhaustive enumerator (the prover's oracle) on the 1.1.0 rules",
                "token": "the same with Fernet (AES-128-CBC and HMAC-SHA256), the format before",
            }[name]
            ratio = median / reference
            if ratio >= 1:
                shown = f"{ratio:.1f}x the reference"
            elif ratio >= 0.1:
                shown = f"{ratio:.2f} of it"
            else:
                shown = f"1/{1 / ratio:,.0f} of it"
            write(f"    reference, {label}: {_show(reference)}; Screener takes {shown}")
