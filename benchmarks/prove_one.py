"""Prove one generated ruleset in a fresh process and print its time and peak memory as JSON.

Run by ``test_bench_prover.py``: ``python benchmarks/prove_one.py N METHOD ROUNDS [FAULTS]``,
where METHOD is ``prover`` or ``enumerator`` and FAULTS, comma-separated, are faults
``tests/generated.py`` knows how to add. The time is the median of ROUNDS proofs of the
same ruleset, generated and parsed first and not timed; the memory is the process's
peak resident size (VmHWM), everything included (Python, the libraries, the ruleset).
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from screener import verify
from screener.resources import schema
from screener.ruleset import parse
from tests.generated import generate


def peak_bytes() -> int:
    """This process's peak resident memory. VmHWM, not getrusage: Linux carries
    ru_maxrss over from the parent that started this process."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def main() -> None:
    n, method, rounds = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    faults = tuple(sys.argv[4].split(",")) if len(sys.argv) > 4 else ()
    ruleset = parse(generate(n, faults=faults), filename=f"generated-{n}.yaml", schema=schema())
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        result = verify.verify(ruleset, exhaustive=method == "enumerator")
        timings.append(time.perf_counter() - started)
    peak = peak_bytes()
    print(
        json.dumps(
            {
                "questions": len(ruleset.questions),
                "follow_ups": sum(q.when is not None for q in ruleset.questions),
                "rules": len(ruleset.rules),
                "combinations": result.combinations,
                "findings": len(result.findings),
                "checks": [f.check for f in result.findings],
                "seconds": sorted(timings)[len(timings) // 2],
                "peak_bytes": peak,
            }
        )
    )


if __name__ == "__main__":
    main()
