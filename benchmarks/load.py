"""Load benchmark: Screener's production server against a bare Flask reference, with wrk.

    .venv/bin/python benchmarks/load.py [--duration 60] [--connections 64] [--workers N]

Both apps run at once under `screener.server.run` (Granian with Screener's bridge,
preloaded, the same worker count: one per core unless --workers says otherwise) on
loopback ports,
and wrk drives each in turn, in alternating slices, for the same time at the
same concurrency:

* the start page,                 GET  /
* the first question page,        POST /start   (Screener has no GET question page:
                                                 answers never travel in addresses)
* an answer (a valid token),      POST /answer  (the token is opened, a new one sealed and
                                                 the next question shown)

It prints requests per second, p50 and p99 latency and error counts for each,
the ratio Screener / reference, and the resident memory of Screener's workers
after the runs, with the targets beside them. The numbers are reported, not
asserted: `make bench` runs this; docs/performance.md keeps the latest results.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.servers import free_port, started  # noqa: E402

TARGETS = {"question": 0.85, "answer": 0.7}
MEMORY_TARGET_MB = 80


@dataclass
class Run:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int


def parse_wrk(output: str) -> Run:
    """Requests/sec, the 50th and 99th percentile latencies and every kind of error."""

    def ms(label: str) -> float:
        found = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
        assert found, f"no {label}th percentile in wrk's output:\n{output}"
        value, unit = float(found.group(1)), found.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    total = re.search(r"(\d+) requests in", output)
    assert rps and total, output
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors += int(non2xx.group(1)) if non2xx else 0
    return Run(float(rps.group(1)), ms("50"), ms("99"), errors, int(total.group(1)))


def combined(runs: list[Run]) -> Run:
    """Slices of one measurement as one: mean throughput and median, worst p99, all errors."""
    return Run(
        rps=sum(r.rps for r in runs) / len(runs),
        p50_ms=sorted(r.p50_ms for r in runs)[len(runs) // 2],
        p99_ms=max(r.p99_ms for r in runs),
        errors=sum(r.errors for r in runs),
        requests=sum(r.requests for r in runs),
    )


def wrk(url: str, duration: int, connections: int, script: Path | None) -> Run:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "10s"]
    if script is not None:
        command += ["-s", str(script)]
    done = subprocess.run([*command, url], capture_output=True, text=True, check=True)
    return parse_wrk(done.stdout)


def post_script(directory: Path, name: str, body: dict[str, str]) -> Path:
    path = directory / f"{name}.lua"
    encoded = urllib.parse.urlencode(body)
    path.write_text(
        'wrk.method = "POST"\n'
        f'wrk.body = "{encoded}"\n'
        'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n'
    )
    return path


def field(html: str, form_action: str, name: str) -> str:
    form = re.search(rf'<form method="post" action="{form_action}".*?</form>', html, re.S)
    assert form, f"no form to {form_action}"
    found = re.search(rf'name="{name}" value="([^"]*)"', form.group(0))
    assert found, f"no {name} in the form to {form_action}"
    return found.group(1)


def workers_rss_mb(master: int) -> list[float]:
    """Resident memory of each worker of a server's main process, in MB."""
    children = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(master)], capture_output=True, text=True, check=False
    ).stdout.split()
    sizes = []
    for pid in children:
        status = Path(f"/proc/{pid}/status").read_text()
        found = re.search(r"VmRSS:\s+(\d+) kB", status)
        if found:
            sizes.append(int(found.group(1)) / 1024)
    return sizes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--duration", type=int, default=60, help="seconds per page and app, and of the soak (60)"
    )
    parser.add_argument(
        "--slices", type=int, default=6, help="alternating runs each page is split into (6)"
    )
    parser.add_argument("--connections", type=int, default=64, help="open connections (64)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is missing: `make bench` installs Debian's wrk package", file=sys.stderr)
        return 1

    python = sys.executable
    screener_port, reference_port = free_port(), free_port()
    scratch = Path(tempfile.mkdtemp(prefix="screener-load-"))
    workers = str(args.workers)
    screener_cmd = [
        str(Path(python).parent / "screener"),
        "serve",
        "--port",
        str(screener_port),
        "--workers",
        workers,
    ]
    reference_cmd = [
        python,
        "-c",
        "import sys; sys.path.insert(0, 'benchmarks'); from reference import create_app; "
        "from screener.server import run; "
        f"run(create_app(), host='127.0.0.1', port={reference_port}, workers={workers})",
    ]

    results: dict[str, dict[str, Run]] = {"screener": {}, "reference": {}}
    env = {"SCREENER_SECRET_KEY": "i5SZYHWSgCYPnyPzbix0EgU0693Vt50QXnpt_7LcJbs"}
    bases = {
        "screener": f"http://127.0.0.1:{screener_port}",
        "reference": f"http://127.0.0.1:{reference_port}",
    }
    with (
        started(screener_cmd, screener_port, env, str(ROOT), scratch / "screener.log") as master,
        started(reference_cmd, reference_port, env, str(ROOT), scratch / "reference.log"),
    ):
        scripts: dict[str, dict[str, Path]] = {}
        for name, base in bases.items():
            with urllib.request.urlopen(base + "/start", data=b"", timeout=10) as response:
                html = response.read().decode()
            body = {"question": field(html, "/answer", "question"), "answer": "no"}
            if name == "screener":
                # The first question is the scope question: answered in scope, the
                # screening goes on to the next question, as for nearly everyone.
                body["answer"] = "yes"
                body["token"] = field(html, "/answer", "token")
            scripts[name] = {
                "question": post_script(scratch, f"{name}-start", {}),
                "answer": post_script(scratch, f"{name}-answer", body),
            }
        # The machine's speed drifts (other work on the host, CPU frequency), so each page
        # is measured in alternating slices, Screener then the reference then the other
        # way round, and the slices are added up: any drift falls on both alike.
        piece = max(1, args.duration // args.slices)
        for label, path in (("start", "/"), ("question", "/start"), ("answer", "/answer")):
            print(f"{label}: {args.slices} x {piece} s per app ...", file=sys.stderr)
            runs: dict[str, list[Run]] = {"screener": [], "reference": []}
            for i in range(args.slices):
                for name in ("screener", "reference")[:: 1 if i % 2 == 0 else -1]:
                    script = scripts[name].get(label)
                    runs[name].append(wrk(bases[name] + path, piece, args.connections, script))
            for name, slices in runs.items():
                results[name][label] = combined(slices)
        # And one unbroken run of the busiest page, for errors under sustained load.
        print(f"soak: answers, {args.duration} s ...", file=sys.stderr)
        soak = wrk(
            bases["screener"] + "/answer",
            args.duration,
            args.connections,
            scripts["screener"]["answer"],
        )
        rss = workers_rss_mb(master.pid)

    print(f"\nScreener load benchmark, {time.strftime('%Y-%m-%d %H:%M %Z')}")
    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.platform()}"
    )
    print(
        f"Command: .venv/bin/python benchmarks/load.py --duration {args.duration} "
        f"--slices {args.slices} --connections {args.connections} --workers {workers}\n"
    )
    header = (
        "page",
        "Screener req/s",
        "p50 ms",
        "p99 ms",
        "errors",
        "reference req/s",
        "p50 ms",
        "p99 ms",
        "errors",
        "ratio",
        "target",
    )
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for label in ("start", "question", "answer"):
        s, r = results["screener"][label], results["reference"][label]
        target = TARGETS.get(label)
        ratio = s.rps / r.rps
        verdict = f"≥ {target} {'met' if ratio >= target else 'MISSED'}" if target else "none"
        print(
            f"| {label} | {s.rps:.0f} | {s.p50_ms:.1f} | {s.p99_ms:.1f} | {s.errors} "
            f"| {r.rps:.0f} | {r.p50_ms:.1f} | {r.p99_ms:.1f} | {r.errors} "
            f"| {ratio:.2f} | {verdict} |"
        )
    errors = sum(run.errors for run in results["screener"].values())
    print(f"\nScreener errors in all runs: {errors} (target 0)")
    print(
        f"Soak, answers for {args.duration} s unbroken at {args.connections} connections: "
        f"{soak.requests} requests, {soak.rps:.0f} req/s, p50 {soak.p50_ms:.1f} ms, "
        f"p99 {soak.p99_ms:.1f} ms, {soak.errors} errors (target 0)"
    )
    biggest = max(rss) if rss else float("nan")
    print(
        f"Screener worker memory (RSS) after the runs: "
        f"{', '.join(f'{mb:.1f}' for mb in rss)} MB; largest {biggest:.1f} MB "
        f"(target under {MEMORY_TARGET_MB} MB)"
    )
    shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
