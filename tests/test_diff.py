"""screener diff: exact counts of who moves between outcomes, checked by brute force."""

from __future__ import annotations

import itertools
import json
import math
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, assume, given, settings

from screener import diff, engine, verify
from screener.cli import main
from screener.resources import default_rules_path, load_ruleset
from screener.ruleset import Ruleset, load_yaml
from tests.test_prover import rulesets

DEFAULT_TEXT = default_rules_path().read_text(encoding="utf-8")


def brute_force(old: Ruleset, new: Ruleset) -> Counter[tuple[str, str]]:
    """Every answer set of both versions at once, one by one, as diff's docstring defines
    them, with each version's outcome from the engine."""
    ids = list(dict.fromkeys([q.id for q in old.questions] + [q.id for q in new.questions]))
    values = {
        qid: sorted(
            {v for r in (old, new) if qid in r.question_by_id for v in r.question_by_id[qid].values}
        )
        for qid in ids
    }
    tally: Counter[tuple[str, str]] = Counter()
    for chosen in itertools.product(*([None, diff.UNANSWERED, *values[qid]] for qid in ids)):
        answers = dict(zip(ids, chosen, strict=True))
        asked: set[str] = set()
        outcomes = []
        for version in (old, new):
            # What this version's engine is given: the answers it offers, to the questions
            # it asks; anything else leaves the question unanswered.
            own = {
                qid: v
                for qid, v in answers.items()
                if qid in version.question_by_id and v in version.question_by_id[qid].values
            }
            asked |= set(engine.complete_answers(version, own))
            outcomes.append(engine.evaluate(version, own).outcome.id)
        if all((answers[qid] is None) == (qid not in asked) for qid in ids):
            tally[(outcomes[0], outcomes[1])] += 1
    return tally


def counted(found: diff.Diff) -> Counter[tuple[str, str]]:
    return Counter({(m.old.id, m.new.id): m.count for m in found.moves})


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(rulesets(), rulesets())
def test_counts_match_brute_force(old: Ruleset, new: Ruleset) -> None:
    sizes = {q.id: len(q.values) + 2 for q in (*old.questions, *new.questions)}
    assume(math.prod(sizes.values()) <= 5000)
    new = replace(new, version="2.0")
    found = diff.diff(old, new)
    expected = brute_force(old, new)
    assert counted(found) == expected
    assert found.total == sum(expected.values())
    for move in found.moves:
        if not move.changed:
            continue
        for version, outcome in ((old, move.old.id), (new, move.new.id)):
            own = {
                q: v
                for q, v in move.example.items()
                if q in version.question_by_id and v in version.question_by_id[q].values
            }
            assert engine.evaluate(version, own).outcome.id == outcome


def test_same_version_moves_nobody(ruleset: Ruleset) -> None:
    found = diff.diff(ruleset, ruleset)
    assert found.moved == 0 and not found.lowered and found.changes == ()
    assert {m.direction for m in found.moves} == {"same"}
    # Each question may also be left unanswered, so there are more answer sets than
    # check counts, and "info" is still reached only by answering no to everything.
    assert found.total > verify.verify(ruleset).combinations
    assert next(m.count for m in found.moves if m.old.id == "info") == 1


MINI = """\
id: mini
version: "1.0"
title: Mini
questions:
  - id: pain
    text: Pain?
    options:
      - {value: none, label: None}
      - {value: severe, label: Severe}
      - {value: unsure, label: Not sure}
outcomes:
  - {id: high, severity: 2, title: High, body: Go now.}
  - {id: low, severity: 1, title: Low, body: Fine.}
rules:
  - {id: r1, when: {question: pain, in: [severe, unsure]}, outcome: high, reason: You told us about pain., source: {section: T}}
cases:
  - {id: none, answers: {pain: none}, outcome: low}
"""

LOWERINGS = {
    # The outcomes renumbered, one inserted, and the rule pointed at it.
    "inserted outcome": (
        [("severity: 2, title: High", "severity: 3, title: High"),
         ("outcomes:\n", "outcomes:\n  - {id: mid, severity: 2, title: Mid, body: Soon.}\n"),
         ("outcome: high, reason", "outcome: mid, reason")],
        "pain=severe",
    ),
    "renumbered severities": (
        [("severity: 2", "severity: 20"), ("severity: 1,", "severity: 10,"),
         ("outcome: high, reason", "outcome: low, reason")],
        "pain=severe",
    ),
    "lenient if_unanswered": (
        [("    text: Pain?\n", "    text: Pain?\n    if_unanswered: none\n")],
        "pain=(no answer)",
    ),
    "new answer": (
        [("      - {value: unsure, label: Not sure}\n",
          "      - {value: unsure, label: Not sure}\n      - {value: worst, label: Worst}\n")],
        "pain=worst",
    ),
}  # fmt: skip


@pytest.mark.parametrize("change", LOWERINGS)
def test_every_kind_of_lowering_is_caught(tmp_path: Path, change: str) -> None:
    edits, example = LOWERINGS[change]
    text = MINI.replace('version: "1.0"', 'version: "1.1"')
    for before, after in edits:
        assert before in text
        text = text.replace(before, after)
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    old.write_text(MINI, encoding="utf-8")
    new.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["diff", "--fail-on-lower", str(old), str(new)])
    assert result.exit_code == 1, result.output
    assert "LOWERED" in result.output and f"for example: {example}" in result.output


