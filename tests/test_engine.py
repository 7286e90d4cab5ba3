"""The engine, with no app: asked questions, dropped follow-ups, the hit policy, safety defaults."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from screener import engine
from screener.resources import schema
from screener.ruleset import Case, Ruleset, parse

RULES = """\
id: engine_test
version: "1.0"
title: Engine test
questions:
  - {id: pain, text: "Pain?"}
  - {id: pain_severe, text: "Severe?", when: {question: pain, in: [yes, unsure]}}
  - {id: rash, text: "Rash?"}
  - id: colour
    text: "Colour?"
    options: [{value: red, label: Red}, {value: blue, label: Blue}]
    if_unanswered: red
outcomes:
  - {id: info, severity: 1, title: Info, body: General.}
  - {id: see, severity: 2, title: See someone, body: Soon.}
  - {id: now, severity: 3, title: Now, body: Now.}
rules:
  - {id: severe, when: {question: pain_severe, in: [yes, unsure]}, outcome: now,
     reason: Severe pain., source: {section: T}}
  - {id: pain, when: {question: pain, in: [yes, unsure]}, outcome: see,
     reason: Pain., source: {section: T}}
  - {id: rash, when: {question: rash, in: [yes, unsure]}, outcome: see,
     reason: Rash., source: {section: T}}
  - {id: red, when: {all: [{question: colour, is: red}, {not: {question: rash, is: no}}]},
     outcome: now, reason: Red., source: {section: T}}
cases:
  - {id: none, answers: {colour: blue}, others: no, outcome: info}
