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
    for chosen in itertools.product(*([None, *values[qid]] for qid in ids)):
        answers = dict(zip(ids, chosen, strict=True))
        asked: list[set[str]] = []
        for version in (old, new):
            seen: dict[str, str] = {}
            asked.append(set())
            for q in version.questions:
                if engine.is_asked(q, seen):
                    asked[-1].add(q.id)
                    if answers[q.id] is not None:
                        seen[q.id] = answers[q.id]  # type: ignore[assignment]
        in_old, in_new = asked
        valid = all(
            (answers[qid] is None) == (qid not in in_old | in_new)
            and (qid not in in_old or answers[qid] in old.question_by_id[qid].values)
            and (qid not in in_new or answers[qid] in new.question_by_id[qid].values)
            for qid in ids
        )
        if not valid:
            continue
        outcomes = []
        for version, mine in ((old, in_old), (new, in_new)):
            own = {qid: answers[qid] for qid in mine}
            outcomes.append(engine.evaluate(version, own).outcome.id)  # type: ignore[arg-type]
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
    sizes = {q.id: len(q.values) + 1 for q in (*old.questions, *new.questions)}
    assume(math.prod(sizes.values()) <= 5000)
    new = replace(new, version="2.0")
    found = diff.diff(old, new)
    expected = brute_force(old, new)
    assert counted(found) == expected
    assert found.total == sum(expected.values())
    for move in found.moves:
        example = dict(move.example)
        for version, outcome in ((old, move.old.id), (new, move.new.id)):
            own = {q: v for q, v in example.items() if q in version.question_by_id}
            assert (
                engine.evaluate(version, engine.relevant_answers(version, own)).outcome.id
                == outcome
            )


def test_same_version_moves_nobody(ruleset: Ruleset) -> None:
    found = diff.diff(ruleset, ruleset)
    proof = verify.verify(ruleset)
    assert found.total == proof.combinations
    assert found.moved == 0 and not found.lowered and found.changes == ()
    assert {m.old.id: m.count for m in found.moves} == {
        k: v for k, v in proof.by_outcome.items() if v
    }


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
    next(q for q in data["questions"] if q["id"] == "fever")["text"] = (
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
    assert lines[2].startswith("  LOWERED: urgent -> clinician: ")
    assert "cannot_urinate=yes" in lines[3]
    assert "    question 'fever' reworded (text)" in lines
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
    assert data["lowered"] == sum(m["count"] for m in data["moves"] if m["lowered"])
    assert data["moves"][0]["lowered"] is True
    old_rules, new_rules = load_ruleset(default_rules_path()), load_ruleset(new)
    for move in data["moves"]:
        example = move["example"]
        old_own = {q: v for q, v in example.items() if q in old_rules.question_by_id}
        assert engine.evaluate(old_rules, old_own).outcome.id == move["from"]
        assert engine.evaluate(new_rules, example).outcome.id == move["to"]


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_diff_and_report_since_show_the_same_change(tmp_path: Path, fmt: str) -> None:
    new = changed_file(tmp_path, lower_retention)
    shown = CliRunner().invoke(main, ["diff", "--format", fmt, str(default_rules_path()), str(new)])
    assert shown.exit_code == 0
    assert "Changes since version 1.1.0" in shown.output
    assert "get a LOWER outcome than before" in shown.output
    assert "363,042" in shown.output
    assert "cannot_urinate: yes; every other question asked: no" in shown.output
    report = CliRunner().invoke(
        main, ["report", "--rules", str(new), "--since", str(default_rules_path()), "--format", fmt]
    )
    assert "Changes since version 1.1.0" in report.output
    assert "363,042" in report.output
    plain = CliRunner().invoke(main, ["report", "--rules", str(new), "--format", fmt])
    assert "Changes since" not in plain.output
