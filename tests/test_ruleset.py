"""The rules-file loader: what it accepts, and a file:line message for every problem."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from screener.resources import default_rules_path, load_ruleset
from screener.ruleset import AllOf, AnswerIn, AnyOf, Not, RulesetError

MINI = """\
id: mini
version: "1.0"
title: Mini screening
questions:
  - id: a
    text: Question A?
  - id: b
    text: Question B?
    when: {question: a, in: [yes, unsure]}
outcomes:
  - {id: high, severity: 2, title: High, body: Go now.}
  - {id: low, severity: 1, title: Low, body: Fine.}
rules:
  - id: r1
    when: {question: b, in: [yes, unsure]}
    outcome: high
    reason: You told us B.
    source: {section: Test}
cases:
  - {id: none, answers: {}, others: no, outcome: low}
  - {id: b, answers: {a: yes, b: yes}, outcome: high}
"""


def problems_for(write: Callable[[str], Path], text: str) -> list[str]:
    path = write(text)
    with pytest.raises(RulesetError) as caught:
        load_ruleset(path)
    return [str(p).replace(str(path), "FILE") for p in caught.value.problems]


def test_mini_ruleset_loads(rules_file: Callable[[str], Path]) -> None:
    ruleset = load_ruleset(rules_file(MINI))
    assert [q.id for q in ruleset.questions] == ["a", "b"]
    assert ruleset.questions[0].values == ("yes", "no", "unsure")
    assert ruleset.questions[1].when == AnswerIn("a", frozenset({"yes", "unsure"}))
    assert ruleset.questions[1].line == 7
    assert ruleset.rules[0].line == 14
    assert ruleset.lowest.id == "low"
    assert [o.id for o in ruleset.outcomes] == ["high", "low"]
    assert re.fullmatch(r"[0-9a-f]{64}", ruleset.sha256)
    assert ruleset.short_hash == ruleset.sha256[:12]


def test_yes_and_no_stay_text(rules_file: Callable[[str], Path]) -> None:
    """YAML 1.1 would read yes/no as booleans; Screener's rules files keep them as answers."""
    ruleset = load_ruleset(rules_file(MINI))
    assert ruleset.cases[0].others == "no"
    assert ruleset.questions[1].when == AnswerIn("a", frozenset({"yes", "unsure"}))


def test_condition_language(rules_file: Callable[[str], Path]) -> None:
    text = MINI.replace(
        "    when: {question: b, in: [yes, unsure]}",
        "    when:\n"
        "      any:\n"
        "        - all: [{question: a, is: yes}, {not: {question: b, is: no}}]\n"
        "        - {question: a, in: [unsure]}",
    )
    rule = load_ruleset(rules_file(text)).rules[0]
    assert rule.when == AnyOf(
        (
            AllOf((AnswerIn("a", frozenset({"yes"})), Not(AnswerIn("b", frozenset({"no"}))))),
            AnswerIn("a", frozenset({"unsure"})),
        )
    )
    assert rule.when.questions() == {"a", "b"}
    assert rule.when.holds({"a": "yes", "b": "yes"})
    assert not rule.when.holds({"a": "yes", "b": "no"})
    assert rule.when.holds({"a": "unsure"})
    assert not rule.when.holds({"a": "no"})


