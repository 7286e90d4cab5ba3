"""The screener command: check, evaluate and serve."""

from __future__ import annotations

import json
import re
import secrets
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from flask import Flask

from screener import config, create_app, server
from screener.cli import main
from screener.resources import default_rules_path, load_ruleset
from screener.ruleset import Ruleset
from tests.test_ruleset import MINI

KEY = secrets.token_urlsafe(32)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_check_default_rules(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SCREENER_RULES", raising=False)
    result = runner.invoke(main, ["check"])
    assert result.exit_code == 0, result.output
    assert "prostate-massage.yaml: prostate_massage 2.0.0 (" in result.output
    assert "52 cases pass" in result.output
    assert "readability (en): mean grade" in result.output


def test_check_uses_the_configured_rules(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, rules_file: Callable[[str], Path]
) -> None:
    monkeypatch.setenv("SCREENER_RULES", str(rules_file(MINI)))
    result = runner.invoke(main, ["check"])
    assert result.exit_code == 0, result.output
    assert "mini 1.0 (" in result.output and "  OK: complete" in result.output


def test_check_reports_every_problem_with_file_and_line(
    runner: CliRunner, rules_file: Callable[[str], Path]
) -> None:
    good = rules_file(MINI, "good.yaml")
    bad = rules_file(
        MINI.replace("    outcome: high", "    outcome: nowhere").replace(
            'version: "1.0"', "version: 1"
        ),
        "bad.yaml",
    )
    result = runner.invoke(main, ["check", str(good), str(bad)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert f"{bad}:2: version: must be text, not 1 (put it in quotes)" in lines
    assert f"{bad}:16: rule 'r1' outcome: no outcome has the id 'nowhere'" in lines
    assert any(line.startswith(f"{good}: mini 1.0 (") for line in lines)
    assert (
        "  OK: complete, monotone towards care, no dead parts, 2 cases pass, no diagnosis" in lines
    )
    assert "Traceback" not in result.output


def test_check_reports_failing_cases(runner: CliRunner, rules_file: Callable[[str], Path]) -> None:
    path = rules_file(MINI.replace("others: no, outcome: low", "others: yes, outcome: low"))
    result = runner.invoke(main, ["check", str(path)])
    assert result.exit_code == 1
    assert (
        f"{path}:20: [cases] case 'none': case 'none' expects 'low' but gets 'high' (rules that hold: r1)"
        in result.output
    )


def test_check_missing_file(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(main, ["check", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 1
    assert f"{tmp_path / 'nope.yaml'}:1: no such file" in result.output


def inside(ruleset: Ruleset) -> dict[str, str]:
    """The answers to the scope questions of a person the screening is for."""
    return {q.id: "yes" for q in ruleset.scope}


def test_evaluate_from_stdin(runner: CliRunner) -> None:
    ruleset = load_ruleset(default_rules_path())
    answers = {**inside(ruleset), **{q.id: "no" for q in ruleset.questions if q.when is None}}
    result = runner.invoke(main, ["evaluate", "-"], input=json.dumps(answers))
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {
        "outcome": {"id": "info", "severity": 1, "title": ruleset.outcome_by_id["info"].title},
        "reasons": [],
        "scope": "inside",
        "ruleset": {"id": "prostate_massage", "version": "2.0.0", "sha256": ruleset.sha256},
        "language": "en-GB",
    }


def test_evaluate_from_file_with_unanswered_as_unsure(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "answers.json"
    ruleset = load_ruleset(default_rules_path())
    answers = {
        **inside(ruleset),
        **{q.id: "no" for q in ruleset.questions if q.when is None and q.id != "cancer_history"},
    }
    path.write_text(json.dumps(answers))
    result = runner.invoke(main, ["evaluate", str(path)])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["outcome"]["id"] == "clinician"
    assert [(r["rule"], r["answered"]) for r in out["reasons"]] == [
        ("cancer_history", "unanswered")
    ]
    rule = next(r for r in ruleset.rules if r.id == "cancer_history")
    assert out["reasons"][0]["text"] == rule.wording("unanswered") != rule.reason


def test_evaluate_outside_the_scope_has_no_outcome(runner: CliRunner) -> None:
    ruleset = load_ruleset(default_rules_path())
    result = runner.invoke(main, ["evaluate"], input='{"for_you": "no", "cannot_urinate": "yes"}')
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["outcome"] is None and out["reasons"] == []
    assert (out["scope"], out["question"]) == ("outside", "for_you")
    assert ruleset.outside is not None
    assert out["outside"]["title"] == ruleset.outside.title
    assert "ignored the answers to: cannot_urinate" in result.stderr


@pytest.mark.parametrize("given", ["{}", '{"cannot_urinate": "yes"}'])
def test_evaluate_needs_the_scope_answered(runner: CliRunner, given: str) -> None:
    result = runner.invoke(main, ["evaluate"], input=given)
    assert result.exit_code == 2
    assert "'for_you' must be answered" in result.stderr
    assert not result.stdout and "Traceback" not in result.output


def test_evaluate_fills_in_the_emergency_number(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = '{"for_you": "yes", "cannot_urinate": "yes"}'
    monkeypatch.delenv("SCREENER_EMERGENCY_NUMBER", raising=False)
    title = json.loads(runner.invoke(main, ["evaluate"], input=answers).stdout)["outcome"]["title"]
    assert "999" in title and "{" not in title, "en_GB rules: the UK number"
    monkeypatch.setenv("SCREENER_EMERGENCY_NUMBER", "112")
    title = json.loads(runner.invoke(main, ["evaluate"], input=answers).stdout)["outcome"]["title"]
    assert "112" in title and "999" not in title
    monkeypatch.setenv("SCREENER_EMERGENCY_NUMBER", "dial nine")
    result = runner.invoke(main, ["evaluate"], input=answers)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.stderr.startswith("screener: SCREENER_EMERGENCY_NUMBER: must be a phone number")


def test_evaluate_with_other_rules(runner: CliRunner, rules_file: Callable[[str], Path]) -> None:
    path = rules_file(MINI)
    result = runner.invoke(
        main, ["evaluate", "--rules", str(path)], input='{"a": "yes", "b": "no"}'
    )
    assert result.exit_code == 0
    assert json.loads(result.output)["outcome"]["id"] == "low"


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ('{"for_you": "yes", "fevr": "no"}', "unknown question id 'fevr'"),
        ('{"for_you": "yes", "fever_recent": "maybe"}', "'fever_recent' cannot be 'maybe'"),
        ('{"for_you": "maybe"}', "'for_you' cannot be 'maybe'"),
        ('{"for_you": true}', "must be a JSON object of question ids to answers"),
        ('["for_you"]', "must be a JSON object"),
        ("{not json", "the answers are not valid JSON"),
    ],
)
def test_evaluate_bad_answers_exit_2(runner: CliRunner, given: str, message: str) -> None:
    result = runner.invoke(main, ["evaluate"], input=given)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_evaluate_with_broken_rules_exits_1(
    runner: CliRunner, rules_file: Callable[[str], Path]
) -> None:
    path = rules_file(MINI.replace("    outcome: high", "    outcome: nowhere"))
    result = runner.invoke(main, ["evaluate", "--rules", str(path)], input="{}")
    assert result.exit_code == 1
    assert f"{path}:16:" in result.output


def test_serve_refuses_without_a_secret(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SCREENER_SECRET_KEY", raising=False)
    result = runner.invoke(main, ["serve"])
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith(
        "screener: SCREENER_SECRET_KEY: not set; make a key with `screener keygen`"
    )


def test_serve_refuses_invalid_rules(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, rules_file: Callable[[str], Path]
) -> None:
    path = rules_file(MINI.replace("    outcome: high", "    outcome: nowhere"))
    monkeypatch.setenv("SCREENER_SECRET_KEY", KEY)
    monkeypatch.setenv("SCREENER_RULES", str(path))
    result = runner.invoke(main, ["serve"])
    assert result.exit_code == 1
    assert f"{path}:16:" in result.output
    assert "nothing is served" in result.output


def test_console_script_is_installed() -> None:
    assert (
        shutil.which("screener")
        or Path(__file__).parents[1].joinpath(".venv/bin/screener").exists()
    )


def test_evaluate_answers_not_utf8(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "answers.json"
    path.write_bytes(b'{"for_you": "\xff"}')
    result = runner.invoke(main, ["evaluate", str(path)])
    assert result.exit_code == 2
    assert "not UTF-8" in result.output


def test_evaluate_says_which_answers_it_ignored(runner: CliRunner) -> None:
    given = {"for_you": "yes", "fever_recent": "no", "fever_risk": "yes"}
    result = runner.invoke(main, ["evaluate"], input=json.dumps(given))
    assert result.exit_code == 0
    assert "ignored answers to questions these answers do not ask: fever_risk" in result.stderr
    out = json.loads(result.stdout)
    assert out["outcome"]["id"] == "emergency", "the rest unanswered"
    assert "fever_with_higher_risk" not in [r["rule"] for r in out["reasons"]]


def test_serve_refuses_rules_that_fail_the_check(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, rules_file: Callable[[str], Path]
) -> None:
    path = rules_file(
        MINI.replace(
            "    when: {question: b, in: [yes, unsure]}", "    when: {question: b, is: yes}"
        )
    )
    monkeypatch.setenv("SCREENER_SECRET_KEY", KEY)
    monkeypatch.setenv("SCREENER_RULES", str(path))
    result = runner.invoke(main, ["serve"])
    assert result.exit_code == 1
    assert "[monotone] question 'b'" in result.output
    assert "does not pass screener check; nothing is served" in result.output


# --------------------------------------------------------------------------- serve's settings


@pytest.fixture
def no_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """No SCREENER_* setting but those a test gives."""
    import os

    for name in list(os.environ):
        if name.startswith("SCREENER_"):
            monkeypatch.delenv(name)


@pytest.fixture
def served(no_settings: None, monkeypatch: pytest.MonkeyPatch) -> list[Flask]:
    """No SCREENER_* setting but those a test gives, and `screener serve` never serves:
    the app it would have run is recorded instead."""
    apps: list[Flask] = []

    def run(app: Flask, **options: Any) -> None:
        apps.append(app)

    monkeypatch.setattr(server, "run", run)
    return apps


def refused(result: Result, key: str) -> str:
    """The one line naming the setting ``key`` in a refusal: exit 2, no traceback."""
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    named = [line for line in result.stderr.splitlines() if line.startswith("screener: SCREENER_")]
    assert len(named) == 1, result.stderr
    assert named[0].startswith(f"screener: SCREENER_{key}: "), named
    return named[0]


WEAK = "passwordpasswordpasswordpasswordpassword1234"

# At least one bad value of every setting (a test checks every setting has one), with
# what its line says. "{tmp}" is a fresh directory with nothing in it.
BAD_SETTINGS = [
    ("RULES", "{tmp}/missing.yaml", "no such file '{tmp}/missing.yaml'"),
    ("RULES", "{tmp}", "'{tmp}' is a directory, not a rules file"),
    ("SECRET_KEY", "password", "is too short"),
    ("SECRET_KEY_FALLBACKS", f"{KEY},{WEAK}", "entry 2 is not random"),
    ("ANSWERS_TTL", "soon", "must be a whole number of seconds, not 'soon'"),
    ("KIOSK", "maybe", "must be 1 or 0, not 'maybe'"),
    ("INDEXABLE", "private", "must be 1 or 0, not 'private'"),
    ("KIOSK_IDLE", "5", "must be at least 10 seconds, not 5"),
    ("KIOSK_RESULT_IDLE", "3 minutes", "must be a whole number of seconds"),
    ("KIOSK_COUNTDOWN", "10", "must be at least 20 seconds, not 10"),
    ("TIMEZONE", "Mars/Olympus", "'Mars/Olympus' is not a known time zone"),
    ("EMBED_ORIGINS", "https://*.example.org", "'https://*.example.org' is not an origin"),
    ("LANGUAGES", "xx", "'xx' cannot be offered: its translation has no catalog; offered: en-GB"),
    ("LANGUAGES", "en-GB,not a tag", "'not a tag' is not a language tag"),
    ("TRANSLATIONS", "{tmp}/catalogs", "no such directory '{tmp}/catalogs'"),
    ("METRICS_PORT", "70000", "must be a port number from 1 to 65535, not 70000"),
    ("METRICS_HOST", "metrics host", "'metrics host' is not an IP address or a host name"),
    ("FORWARDED_ALLOW_IPS", "my-proxy", "'my-proxy' is not an IP address or network"),
    ("FORWARDED_ALLOW_IPS", "10.0.0.0/33", "'10.0.0.0/33' is not an IP address or network"),
    ("PUBLIC_URL", "http://screener.example.org", "'http://screener.example.org' uses http"),
    ("PUBLIC_URL", "screener.example.org", "'screener.example.org' is not an address such as"),
    ("BRAND_NAME", "   ", "is empty"),
    ("BRAND_NAME", "Clinic\x1b[31m", "has a control character"),
    ("BRAND_NAME", "Clinic " * 30, "is 209 characters long; keep it to 80 at most"),
    ("LOGO", "{tmp}/logo.svg", "no such file '{tmp}/logo.svg'"),
    ("LOGO", "{tmp}/logo.gif", "'{tmp}/logo.gif' is not an .svg, .png or .webp file"),
    ("THEME_CSS", "{tmp}", "'{tmp}' is a directory, not a file"),
    ("THEME_CSS", "{tmp}/theme.css", "no such file"),
    ("EMERGENCY_NUMBER", "call 999", "must be a phone number such as 999 or 112"),
]

# Keys that are refused, with the start of what is said about them.
BAD_KEYS = [
    ("SECRET_KEY", "a", "is too short"),
    ("SECRET_KEY", " ", "is not written as a key"),
    ("SECRET_KEY", "password", "is too short"),
    ("SECRET_KEY", "a" * 64, "is not random"),
    ("SECRET_KEY", "ab" * 32, "is not random"),
    ("SECRET_KEY", "correcthorsebatterystaple" * 2, "is not random"),
    ("SECRET_KEY", "thisismysupersecretkeyforthescreenerservice", "is not random"),
    ("SECRET_KEY", secrets.token_urlsafe(24), "is too short"),  # looks right, 192 bits
    ("SECRET_KEY", "serve test key", "is not written as a key"),
    ("SECRET_KEY_FALLBACKS", "a" * 64, "entry 1 is not random"),
    ("SECRET_KEY_FALLBACKS", f"{KEY},,{secrets.token_hex(16)}", "entry 3 is too short"),
]


def test_every_setting_has_a_bad_value_in_the_table() -> None:
    assert {key for key, _, _ in BAD_SETTINGS} == {s.key for s in config.SETTINGS}


@pytest.mark.parametrize(("key", "value", "message"), BAD_SETTINGS + BAD_KEYS)
def test_serve_refuses_a_bad_setting_in_one_line(
    runner: CliRunner, served: list[Flask], tmp_path: Path, key: str, value: str, message: str
) -> None:
    env = {"SCREENER_SECRET_KEY": KEY, f"SCREENER_{key}": value.format(tmp=tmp_path)}
    result = runner.invoke(main, ["serve"], env=env)
    line = refused(result, key)
    assert line.startswith(f"screener: SCREENER_{key}: {message.format(tmp=tmp_path)}"), line
    assert not served
    if key.startswith("SECRET_KEY"):
        assert line.endswith("make a key with `screener keygen`")
        for secret in filter(None, value.split(",")):
            if len(secret) >= 8:
                assert secret[:8] not in line and secret[-8:] not in line


def test_serve_checks_a_key_in_development_mode_too(runner: CliRunner, served: list[Flask]) -> None:
    result = runner.invoke(main, ["serve", "--dev"], env={"SCREENER_SECRET_KEY": "a" * 64})
    refused(result, "SECRET_KEY")
    assert not served


def test_serve_in_development_mode_makes_a_strong_random_key(
    runner: CliRunner, served: list[Flask]
) -> None:
    result = runner.invoke(main, ["serve", "--dev"])
    assert result.exit_code == 0, result.output
    (app,) = served
    assert config.secret_key_problem(app.config["SECRET_KEY"]) is None


@pytest.mark.parametrize(
    ("options", "public"),
    [
        ([], "http://127.0.0.1:8000"),
        (["--port", "8123"], "http://127.0.0.1:8123"),
        (["--host", "localhost", "--port", "9000"], "http://localhost:9000"),
        (["--host", "0.0.0.0"], "http://127.0.0.1:8000"),
    ],
)
def test_serve_in_development_mode_is_its_own_public_address(
    runner: CliRunner, served: list[Flask], options: list[str], public: str
) -> None:
    """Without SCREENER_PUBLIC_URL, --dev gives the app this server's address, so the
    FHIR face is on; the address is the app's alone, never left in the environment."""
    import os

    result = runner.invoke(main, ["serve", "--dev", *options])
    assert result.exit_code == 0, result.output
    (app,) = served
    assert app.config["PUBLIC_URL"] == public
    questionnaire = app.test_client().get("/api/v1/fhir/Questionnaire").get_json()
    assert questionnaire["url"] == f"{public}/api/v1/fhir/Questionnaire/prostate-massage"
    assert "SCREENER_PUBLIC_URL" not in os.environ


def test_serve_keeps_the_public_address_it_is_given(runner: CliRunner, served: list[Flask]) -> None:
    env = {"SCREENER_PUBLIC_URL": "https://screener.example.org/"}
    result = runner.invoke(main, ["serve", "--dev"], env=env)
    assert result.exit_code == 0, result.output
    assert served[0].config["PUBLIC_URL"] == "https://screener.example.org"
    result = runner.invoke(main, ["serve"], env={"SCREENER_SECRET_KEY": KEY})
    assert result.exit_code == 0, result.output
    assert served[1].config["PUBLIC_URL"] == "", "only --dev makes one up"
    assert served[1].test_client().get("/api/v1/fhir/Questionnaire").status_code == 404


def test_serve_uses_a_strong_key(runner: CliRunner, served: list[Flask]) -> None:
    result = runner.invoke(main, ["serve"], env={"SCREENER_SECRET_KEY": KEY})
    assert result.exit_code == 0, result.output
    assert served[0].config["SECRET_KEY"] == KEY
    assert KEY not in result.output


def test_serve_gives_each_bad_setting_its_own_line(runner: CliRunner, served: list[Flask]) -> None:
    env = {"SCREENER_SECRET_KEY": "password", "SCREENER_KIOSK": "maybe", "SCREENER_LOGO": "x.gif"}
    result = runner.invoke(main, ["serve"], env=env)
    assert result.exit_code == 2
    assert [line.split(":")[1] for line in result.stderr.splitlines()] == [
        " SCREENER_SECRET_KEY",
        " SCREENER_KIOSK",
    ], "the logo is checked when the app is built, after the settings are read"


def test_serve_refuses_a_metrics_host_that_does_not_resolve(
    runner: CliRunner, served: list[Flask], monkeypatch: pytest.MonkeyPatch
) -> None:
    import os
    import socket

    def fails(*args: object, **kwargs: object) -> None:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", fails)
    env = {
        "SCREENER_SECRET_KEY": KEY,
        "SCREENER_METRICS_PORT": "9464",
        "SCREENER_METRICS_HOST": "metrics.invalid",
    }
    result = runner.invoke(main, ["serve"], env=env)
    line = refused(result, "METRICS_HOST")
    assert line.startswith("screener: SCREENER_METRICS_HOST: cannot resolve 'metrics.invalid'")
    assert "PROMETHEUS_MULTIPROC_DIR" not in os.environ and not served


def test_serve_reports_a_setting_the_server_cannot_use(
    runner: CliRunner, served: list[Flask], monkeypatch: pytest.MonkeyPatch
) -> None:
    """server.run raises ConfigError for what only it can find, such as a port in use."""

    def in_use(app: Flask, **options: Any) -> None:
        raise config.ConfigError("SCREENER_METRICS_PORT: port 9464 on 127.0.0.1 is already in use")

    monkeypatch.setattr(server, "run", in_use)
    result = runner.invoke(main, ["serve"], env={"SCREENER_SECRET_KEY": KEY})
    line = refused(result, "METRICS_PORT")
    assert line == "screener: SCREENER_METRICS_PORT: port 9464 on 127.0.0.1 is already in use"


def test_other_commands_refuse_bad_settings_with_exit_2(
    runner: CliRunner, served: list[Flask], tmp_path: Path
) -> None:
    result = runner.invoke(main, ["check"], env={"SCREENER_RULES": str(tmp_path / "x.yaml")})
    assert refused(result, "RULES") == f"screener: SCREENER_RULES: no such file '{tmp_path}/x.yaml'"
    result = runner.invoke(main, ["report"], env={"SCREENER_TRANSLATIONS": str(tmp_path / "no")})
    refused(result, "TRANSLATIONS")


GOOD_KEYS = [
    secrets.token_urlsafe(32),
    secrets.token_hex(32),
    secrets.token_hex(32).upper(),
    secrets.token_urlsafe(64),
]


@pytest.mark.parametrize("key", GOOD_KEYS)
def test_good_keys_are_accepted(key: str) -> None:
    """Fresh random keys: read as settings, as the server would, without starting one."""
    assert config.from_environ(
        {"SCREENER_SECRET_KEY": key, "SCREENER_SECRET_KEY_FALLBACKS": f"{KEY},{key}"}
    ) == {"SECRET_KEY": key, "SECRET_KEY_FALLBACKS": [KEY, key]}


def test_keygen_prints_a_new_strong_key(runner: CliRunner) -> None:
    keys = set()
    for _ in range(20):
        result = runner.invoke(main, ["keygen"])
        assert result.exit_code == 0 and result.stderr == ""
        assert re.fullmatch(r"[A-Za-z0-9_-]{43}\n", result.stdout), result.stdout
        key = result.stdout[:-1]
        assert config.secret_key_problem(key) is None
        keys.add(key)
    assert len(keys) == 20


def test_keygen_says_how_to_use_it(runner: CliRunner) -> None:
    result = runner.invoke(main, ["keygen", "--help"])
    assert result.exit_code == 0
    assert 'export SCREENER_SECRET_KEY="$(screener keygen)"' in result.output


# --------------------------------------------------------------------------- export

PUBLIC = "https://screener.example.org"


def served_questionnaire(public: str = PUBLIC, lang: str | None = None) -> dict[str, Any]:
    """What GET /api/v1/fhir/Questionnaire gives, with the same settings."""
    app = create_app({"TESTING": True, "SECRET_KEY": KEY, "PUBLIC_URL": public})
    query = {"lang": lang} if lang else {}
    response = app.test_client().get("/api/v1/fhir/Questionnaire", query_string=query)
    assert response.status_code == 200
    document: dict[str, Any] = response.get_json()
    return document


def one_line(result: Result, start: str) -> str:
    """The one line a refusal prints on standard error, with nothing on standard output."""
    assert "Traceback" not in result.output and not result.stdout
    (line,) = result.stderr.splitlines()
    assert line.startswith(start), line
    return line


def test_export_writes_what_the_server_gives(runner: CliRunner, no_settings: None) -> None:
    result = runner.invoke(main, ["export"], env={"SCREENER_PUBLIC_URL": PUBLIC})
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    document = json.loads(result.stdout)
    assert document == served_questionnaire()
    assert document["resourceType"] == "Questionnaire" and document["language"] == "en-GB"
    assert document["url"] == f"{PUBLIC}/api/v1/fhir/Questionnaire/prostate-massage"
    explicit = runner.invoke(
        main, ["export", "--format", "fhir", "--lang", "en-GB"], env={"SCREENER_PUBLIC_URL": PUBLIC}
    )
    assert explicit.exit_code == 0 and explicit.stdout == result.stdout


def test_export_in_another_language(runner: CliRunner, no_settings: None) -> None:
    """--lang es: the texts in Spanish, and the English ones as translations."""
    ruleset = load_ruleset(default_rules_path())
    result = runner.invoke(main, ["export", "--lang", "es", "--public-url", PUBLIC])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document == served_questionnaire(lang="es")
    assert document["language"] == "es"
    assert document["title"] != ruleset.title and "masaje" in document["title"]
    (translation,) = document["_title"]["extension"]
    assert translation["extension"] == [
        {"url": "lang", "valueCode": "en-GB"},
        {"url": "content", "valueString": ruleset.title},
    ]
    assert "á" in result.stdout or "é" in result.stdout, "UTF-8, not escapes"


def test_export_to_a_file(runner: CliRunner, no_settings: None, tmp_path: Path) -> None:
    out = tmp_path / "questionnaire.json"
    result = runner.invoke(main, ["export", "--public-url", PUBLIC, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stdout == "" and result.stderr == ""
    text = out.read_text(encoding="utf-8")
    assert text.endswith("}\n")
    assert json.loads(text) == served_questionnaire()
    again = runner.invoke(main, ["export", "--public-url", PUBLIC])
    assert again.stdout == text, "the same document, to standard output"


def test_export_public_url_overrides_the_setting(runner: CliRunner, no_settings: None) -> None:
    env = {"SCREENER_PUBLIC_URL": "https://elsewhere.example.org"}
    given = "https://screener.example.org/screening/"
    result = runner.invoke(main, ["export", "--public-url", given], env=env)
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document == served_questionnaire("https://screener.example.org/screening")
    assert document["url"] == (
        "https://screener.example.org/screening/api/v1/fhir/Questionnaire/prostate-massage"
    )
    assert "elsewhere" not in result.stdout


def test_export_needs_a_public_url(runner: CliRunner, no_settings: None) -> None:
    result = runner.invoke(main, ["export"])
    assert result.exit_code == 2
    line = one_line(result, "screener: ")
    assert "--public-url" in line and "SCREENER_PUBLIC_URL" in line


@pytest.mark.parametrize(
    ("given", "problem"),
    [
        ("http://screener.example.org", "uses http"),
        ("screener.example.org", "is not an address"),
        ("https://screener.example.org/?a=1", "is not an address"),
        ("https://user@screener.example.org", "is not an address"),
        ("https://Screener.example.org", "is not an address"),
        ("", "is not an address"),
    ],
)
def test_export_refuses_a_bad_public_url(
    runner: CliRunner, no_settings: None, given: str, problem: str
) -> None:
    result = runner.invoke(main, ["export", "--public-url", given])
    assert result.exit_code == 2
    assert problem in one_line(result, f"screener: --public-url: {given!r} ")


def test_export_refuses_a_bad_public_url_setting(runner: CliRunner, no_settings: None) -> None:
    result = runner.invoke(main, ["export"], env={"SCREENER_PUBLIC_URL": "http://x.org"})
    assert "uses http" in refused(result, "PUBLIC_URL")


@pytest.mark.parametrize("lang", ["fr", "en", "ES", "en-gb", ""])
def test_export_refuses_an_unknown_language(
    runner: CliRunner, no_settings: None, lang: str
) -> None:
    result = runner.invoke(main, ["export", "--lang", lang, "--public-url", PUBLIC])
    assert result.exit_code == 2
    assert one_line(result, "screener: --lang") == "screener: --lang must be one of: en-GB, es"


def test_export_with_broken_rules_exits_1(
    runner: CliRunner, no_settings: None, rules_file: Callable[[str], Path]
) -> None:
    path = rules_file(MINI.replace("    outcome: high", "    outcome: nowhere"))
    env = {"SCREENER_RULES": str(path), "SCREENER_PUBLIC_URL": PUBLIC}
    result = runner.invoke(main, ["export"], env=env)
    assert result.exit_code == 1
    assert f"{path}:16:" in result.stderr
    assert "nothing is exported" in result.stderr
    assert not result.stdout and "Traceback" not in result.output
