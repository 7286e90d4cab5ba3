"""The screener command: check, evaluate and serve."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from screener.cli import main
from screener.resources import default_rules_path, load_ruleset
from screener.ruleset import Ruleset
from tests.test_ruleset import MINI


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
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "SCREENER_EMERGENCY_NUMBER must be a phone number" in result.stderr


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
    assert result.exit_code == 1
    assert "SCREENER_SECRET_KEY is not set" in result.output


def test_serve_refuses_invalid_rules(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, rules_file: Callable[[str], Path]
) -> None:
    path = rules_file(MINI.replace("    outcome: high", "    outcome: nowhere"))
    monkeypatch.setenv("SCREENER_SECRET_KEY", "k")
    monkeypatch.setenv("SCREENER_RULES", str(path))
    result = runner.invoke(main, ["serve"])
    assert result.exit_code == 1
    assert f"{path}:16:" in result.output
    assert "nothing is served" in result.output


def test_serve_refuses_bad_settings(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCREENER_SECRET_KEY", "k")
    monkeypatch.setenv("SCREENER_ANSWERS_TTL", "soon")
    result = runner.invoke(main, ["serve"])
    assert result.exit_code == 1
    assert "SCREENER_ANSWERS_TTL must be a whole number of seconds" in result.output


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
    monkeypatch.setenv("SCREENER_SECRET_KEY", "k")
    monkeypatch.setenv("SCREENER_RULES", str(path))
    result = runner.invoke(main, ["serve"])
    assert result.exit_code == 1
    assert "[monotone] question 'b'" in result.output
    assert "does not pass screener check; nothing is served" in result.output