def test_moves_are_judged_on_the_new_scale_by_outcome_id() -> None:
    rules = load_ruleset(default_rules_path())
    outcomes = {o.id: o for o in rules.outcomes}
    assert diff.direction(outcomes["urgent"], outcomes["clinician"], rules) == "lowered"
    assert diff.direction(outcomes["info"], outcomes["urgent"], rules) == "raised"
    assert diff.direction(outcomes["urgent"], outcomes["urgent"], rules) == "same"
    gone = replace(outcomes["emergency"], id="retired")
    assert diff.direction(gone, outcomes["urgent"], rules) == "lowered", "unknown: flagged"
    assert diff.direction(gone, outcomes["emergency"], rules) == "raised", (
        "nothing is above the top"
    )


def changed_file(tmp_path: Path, edit: Any) -> Path:
    data = load_yaml(DEFAULT_TEXT)
    edit(data)
    data["version"] = "1.2.0"
    path = tmp_path / "new.yaml"
    path.write_text(
        yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000), encoding="utf-8"
    )
    return path


def lower_retention(data: dict[str, Any]) -> None:
    next(r for r in data["rules"] if r["id"] == "cannot_pass_urine")["outcome"] = "clinician"
    next(q for q in data["questions"] if q["id"] == "fever_recent")["text"] = (
        "Do you have a high temperature?"
    )
    data["questions"].append({"id": "smoker", "text": "Do you smoke?"})
    data["rules"].append(
        {
            "id": "smokes",
            "when": {"question": "smoker", "is": "yes"},
            "outcome": "clinician",
            "reason": "You told us you smoke.",
            "source": {"section": "T"},
        }
    )


def test_a_lowered_outcome_is_listed_first_and_flagged(tmp_path: Path) -> None:
    new = changed_file(tmp_path, lower_retention)
    result = CliRunner().invoke(main, ["diff", str(default_rules_path()), str(new)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "of them a LOWER one" in lines[1]
    assert lines[2].startswith("  LOWERED: emergency -> urgent: ")
    assert "cannot_urinate=yes" in lines[3]
    assert "    question 'fever_recent' reworded (text)" in lines
    assert "    question 'smoker' added" in lines
    assert "    rule 'cannot_pass_urine' changed (outcome)" in lines
    assert "    rule 'smokes' added" in lines
    failing = CliRunner().invoke(
        main, ["diff", "--fail-on-lower", str(default_rules_path()), str(new)]
    )
    assert failing.exit_code == 1
    back = CliRunner().invoke(
        main, ["diff", "--fail-on-lower", str(new), str(default_rules_path())]
    )
    assert back.exit_code == 1, "removing the smoking rule lowers the smoker's outcome"
    same = CliRunner().invoke(
        main, ["diff", "--fail-on-lower", str(default_rules_path()), str(default_rules_path())]
    )
    assert same.exit_code == 0 and "0 get a different outcome" in same.output


def test_json_counts_add_up_and_examples_show_the_move(tmp_path: Path) -> None:
    new = changed_file(tmp_path, lower_retention)
    result = CliRunner().invoke(
        main, ["diff", "--format", "json", str(default_rules_path()), str(new)]
    )
    data = json.loads(result.output)
    assert sum(m["count"] for m in data["moves"]) == data["answer_sets"]
    assert data["lowered"] == sum(m["count"] for m in data["moves"] if m["direction"] == "lowered")
    assert data["moves"][0]["direction"] == "lowered"
    old_rules, new_rules = load_ruleset(default_rules_path()), load_ruleset(new)
    for move in data["moves"]:
        if move["direction"] == "same":
            assert move["example"] == {}, "no example for those who stay"
            continue
        example = move["example"]
        old_own = {q: v for q, v in example.items() if q in old_rules.question_by_id}
        assert engine.evaluate(old_rules, old_own).outcome.id == move["from"]
        assert engine.evaluate(new_rules, example).outcome.id == move["to"]


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_diff_and_report_since_show_the_same_change(tmp_path: Path, fmt: str) -> None:
    new = changed_file(tmp_path, lower_retention)
    shown = CliRunner().invoke(main, ["diff", "--format", fmt, str(default_rules_path()), str(new)])
    assert shown.exit_code == 0
    assert "Changes since version 2.0.0" in shown.output
    assert "get a LOWER outcome than before" in shown.output
    assert "3,221,227,776" in shown.output
    assert "cannot_urinate: yes; every other question asked: no" in shown.output
    report = CliRunner().invoke(
        main, ["report", "--rules", str(new), "--since", str(default_rules_path()), "--format", fmt]
    )
    assert "Changes since version 2.0.0" in report.output
    assert "3,221,227,776" in report.output
    plain = CliRunner().invoke(main, ["report", "--rules", str(new), "--format", fmt])
    assert "Changes since" not in plain.output