def test_default_ruleset_loads() -> None:
    ruleset = load_ruleset(default_rules_path())
    assert ruleset.id == "prostate_massage"
    assert {o.id: o.severity for o in ruleset.outcomes} == {
        "emergency": 4,
        "urgent": 3,
        "clinician": 2,
        "info": 1,
    }
    assert [(q.id, q.in_scope) for q in ruleset.scope] == [("for_you", {"yes"})]
    assert ruleset.outside is not None and ruleset.outside.next_steps
    assert ruleset.emergency is not None and "{emergency_number}" in ruleset.emergency
    assert ruleset.language == "en_GB"


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        # YAML itself
        ("title: Mini screening", "title: [unclosed", "FILE:4: not valid YAML"),
        (
            "  - id: b\n",
            "  - id: b\n    id: again\n",
            "FILE:8: duplicate key 'id' (first on line 7)",
        ),
        # Schema: missing, unknown, wrong types
        ("title: Mini screening\n", "", "FILE:1: top level: missing required key 'title'"),
        (
            "    text: Question A?",
            "    text: Question A?\n    hnit: typo",
            "FILE:7: question 'a' hnit: unknown key 'hnit' (did you mean 'hint'?)",
        ),
        (
            'version: "1.0"',
            "version: 1.0",
            "FILE:2: version: must be text, not 1.0 (put it in quotes)",
        ),
        ('version: "1.0"', 'version: "one"', "FILE:2: version: 'one' is not a version number"),
        ("  - id: a\n", "  - id: A\n", "FILE:5: question 'A' id: 'A' is not a valid id"),
        (
            "severity: 2",
            "severity: two",
            "FILE:11: outcome 'high' severity: must be a whole number",
        ),
        ("    reason: You told us B.\n", "", "FILE:14: rule 'r1': missing required key 'reason'"),
        (
            "{question: b, in: [yes, unsure]}",
            "{question: b, in: []}",
            "FILE:15: rule 'r1' when.in: must have at least 1 item",
        ),
        (
            "{question: b, in: [yes, unsure]}",
            "{questoin: b, in: [yes]}",
            "FILE:15: rule 'r1' when: unknown key 'questoin' in condition (did you mean 'question'?)",
        ),
        (
            "{question: b, in: [yes, unsure]}",
            "{question: b}",
            "FILE:15: rule 'r1' when: a condition on a question needs 'is: VALUE' or 'in: [VALUES]'",
        ),
        (
            "{question: b, in: [yes, unsure]}",
            "{question: b, is: yes, in: [no]}",
            "FILE:15: rule 'r1' when: use either 'is' or 'in'",
        ),
        (
            "{question: b, in: [yes, unsure]}",
            "{all: [{question: b, is: yes}, {any: [{question: a}]}]}",
            "FILE:15: rule 'r1' when.all[1].any[0]: a condition on a question needs",
        ),
        # Meaning: references
        (
            "{question: b, in: [yes, unsure]}",
            "{question: c, is: yes}",
            "FILE:15: rule 'r1' when.question: no question has the id 'c'",
        ),
        (
            "{question: b, in: [yes, unsure]}",
            "{question: b, in: [yes, maybe]}",
            "FILE:15: rule 'r1' when.in[1]: question 'b' has no answer 'maybe'; its answers are 'yes', 'no', 'unsure'",
        ),
        (
            "    outcome: high",
            "    outcome: hihg",
            "FILE:16: rule 'r1' outcome: no outcome has the id 'hihg' (did you mean 'high'?)",
        ),
        (
            "{id: low, severity: 1",
            "{id: high, severity: 1",
            "FILE:12: outcome 'high' id: duplicate outcome id 'high' (first on line 11)",
        ),
        (
            "{id: low, severity: 1",
            "{id: low, severity: 2",
            "FILE:12: outcome 'low' severity: severity 2 is already outcome 'high''s",
        ),
        (
            "  - id: b\n",
            "  - id: a\n",
            "FILE:7: question 'a' id: duplicate question id 'a' (first on line 5)",
        ),
        # Meaning: order of questions and cycles
        (
            "    when: {question: a, in: [yes, unsure]}",
            "    when: {question: b, is: yes}",
            "FILE:9: question 'b' when.question: asks in a cycle: b → b",
        ),
        (
            "    text: Question A?",
            "    text: Question A?\n    when: {question: b, is: yes}",
            "FILE:7: question 'a' when.question: asks in a cycle: a → b → a",
        ),
        (
            "    text: Question A?",
            "    text: Question A?\n    when: {question: c, is: yes}\n  - id: c\n    text: C?",
            "FILE:7: question 'a' when.question: depends on 'c', which is asked later; move 'c' before 'a'",
        ),
        (
            "    when: {question: a, in: [yes, unsure]}",
            "    when: {question: a, is: perhaps}",
            "FILE:9: question 'b' when.is: question 'a' has no answer 'perhaps'",
        ),
        # Options
        (
            "    text: Question A?",
            "    text: Question A?\n    options: [{value: x, label: X}, {value: y, label: Y}]",
            "FILE:7: question 'a' options: has no 'unsure' answer, so set if_unanswered",
        ),
        (
            "    text: Question A?",
            "    text: Question A?\n    options: [{value: x, label: X}, {value: x, label: Y}]\n    if_unanswered: x",
            "FILE:7: question 'a' options[1].value: repeats the answer 'x'",
        ),
        # Cases
        (
            "answers: {}, others: no, outcome: low",
            "answers: {a: nope}, outcome: low",
            "FILE:20: case 'none' answers.a: question 'a' has no answer 'nope'",
        ),
        (
            "answers: {}, others: no, outcome: low",
            "answers: {z: yes}, outcome: low",
            "FILE:20: case 'none' answers.z: no question has the id 'z'",
        ),
        (
            "outcome: low}",
            "outcome: lo}",
            "FILE:20: case 'none' outcome: no outcome has the id 'lo'",
        ),
    ],
)
def test_loader_problem_names_file_and_line(
    rules_file: Callable[[str], Path], old: str, new: str, expected: str
) -> None:
    assert old in MINI
    problems = problems_for(rules_file, MINI.replace(old, new, 1))
    assert any(p.startswith(expected) for p in problems), problems


