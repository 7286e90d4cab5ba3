"""Screener served for real: the production server, stateless across processes, and flask run."""

from __future__ import annotations

import json
import re
import shutil
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from screener.resources import default_rules_path, load_ruleset
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


def test_screener_serve_with_granian_and_two_workers() -> None:
    port = free_port()
    env = {"SCREENER_SECRET_KEY": "nHUsxRNPAx8JtainWZTo7qjggZuA_izR7qizqlUODj8"}
    with running(
        [str(BIN / "screener"), "serve", "--port", str(port), "--workers", "2"], port, env
    ) as base:
        status, html = fetch(base + "/")
        assert status == 200 and "Start" in html
        status, html = fetch(base + "/start", {})
        assert question_of(html) == "for_you"


def test_one_screening_across_two_server_processes() -> None:
    """Nothing is kept on the server: alternate requests go to two processes with one secret."""
    ports = free_port(), free_port()
    env = {"SCREENER_SECRET_KEY": "cDT-hcU_jpwighI7ZjeHTUkW9GBE_uvt1a4u458tQfg"}
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
                {
                    "token": token_of(html),
                    "question": question,
                    "answer": "yes" if question == "for_you" else "no",
                },
            )
        asked = [q for q in load_ruleset(default_rules_path()).flow if q.when is None]
        assert step == len(asked), "the scope question and every other question"
        assert "Check your answers" in html
        _, html = fetch(two + "/result", {"token": token_of(html)})
        assert 'class="outcome outcome--info"' in html


def test_flask_run_works() -> None:
    flask = BIN / "flask"
    assert flask.exists() or shutil.which("flask")
    port = free_port()
    with running(
        [str(flask), "--app", "screener", "run", "--port", str(port)],
        port,
        {"SCREENER_SECRET_KEY": "zyTmff289wqGE4qeeBZw1fk3Ngz3Oihv3XhMVy7OZe8"},
    ) as base:
        status, html = fetch(base + "/")
        assert status == 200 and "Before you try prostate massage: check for warning signs" in html


def screen(base: str, prefix: str, answers: dict[str, str], seen: list[str]) -> str:
    """One whole screening through the pages; every token met is added to ``seen``.
    The outcome's id, or "outside" for the page that says the check is not made for them."""
    _, html = fetch(f"{base}{prefix}/start", {})
    for _ in range(40):
        question = question_of(html.replace(f'action="{prefix}/answer"', 'action="/answer"'))
        if question is None:
            break
        seen.append(token_of(html))
        default = "yes" if question == "for_you" else "no"
        _, html = fetch(
            f"{base}{prefix}/answer",
            {"token": seen[-1], "question": question, "answer": answers.get(question, default)},
        )
    seen.append(token_of(html))
    if 'class="outside"' in html:  # the check is not made for them: it ends here
        assert "outcome" not in html and f'action="{prefix}/result"' not in html
        return "outside"
    _, html = fetch(f"{base}{prefix}/result", {"token": seen[-1]})
    found = re.search(r'class="outcome outcome--(\w+)"', html)
    assert found, "no result page"
    return found.group(1)


def test_logs_hold_no_answer_or_token_and_metrics_add_up(tmp_path: Path) -> None:
    """Complete screenings on the production server, then read every line it logged."""
    ruleset = load_ruleset(default_rules_path())
    port, metrics_port = free_port(), free_port()
    log = tmp_path / "server.log"
    env = {
        "SCREENER_SECRET_KEY": "ZolcEFzUcd3yjzdbcGObLR1SxLdPXBzQXSsqWD6JyDI",
        "SCREENER_METRICS_PORT": str(metrics_port),
    }
    plan = [
        ("", {}, "info"),
        ("/es", {"rectal_bleeding": "yes", "bleeding_heavy": "unsure"}, "emergency"),
        ("/embed", {"cancer_history": "unsure"}, "clinician"),
        ("", {"bleeding_risk": "yes"}, "clinician"),
        ("/en-GB", {}, "info"),
        ("", {"black_stool": "yes"}, "urgent"),
        ("", {"for_you": "unsure"}, "outside"),
        ("/embed", {"for_you": "no"}, "outside"),
    ]
    all_no = {q.id: "no" for q in ruleset.questions if q.when is None} | {"for_you": "yes"}
    seen: list[str] = []
    command = [str(BIN / "screener"), "serve", "--workers", "2", "--port", str(port)]
    with running(command, port, env, log=log) as base:
        for prefix, answers, expected in plan:
            assert screen(base, prefix, answers, seen) == expected
        with pytest.raises(urllib.error.HTTPError) as refused:
            fetch(base + "/result", {"token": seen[0][:-8] + "AAAAAAAA"})
        assert refused.value.code == 400
        refused.value.close()
        request = urllib.request.Request(
            base + "/api/v1/evaluate",
            data=json.dumps({"answers": {**all_no, "weak_immunity": "yes"}}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert json.load(response)["outcome"]["id"] == "clinician"
        with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10) as m:
            scraped = m.read().decode()
    logged = log.read_text()

    # The log says what happened ...
    assert logged.count('"POST /answer" 200') + logged.count('"POST /es/answer" 200') >= 40
    assert '"POST /result" 400' in logged
    assert logged.count("screening completed: outcome urgent") == 1
    assert logged.count("screening completed: outcome emergency") == 1
    assert logged.count("screening ended: outside scope") == 2
    # ... and nothing of anyone: no token (nor a piece of one), no question, no answer.
    assert len(seen) > 60
    for token in seen:
        for piece in (token[:20], token[40:60], token[-20:]):
            assert piece not in logged and piece not in scraped
    for question in ruleset.flow:
        assert question.id not in logged and question.id not in scraped
    assert not re.search(r"\b(yes|unsure|Yes|Not sure|Sí|No lo sé)\b", logged)

    # Metrics: every worker's counts add up, by tier, version and channel, and nothing else.
    version = ruleset.version

    def count(outcome: str, channel: str) -> float:
        labels = f'channel="{channel}",outcome="{outcome}",ruleset_version="{version}"'
        name = "screener_screenings_completed_total{" + labels + "} "
        line = re.search("^" + re.escape(name) + r"([\d.]+)$", scraped, re.M)
        assert line, (outcome, channel)
        return float(line.group(1))

    assert count("info", "web") == 2 and count("urgent", "web") == 1
    assert count("emergency", "web") == 1
    assert count("clinician", "web") == 1 and count("clinician", "embed") == 1
    assert count("clinician", "api") == 1 and count("urgent", "api") == 0

    def outside(channel: str) -> float:
        name = f'screener_screenings_outside_scope_total{{channel="{channel}",ruleset_version="{version}"}} '
        line = re.search("^" + re.escape(name) + r"([\d.]+)$", scraped, re.M)
        assert line, channel
        return float(line.group(1))

    assert outside("web") == 1 and outside("embed") == 1 and outside("kiosk") == 0
    assert (
        'screener_request_duration_seconds_count{method="POST",status="200",view="answer"}'
        in scraped
    )
    labels = set(re.findall(r"(\w+)=\"", scraped))
    assert labels <= {"channel", "outcome", "ruleset_version", "view", "method", "status", "le"}


def workers_of(master: int, expect: int, gone: str | None = None) -> list[str]:
    """The master's worker pids, once there are `expect` of them (and `gone` is not one).

    The server answers as soon as one worker is up, so the others may still be
    booting when the first page comes back: wait for them rather than race.
    """
    import subprocess
    import time

    deadline = time.monotonic() + 30
    while True:
        now = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(master)], capture_output=True, text=True
        ).stdout.split()
        if len(now) == expect and gone not in now:
            return now
        assert time.monotonic() < deadline, (
            f"workers of {master}: {now}, wanted {expect} without {gone}"
        )
        time.sleep(0.2)


