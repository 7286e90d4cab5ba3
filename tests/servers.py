"""Start Screener server processes for tests, on free loopback ports, and stop them."""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_until_up(url: str, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    """Poll the URL until it answers, or fail with the server's output."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            out = process.stdout.read().decode() if process.stdout else ""
            raise AssertionError(f"the server exited with {process.returncode}:\n{out}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    raise AssertionError(f"nothing answered at {url} within {timeout}s")


@contextmanager
def running(
    command: Sequence[str],
    port: int,
    env: dict[str, str] | None = None,
    cwd: str | None = None,
    log: Path | None = None,
) -> Iterator[str]:
    """Run a server command until the block ends; yield its base URL.

    With ``log``, everything the server prints goes to that file (read it after the
    block: the server has stopped and flushed by then)."""
    with started(command, port, env, cwd, log):
        yield f"http://127.0.0.1:{port}"


@contextmanager
def started(
    command: Sequence[str],
    port: int,
    env: dict[str, str] | None = None,
    cwd: str | None = None,
    log: Path | None = None,
) -> Iterator[subprocess.Popen[bytes]]:
    """As ``running``, yielding the server's process (for `screener serve`, the main
    process, whose children are the workers)."""
    output = open(log, "wb") if log is not None else subprocess.PIPE  # noqa: SIM115
    process = subprocess.Popen(
        command,
        env={**os.environ, **(env or {})},
        cwd=cwd,
        stdout=output,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_until_up(f"http://127.0.0.1:{port}/", process)
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, 15)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait()
        if process.stdout:
            process.stdout.close()
        if log is not None and not isinstance(output, int):
            output.close()
