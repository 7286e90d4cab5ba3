"""`pip install .` (not editable) into a fresh virtual environment gives a working Screener."""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

import pytest

from tests.servers import free_port, running

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=600, check=False
    )


def test_wheel_in_a_fresh_venv(tmp_path: Path) -> None:
    built = run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--no-deps",
        "--quiet",
        "-w",
        tmp_path / "dist",
        ROOT,
        cwd=tmp_path,
    )
    assert built.returncode == 0, built.stderr
    wheel = next((tmp_path / "dist").glob("screener-*.whl"))

    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    bin_dir = env_dir / "bin"
    installed = run(bin_dir / "python", "-m", "pip", "install", "--quiet", wheel, cwd=tmp_path)
    assert installed.returncode == 0, installed.stderr

    # Run from an empty directory so nothing from the source tree can be picked up.
    where = tmp_path / "elsewhere"
    where.mkdir()
    located = run(bin_dir / "python", "-c", "import screener; print(screener.__file__)", cwd=where)
    assert str(env_dir) in located.stdout, located

    checked = run(bin_dir / "screener", "check", cwd=where)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "prostate-massage.yaml: prostate_massage " in checked.stdout
    assert "  OK: complete" in checked.stdout
    assert str(env_dir) in checked.stdout, "the packaged rules file is the one checked"

    port = free_port()
    with running(
        [str(bin_dir / "screener"), "serve", "--port", str(port), "--workers", "1"],
        port,
        {"SCREENER_SECRET_KEY": "O3laaPZpOthf6QFjVzPjkJxtYhubjQnlP-0P5vSab-w"},
        cwd=str(where),
    ) as base:
        import urllib.request

        with urllib.request.urlopen(base + "/") as page:
            assert b"Before you try prostate massage: check for warning signs" in page.read()
        with urllib.request.urlopen(base + "/static/screener.css") as css:
            assert b"--screener-brand" in css.read()


DEV_TOOLS = ("pytest", "playwright", "mypy", "ruff", "schemathesis", "hypothesis", "fhirclient")


def test_make_run_installs_what_serving_needs_and_no_more(tmp_path: Path) -> None:
    """`make run`'s install step, into a fresh virtual environment: Screener serves from
    it, and none of the development tools is there (`make test` installs those)."""
    env_dir = tmp_path / "venv"
    stamp = env_dir / ".installed-serve"
    planned = run("make", "-n", "run", f"VENV={env_dir}", cwd=ROOT)
    assert planned.returncode == 0, planned.stderr
    assert f"{env_dir}/bin/python -m pip install --quiet -e .\n" in planned.stdout
    assert "[dev]" not in planned.stdout

    installed = run("make", f"VENV={env_dir}", stamp, cwd=ROOT)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    listed = run(env_dir / "bin" / "python", "-m", "pip", "list", "--format=freeze", cwd=tmp_path)
    names = {line.split("==")[0].lower() for line in listed.stdout.splitlines()}
    assert {"screener", "flask", "granian"} <= names
    assert not names & set(DEV_TOOLS), "make run installed development tools"
    checked = run(env_dir / "bin" / "screener", "check", cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr

    # Installed, `make run` goes straight to serving; `make test` adds the tools.
    again = run("make", "-n", "run", f"VENV={env_dir}", cwd=ROOT)
    assert "pip install" not in again.stdout and "screener serve --dev" in again.stdout
    dev = run("make", "-n", "pytest", f"VENV={env_dir}", cwd=ROOT)
    assert "pip install --quiet -e '.[dev]'" in dev.stdout