def test_every_problem_is_reported_at_once(rules_file: Callable[[str], Path]) -> None:
    text = (
        MINI.replace("    outcome: high", "    outcome: nowhere")
        .replace("{id: low, severity: 1", "{id: high, severity: 1")
        .replace('version: "1.0"', "version: 1")
    )
    problems = problems_for(rules_file, text)
    assert [p.split(":")[1] for p in problems] == ["2", "12", "16", "20"], problems
    assert [int(p.split(":")[1]) for p in problems] == sorted(
        int(p.split(":")[1]) for p in problems
    )


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("", "FILE:1: the file is empty"),
        ("- just\n- a list\n", "FILE:1: top level: must be a mapping"),
        ("id: [\n", "FILE:2: not valid YAML"),
        ("? [a, b]\n: c\n", "FILE:1: keys must be plain text"),
    ],
)
def test_malformed_files(rules_file: Callable[[str], Path], content: str, expected: str) -> None:
    problems = problems_for(rules_file, content) if content else None
    if problems is None:
        path = rules_file("")
        with pytest.raises(RulesetError) as caught:
            load_ruleset(path)
        problems = [str(p).replace(str(path), "FILE") for p in caught.value.problems]
    assert any(p.startswith(expected) for p in problems), problems


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(RulesetError) as caught:
        load_ruleset(tmp_path / "absent.yaml")
    assert str(caught.value) == f"{tmp_path / 'absent.yaml'}:1: no such file"


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("title: caf\xe9\n".encode("latin-1"))
    with pytest.raises(RulesetError, match=r":1: not UTF-8 text"):
        load_ruleset(path)


def test_every_missing_key_is_named_once(rules_file: Callable[[str], Path]) -> None:
    assert problems_for(rules_file, "questions:\n  - {}\n") == [
        "FILE:1: top level: missing required keys 'id', 'version', 'title', 'outcomes', "
        "'rules', 'cases'",
        "FILE:2: questions[0]: missing required keys 'id', 'text'",
    ]


def test_exact_problems_for_a_broken_file(rules_file: Callable[[str], Path]) -> None:
    text = MINI.replace("    outcome: high", "    outcome: hihg").replace(
        "    text: Question A?", "    text: Question A?\n    hnit: typo"
    )
    assert problems_for(rules_file, text) == [
        "FILE:7: question 'a' hnit: unknown key 'hnit' (did you mean 'hint'?); allowed here: "
        "hint, id, if_unanswered, options, text, when",
        "FILE:17: rule 'r1' outcome: no outcome has the id 'hihg' (did you mean 'high'?)",
    ]


def test_aliases_are_refused(rules_file: Callable[[str], Path]) -> None:
    text = MINI.replace("title: Mini screening", "title: &t Mini screening\ndescription: *t")
    assert problems_for(rules_file, text) == [
        "FILE:4: aliases (*name) are not allowed in rules files: write the value out"
    ]


def test_recursive_alias_is_refused_quickly(rules_file: Callable[[str], Path]) -> None:
    problems = problems_for(rules_file, "a: &a [*a]\n")
    assert problems == [
        "FILE:1: aliases (*name) are not allowed in rules files: write the value out"
    ]


def test_review_dates_stay_text(rules_file: Callable[[str], Path]) -> None:
    def approved_on(day: str) -> str:
        approval = f"{{by: A, role: B, date: {day}, fingerprint: {'ab' * 32}}}"
        review = f"review: {{status: draft, approvals: [{approval}]}}\n"
        return MINI.replace("questions:\n", review + "questions:\n", 1)

    ruleset = load_ruleset(rules_file(approved_on("2026-11-01")))
    assert ruleset.review is not None and ruleset.review.approvals[0].date == "2026-11-01"
    assert ruleset.review.approvals[0].line == 4
    for bad in ("2026-02-30x", "2026-02-30"):
        problems = problems_for(rules_file, approved_on(bad))
        assert any("review approvals[0].date" in p for p in problems), problems


@pytest.mark.parametrize("value", ['!!int "x"', "!!float nope", "!!python/object:os.system x"])
def test_bad_tagged_values_are_problems_not_crashes(
    rules_file: Callable[[str], Path], value: str
) -> None:
    problems = problems_for(rules_file, MINI.replace("title: Mini screening", f"title: {value}"))
    assert any(p.startswith("FILE:3: not ") for p in problems), problems


