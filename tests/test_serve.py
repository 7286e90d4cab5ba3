"""Screener served for real: the production server, stateless across processes, and flask run."""

from __future__ import annotations

import re
import shutil
import sys
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.servers import free_port, running

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent


def fetch(url: str, data: dict[str, str] | None = None) -> tuple[int, str]:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    with urllib.request.urlopen(url, data=body, timeout=10) as response:
        return response.status, response.read().decode()


def token_of(html: str) -> str:
    found = re.search(r'<main.*?name="token" value="([^"]+)"', html, re.S)
    assert found, "no token in the page"
    return found.group(1)


def question_of(html: str) -> str | None:
    found = re.search(r'action="/answer".*?name="question" value="([^"]+)"', html, re.S)
    return found.group(1) if found else None


def test_screener_serve_with_gunicorn_and_two_workers() -> None:
    port = free_port()
    env = {"SCREENER_SECRET_KEY": "serve test key"}
    with running(
        [str(BIN / "screener"), "serve", "--port", str(port), "--workers", "2"], port, env
    ) as base:
        status, html = fetch(base + "/")
        assert status == 200 and "Start" in html
        status, html = fetch(base + "/start", {})
        assert question_of(html) == "fever"


def test_one_screening_across_two_server_processes() -> None:
    """Nothing is kept on the server: alternate requests go to two processes with one secret."""
    ports = free_port(), free_port()
    env = {"SCREENER_SECRET_KEY": "shared key"}
    cmd = [str(BIN / "screener"), "serve", "--workers", "1", "--port"]
    with (
        running([*cmd, str(ports[0])], ports[0], env) as one,
        running([*cmd, str(ports[1])], ports[1], env) as two,
    ):
        bases = [one, two]
        _, html = fetch(one + "/start", {})
        for step in range(40):
            question = question_of(html)
            if question is None:
                break
            _, html = fetch(
                bases[step % 2] + "/answer",
                {"token": token_of(html), "question": question, "answer": "no"},
            )
        assert "Check your answers" in html
        _, html = fetch(two + "/result", {"token": token_of(html)})
        assert "General safety information" in html


def test_flask_run_works() -> None:
    flask = BIN / "flask"
    assert flask.exists() or shutil.which("flask")
    port = free_port()
    with running(
        [str(flask), "--app", "screener", "run", "--port", str(port)],
        port,
        {"SCREENER_SECRET_KEY": "flask run key"},
    ) as base:
        status, html = fetch(base + "/")
        assert status == 200 and "Is prostate massage safe for me to try?" in html