"""


@pytest.fixture(scope="module")
def rules() -> Ruleset:
    return parse(RULES, filename="engine.yaml", schema=schema())


def test_lowest_outcome_when_no_rule_holds(rules: Ruleset) -> None:
    result = engine.evaluate(rules, {"pain": "no", "rash": "no", "colour": "blue"})
    assert result.outcome.id == "info"
    assert result.reasons == ()


def test_most_severe_wins_and_every_reason_is_kept(rules: Ruleset) -> None:
    result = engine.evaluate(
        rules, {"pain": "yes", "pain_severe": "yes", "rash": "yes", "colour": "blue"}
    )
    assert result.outcome.id == "now"
    assert [r.rule for r in result.reasons] == ["severe", "pain", "rash"]
    assert [r.text for r in result.reasons] == ["Severe pain.", "Pain.", "Rash."]


def test_unanswered_counts_as_if_unanswered(rules: Ruleset) -> None:
    result = engine.evaluate(rules, {"pain": "no", "rash": "no"})
    assert result.answers["colour"] == "red"
    assert result.outcome.id == "info", "rule 'red' needs rash other than no"
    result = engine.evaluate(rules, {"pain": "no", "rash": "unsure"})
    assert [r.rule for r in result.reasons] == ["red", "rash"]


def test_unanswered_parent_asks_the_follow_up(rules: Ruleset) -> None:
    result = engine.evaluate(rules, {"rash": "no", "colour": "blue"})
    assert result.answers["pain"] == "unsure"
    assert result.answers["pain_severe"] == "unsure"
    assert result.outcome.id == "now"


def test_follow_up_dropped_when_parent_changes(rules: Ruleset) -> None:
    answers = {"pain": "no", "pain_severe": "yes", "rash": "no", "colour": "blue"}
    assert engine.relevant_answers(rules, answers) == {"pain": "no", "rash": "no", "colour": "blue"}
    assert engine.evaluate(rules, answers).outcome.id == "info"


def test_asked_next_and_previous(rules: Ruleset) -> None:
    assert [q.id for q in engine.asked_questions(rules, {})] == ["pain", "rash", "colour"]
    assert [q.id for q in engine.asked_questions(rules, {"pain": "yes"})] == [
        "pain",
        "pain_severe",
        "rash",
        "colour",
    ]
    assert engine.next_question(rules, {}) is rules.question_by_id["pain"]
    assert engine.next_question(rules, {"pain": "yes"}) is rules.question_by_id["pain_severe"]
    assert engine.next_question(rules, {"pain": "no"}) is rules.question_by_id["rash"]
    full = {"pain": "no", "rash": "no", "colour": "red"}
    assert engine.next_question(rules, full) is None
    assert engine.previous_question(rules, full, "rash") is rules.question_by_id["pain"]
    assert engine.previous_question(rules, full, "pain") is None
    assert engine.previous_question(rules, full, None) is rules.question_by_id["colour"]
    assert (
        engine.previous_question(rules, {"pain": "yes"}, "rash")
        is rules.question_by_id["pain_severe"]
    )


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"itch": "yes"}, "unknown question id 'itch'"),
        ({"pain": "maybe"}, "'pain' cannot be 'maybe'; its answers are 'yes', 'no', 'unsure'"),
        ({"colour": "yes"}, "'colour' cannot be 'yes'; its answers are 'red', 'blue'"),
    ],
)
def test_invalid_answers_are_refused(rules: Ruleset, answers: dict[str, str], message: str) -> None:
    with pytest.raises(engine.AnswerError) as caught:
        engine.evaluate(rules, answers)
    assert caught.value.problems == (message,)


def test_result_json_shape(rules: Ruleset) -> None:
    result = engine.evaluate(
        rules, {"pain": "yes", "pain_severe": "no", "rash": "no", "colour": "blue"}
    )
    assert engine.result_json(rules, result) == {
        "outcome": {"id": "see", "severity": 2, "title": "See someone"},
        "reasons": [{"rule": "pain", "outcome": "see", "text": "Pain."}],
        "ruleset": {"id": "engine_test", "version": "1.0", "sha256": rules.sha256},
        "language": "en",
    }


def test_case_failures_name_the_rules_that_hold(rules: Ruleset) -> None:
    wrong = Case(id="x", answers={"rash": "yes"}, others=None, outcome="info", line=1)
    assert engine.case_failures(rules, wrong) == [
        "case 'x' expects 'info' but gets 'now' (rules that hold: severe, red, pain, rash)"
    ]


def test_case_answering_an_unasked_follow_up_fails(rules: Ruleset) -> None:
    case = Case(
        id="y",
        answers={"pain": "no", "pain_severe": "yes", "colour": "blue"},
        others="no",
        outcome="info",
        line=1,
    )
    assert engine.case_failures(rules, case) == [
        "case 'y' answers 'pain_severe', which its other answers do not ask"
    ]


# ---------------------------------------------------------------- the default ruleset's safety


def answer_sets(ruleset: Ruleset) -> st.SearchStrategy[dict[str, str]]:
    """Any answers to any subset of the questions (relevance is the engine's job)."""
    return st.fixed_dictionaries(
        {},
        optional={q.id: st.sampled_from(q.values) for q in ruleset.questions},
    )


def test_unsure_and_unanswered_never_lower_the_outcome(ruleset: Ruleset) -> None:
    """Changing any answer from yes to unsure, or removing it, never lowers the severity."""

    @settings(max_examples=400, deadline=None)
    @given(answer_sets(ruleset), st.sampled_from([q.id for q in ruleset.questions]))
    def prop(answers: dict[str, str], qid: str) -> None:
        with_yes = {**answers, qid: "yes"}
        severity = engine.evaluate(ruleset, with_yes).outcome.severity
        assert engine.evaluate(ruleset, {**answers, qid: "unsure"}).outcome.severity >= severity
        without = {k: v for k, v in with_yes.items() if k != qid}
        assert engine.evaluate(ruleset, without).outcome.severity >= severity

    prop()


def test_yes_never_lowers_the_outcome_compared_with_no(ruleset: Ruleset) -> None:
    @settings(max_examples=400, deadline=None)
    @given(answer_sets(ruleset), st.sampled_from([q.id for q in ruleset.questions]))
    def prop(answers: dict[str, str], qid: str) -> None:
        low = engine.evaluate(ruleset, {**answers, qid: "no"}).outcome.severity
        assert engine.evaluate(ruleset, {**answers, qid: "yes"}).outcome.severity >= low

    prop()


def test_only_all_no_gives_general_information(ruleset: Ruleset) -> None:
    all_no = {
        q.id: "no" for q in engine.asked_questions(ruleset, {q.id: "no" for q in ruleset.questions})
    }
    assert engine.evaluate(ruleset, all_no).outcome.id == "info"
    for qid in all_no:
        for value in ("yes", "unsure"):
            assert engine.evaluate(ruleset, {**all_no, qid: value}).outcome.id != "info", qid