# --------------------------------------------------------------------------- rules 2.0

SCOPE = """\
emergency: "Call {emergency_number} now."
scope:
  questions:
    - id: adult
      text: Are you 18 or over?
      options:
        - {value: "yes", label: "Yes"}
        - {value: "no", label: "No"}
      in_scope: ["yes"]
  outside:
    title: Not for you
    body: This check is for adults.
    next_steps: [Talk to a doctor.]
"""
SCOPED = MINI.replace("questions:\n", SCOPE + "questions:\n", 1)


def test_scope_block_is_parsed(rules_file: Callable[[str], Path]) -> None:
    ruleset = load_ruleset(rules_file(SCOPED))
    assert [q.id for q in ruleset.scope] == ["adult"]
    assert ruleset.scope[0].in_scope == {"yes"} and ruleset.scope[0].line == 7
    assert [q.id for q in ruleset.questions] == ["a", "b"], "scope questions stay apart"
    assert [q.id for q in ruleset.flow] == ["adult", "a", "b"]
    assert ruleset.question_by_id["adult"] is ruleset.scope[0]
    assert ruleset.outside is not None
    assert (ruleset.outside.title, ruleset.outside.body, ruleset.outside.next_steps) == (
        "Not for you",
        "This check is for adults.",
        ("Talk to a doctor.",),
    )
    assert ruleset.emergency == "Call {emergency_number} now."
    texts = [t.text for t in ruleset.texts()]
    for text in ("Are you 18 or over?", "Not for you", "Talk to a doctor.", ruleset.emergency):
        assert text in texts
    plain = load_ruleset(rules_file(MINI, "plain.yaml"))
    assert plain.scope == () and plain.outside is None and plain.emergency is None


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "{question: b, in: [yes, unsure]}",
            "{question: adult, is: yes}",
            "FILE:28: rule 'r1' when.question: 'adult' is a scope question: it decides who "
            "the screening is for, so rules and follow-ups cannot look at it",
        ),
        (
            "    when: {question: a, in: [yes, unsure]}",
            "    when: {question: adult, is: yes}",
            "FILE:22: question 'b' when.question: 'adult' is a scope question",
        ),
        (
            'in_scope: ["yes"]',
            'in_scope: ["maybe"]',
            "FILE:12: scope question 'adult' in_scope[0]: 'maybe' is not one of the answers "
            "'yes', 'no'",
        ),
        ("- id: adult", "- id: a", "FILE:7: scope question 'a' id: duplicate question id 'a'"),
        ("  outside:\n", "  outsid:\n", "FILE:5: scope: missing required key 'outside'"),
        ('      in_scope: ["yes"]\n', "", "FILE:7: scope question 'adult': missing required key"),
    ],
)
def test_scope_problems(
    rules_file: Callable[[str], Path], old: str, new: str, expected: str
) -> None:
    assert old in SCOPED
    problems = problems_for(rules_file, SCOPED.replace(old, new, 1))
    assert any(p.startswith(expected) for p in problems), problems


