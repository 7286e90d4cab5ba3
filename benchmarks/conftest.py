"""Benchmark harness: collects medians and prints them against their targets and references."""

from __future__ import annotations

from typing import Any

import pytest

RESULTS: dict[str, float] = {}

TARGETS = {
    "evaluate": ("one evaluation of the default ruleset", 20e-6),
    "verify": ("full verification of the default ruleset", 2.0),
    "token": ("sealing and then opening one answers token", None),
}


@pytest.fixture
def record() -> dict[str, float]:
    """Where a benchmark leaves its medians, in seconds, by name."""
    return RESULTS


def _show(seconds: float) -> str:
    return f"{seconds * 1e6:.1f} µs" if seconds < 1e-3 else f"{seconds:.3f} s"


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not RESULTS:
        return
    write = terminalreporter.write_line
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
                "verify": "the same combinations one by one with engine.evaluate, extrapolated",
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