def test_metrics_survive_a_worker_that_exits(tmp_path: Path) -> None:
    """Granian replaces a worker that dies; the counts and the pages must carry on."""
    import os
    import signal
    import subprocess

    port, metrics_port = free_port(), free_port()
    env = {
        "SCREENER_SECRET_KEY": "qWJfUXF96qBOobL2l_SpHSIfrwGTzC2VzfutZYcDN9U",
        "SCREENER_METRICS_PORT": str(metrics_port),
    }
    command = [str(BIN / "screener"), "serve", "--workers", "2", "--port", str(port)]
    with running(command, port, env, log=tmp_path / "server.log") as base:
        master = next(
            int(line.split()[0])
            for line in subprocess.run(
                ["ps", "-ww", "-o", "pid=,args=", "-u", str(os.getuid())],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.splitlines()
            if f"--port {port}" in line and "--workers 2" in line
        )
        workers = workers_of(master, 2)
        for _ in range(4):  # counted by the workers that are about to be replaced
            status, _ = fetch(base + "/start", {})
            assert status == 200
        os.kill(int(workers[0]), signal.SIGTERM)
        workers_of(master, 2, gone=workers[0])
        for _ in range(6):  # both workers, the new one among them, answer pages
            status, _ = fetch(base + "/start", {})
            assert status == 200
        with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10) as m:
            scraped = m.read().decode()
    begun = sum(
        float(line.rsplit(" ", 1)[1])
        for line in scraped.splitlines()
        if line.startswith("screener_request_duration_seconds_count") and 'view="begin"' in line
    )
    assert begun == 10, scraped
    assert "Traceback" not in (tmp_path / "server.log").read_text()


def test_a_metrics_port_in_use_is_one_clear_line_and_exit_2() -> None:
    """Not mocked: the port is really taken, and the server says so and stops."""
    import os
    import secrets
    import socket
    import subprocess

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        done = subprocess.run(
            [str(BIN / "screener"), "serve", "--port", str(free_port())],
            env={
                **os.environ,
                "SCREENER_SECRET_KEY": secrets.token_urlsafe(32),
                "SCREENER_METRICS_PORT": str(busy),
            },
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 2, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.startswith("screener: SCREENER_")]
    assert lines == [
        f"screener: SCREENER_METRICS_PORT: port {busy} on 127.0.0.1 is already in use"
    ], done.stderr
    assert "Traceback" not in done.stderr


def test_a_port_another_server_shares_is_refused_with_exit_2() -> None:
    """Granian listens with SO_REUSEPORT, so a second server on its port would start and
    quietly take half the requests (an old version of the rules still answering some
    people). A socket listening as Granian's does is really there; serve says so and stops.
    """
    import os
    import secrets
    import socket
    import subprocess

    with socket.socket() as taken:
        taken.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        done = subprocess.run(
            [str(BIN / "screener"), "serve", "--port", str(busy)],
            env={**os.environ, "SCREENER_SECRET_KEY": secrets.token_urlsafe(32)},
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 2, done.stderr
    assert f"screener: port {busy} on 127.0.0.1 is already in use" in done.stderr
    assert "Screener serving" not in done.stderr and "Traceback" not in done.stderr