def test_reason_in_three_wordings(rules_file: Callable[[str], Path]) -> None:
    text = MINI.replace(
        "    reason: You told us B.",
        "    reason:\n"
        "      told: You told us B.\n"
        "      unsure: You were not sure about B.\n"
        "      unanswered: You did not tell us about B.",
    )
    rule = load_ruleset(rules_file(text)).rules[0]
    assert (rule.reason, rule.reason_unsure, rule.reason_unanswered) == (
        "You told us B.",
        "You were not sure about B.",
        "You did not tell us about B.",
    )
    assert [rule.wording(b) for b in ("told", "unsure", "unanswered")] == [
        "You told us B.",
        "You were not sure about B.",
        "You did not tell us about B.",
    ]
    single = load_ruleset(rules_file(MINI, "single.yaml")).rules[0]
    assert single.reason_unsure is None and single.reason_unanswered is None
    assert {single.wording(b) for b in ("told", "unsure", "unanswered")} == {"You told us B."}


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        (
            "{told: You told us B., unsure: Not sure about B.}",
            "FILE:17: rule 'r1' reason: missing required key 'unanswered'",
        ),
        (
            "{told: T., unsure: U., unanswered: N., maybe: M.}",
            "FILE:17: rule 'r1' reason.maybe: unknown key 'maybe'; allowed here: told, "
            "unanswered, unsure",
        ),
        (
            "[You told us B.]",
            "FILE:17: rule 'r1' reason: must be text, or a mapping with told, unsure and "
            "unanswered texts",
        ),
    ],
)
def test_reason_problems(rules_file: Callable[[str], Path], reason: str, expected: str) -> None:
    text = MINI.replace("    reason: You told us B.", f"    reason: {reason}")
    problems = problems_for(rules_file, text)
    assert any(p.startswith(expected) for p in problems), problems


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            "{title: Blood in urine (NHS), url: 'https://www.nhs.uk/conditions/blood-in-urine/'}",
            None,
        ),
        ("{section: Test, title: NHS, url: 'https://www.nhs.uk/'}", None),
        (
            "{note: Only a note}",
            "FILE:18: rule 'r1' source: needs the reference article's section, or a clinical "
            "source's title and url",
        ),
        (
            "{section: Test, title: An NHS page}",
            "FILE:18: rule 'r1' source: a clinical source needs both a title and a url",
        ),
        (
            "{url: 'https://www.nhs.uk/'}",
            "FILE:18: rule 'r1' source: a clinical source needs both a title and a url",
        ),
        (
            "{title: NHS, url: 'http://www.nhs.uk/'}",
            "FILE:18: rule 'r1' source.url: 'http://www.nhs.uk/' does not have the expected form",
        ),
    ],
)
def test_sources(rules_file: Callable[[str], Path], source: str, expected: str | None) -> None:
    text = MINI.replace("    source: {section: Test}", f"    source: {source}")
    if expected is None:
        rule = load_ruleset(rules_file(text)).rules[0]
        assert rule.source.url is not None and rule.source.url.startswith("https://")
        assert rule.source.title
        return
    problems = problems_for(rules_file, text)
    assert any(p.startswith(expected) for p in problems), problems


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "Call {emergency_number} now.",
            "Call {foo} now.",
            "emergency message: unknown placeholder '{foo}'; the only one is {emergency_number}",
        ),
        (
            "{id: high, severity: 2, title: High, body: Go now.}",
            "{id: high, severity: 2, title: High, body: 'Go now, call {emergency}.'}",
            "FILE:24: high: outcome text: unknown placeholder '{emergency}'",
        ),
    ],
)
def test_unknown_placeholders_are_refused(
    rules_file: Callable[[str], Path], old: str, new: str, expected: str
) -> None:
    assert old in SCOPED
    problems = problems_for(rules_file, SCOPED.replace(old, new, 1))
    assert any(expected in p for p in problems), problems


def test_filled_replaces_the_placeholder_everywhere(rules_file: Callable[[str], Path]) -> None:
    text = SCOPED.replace(
        "{id: high, severity: 2, title: High, body: Go now.}",
        "{id: high, severity: 2, title: 'Call {emergency_number}', body: 'Call {emergency_number}.'}",
    ).replace("[Talk to a doctor.]", "['Or call {emergency_number}.']")
    ruleset = load_ruleset(rules_file(text))
    filled = ruleset.filled({"emergency_number": "112"})
    assert filled.emergency == "Call 112 now."
    assert filled.outcome_by_id["high"].title == "Call 112"
    assert filled.outcome_by_id["high"].body == "Call 112."
    assert filled.outside is not None and filled.outside.next_steps == ("Or call 112.",)
    assert not [t for t in filled.texts() if "{" in t.text]
    # Only the texts change: ids, hash and language stay, and the original is untouched.
    assert (filled.sha256, filled.language, [r.id for r in filled.rules]) == (
        ruleset.sha256,
        ruleset.language,
        [r.id for r in ruleset.rules],
    )
    assert ruleset.emergency == "Call {emergency_number} now."
    unfilled = ruleset.filled({})
    assert unfilled.emergency == "Call {emergency_number} now.", "no value: left as it is"


def test_condition_doubt() -> None:
    """0 given, 1 not sure, 2 not answered: the least sure of an all, the surest part of
    an any that holds, and the answers under a not."""
    a_yes, b_yes = AnswerIn("a", frozenset({"yes", "unsure"})), AnswerIn("b", frozenset({"yes"}))
    full = {"a": "unsure", "b": "yes"}
    assert a_yes.doubt(full, full) == 1
    assert a_yes.doubt(full, {}) == 2, "asked but not answered"
    assert AllOf((a_yes, b_yes)).doubt(full, full) == 1, "the least sure part"
    assert AnyOf((a_yes, b_yes)).doubt(full, full) == 0, "b, told, is enough"
    assert AnyOf((a_yes, AnswerIn("b", frozenset({"no"})))).doubt(full, full) == 1, "only a holds"
    a_no = AnswerIn("a", frozenset({"no"}))
    assert Not(a_no).doubt(full, full) == 1
    assert Not(a_no).doubt(full, {}) == 2
    assert Not(AnswerIn("c", frozenset({"yes"}))).doubt(full, full) == 0, "c was not asked"
