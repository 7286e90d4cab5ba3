"""The engine, with no app: asked questions, dropped follow-ups, the hit policy, safety defaults."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from screener import engine
from screener.resources import schema
from screener.ruleset import Case, Ruleset, parse
from tests.test_ruleset import SCOPE

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
        "reasons": [{"rule": "pain", "outcome": "see", "text": "Pain.", "answered": "told"}],
        "scope": "inside",
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
    """Inside the scope, "no" to every question asked gives info, and any one "yes" or
    "not sure" gives more."""
    inside = {q.id: next(iter(q.in_scope or ())) for q in ruleset.scope}
    asked = engine.asked_questions(ruleset, {**inside, **{q.id: "no" for q in ruleset.questions}})
    all_no = {q.id: "no" for q in asked if q.id not in inside}
    assert len(all_no) == 19, "the all-no path asks 19 questions after the scope"
    screened = engine.screen(ruleset, {**inside, **all_no})
    assert isinstance(screened, engine.Result) and screened.outcome.id == "info"
    assert engine.evaluate(ruleset, all_no).outcome.id == "info"
    for qid in all_no:
        for value in ("yes", "unsure"):
            assert engine.evaluate(ruleset, {**all_no, qid: value}).outcome.id != "info", qid


# ---------------------------------------------------------------- how a reason was answered

WORDED = """\
id: worded
version: "1.0"
title: Worded
questions:
  - {id: fever, text: "Fever?"}
  - {id: unwell, text: "Very unwell?", when: {question: fever, in: [yes, unsure]}}
  - {id: rash, text: "Rash?"}
  - {id: itch, text: "Itch?"}
outcomes:
  - {id: info, severity: 1, title: Info, body: General.}
  - {id: see, severity: 2, title: See someone, body: Soon.}
  - {id: now, severity: 3, title: Now, body: Now.}
rules:
  - id: fever_unwell
    when: {all: [{question: fever, in: [yes, unsure]}, {question: unwell, in: [yes, unsure]}]}
    outcome: now
    reason: {told: Told both., unsure: Unsure of one., unanswered: Left one out.}
    source: {section: T}
  - id: skin
    when: {any: [{question: rash, is: yes}, {question: itch, in: [yes, unsure]}]}
    outcome: see
    reason: {told: Told skin., unsure: Unsure skin., unanswered: No skin answer.}
    source: {section: T}
  - id: rash_not_itch
    when: {all: [{question: rash, is: yes}, {not: {question: itch, is: no}}]}
    outcome: see
    reason: {told: Rash told., unsure: Rash unsure., unanswered: Rash unanswered.}
    source: {section: T}
cases:
  - {id: none, answers: {}, others: no, outcome: info}
"""


@pytest.fixture(scope="module")
def worded() -> Ruleset:
    return parse(WORDED, filename="worded.yaml", schema=schema())


def reasons(ruleset: Ruleset, answers: dict[str, str]) -> dict[str, tuple[str, str]]:
    """Each reason's rule, with how it was answered and its text."""
    return {r.rule: (r.basis, r.text) for r in engine.evaluate(ruleset, answers).reasons}


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ({"fever": "yes", "unwell": "yes"}, ("told", "Told both.")),
        ({"fever": "yes", "unwell": "unsure"}, ("unsure", "Unsure of one.")),
        ({"fever": "unsure", "unwell": "yes"}, ("unsure", "Unsure of one.")),
        ({"fever": "yes"}, ("unanswered", "Left one out.")),
        ({"fever": "unsure"}, ("unanswered", "Left one out.")),  # unanswered beats unsure
        ({}, ("unanswered", "Left one out.")),
    ],
)
def test_basis_of_a_compound_all(
    worded: Ruleset, answers: dict[str, str], expected: tuple[str, str]
) -> None:
    found = reasons(worded, {"rash": "no", "itch": "no", **answers})
    assert found["fever_unwell"] == expected


def test_basis_counts_only_the_answers_that_make_the_rule_hold(worded: Ruleset) -> None:
    """An ``any`` is worded for the surest part that holds: one told part is enough,
    whatever the others; a rule that holds through ``not`` is only as sure as the
    answers under it, so one not given there makes it unanswered."""
    base = {"fever": "no"}
    assert reasons(worded, {**base, "rash": "yes", "itch": "no"}) == {
        "skin": ("told", "Told skin.")
    }
    both = reasons(worded, {**base, "rash": "yes"})  # itch unanswered: counts as unsure
    assert both["skin"] == ("told", "Told skin."), "the rash was told, which is enough"
    assert both["rash_not_itch"] == ("unanswered", "Rash unanswered."), (
        "it holds as itch is missing"
    )
    assert reasons(worded, {**base, "rash": "no", "itch": "unsure"}) == {
        "skin": ("unsure", "Unsure skin.")
    }
    assert reasons(worded, {**base, "rash": "no"})["skin"] == ("unanswered", "No skin answer.")


def test_basis_directly(worded: Ruleset) -> None:
    rule = next(r for r in worded.rules if r.id == "fever_unwell")
    full = {"fever": "yes", "unwell": "unsure", "rash": "no", "itch": "no"}
    assert engine.basis(rule, full, full) == "unsure"
    assert engine.basis(rule, full, {"fever": "yes"}) == "unanswered"
    assert engine.basis(rule, {**full, "unwell": "yes"}, {**full, "unwell": "yes"}) == "told"


def test_fire_without_given_answers_words_reasons_as_told(worded: Ruleset) -> None:
    full = engine.complete_answers(worded, {})
    assert {r.basis for r in engine.fire(worded, full).reasons} == {"told"}
    assert "Told both." in [r.text for r in engine.fire(worded, full).reasons]


def test_reason_json_says_how_it_was_answered(worded: Ruleset) -> None:
    result = engine.evaluate(
        worded, {"fever": "yes", "unwell": "unsure", "rash": "no", "itch": "no"}
    )
    assert engine.result_json(worded, result)["reasons"] == [
        {"rule": "fever_unwell", "outcome": "now", "text": "Unsure of one.", "answered": "unsure"}
    ]


# ---------------------------------------------------------------- scope


@pytest.fixture(scope="module")
def scoped() -> Ruleset:
    return parse(
        RULES.replace("questions:\n", SCOPE + "questions:\n", 1), filename="s.yaml", schema=schema()
    )


def test_screen_outside_the_scope_gives_no_outcome(scoped: Ruleset) -> None:
    answers = {"adult": "no", "pain": "yes", "pain_severe": "yes"}
    outside = engine.screen(scoped, answers)
    assert isinstance(outside, engine.OutsideScope)
    assert outside.question is scoped.question_by_id["adult"]
    assert engine.outside_json(scoped, outside) == {
        "outcome": None,
        "reasons": [],
        "scope": "outside",
        "question": "adult",
        "emergency": "Call {emergency_number} now.",
        "outside": {
            "title": "Not for you",
            "body": "This check is for adults.",
            "next_steps": ["Talk to a doctor."],
        },
        "ruleset": {"id": "engine_test", "version": "1.0", "sha256": scoped.sha256},
        "language": "en",
    }
    asked, pending = engine.progress(scoped, answers)
    assert ([q.id for q in asked], pending) == (["adult"], None), "nothing more is asked"


@pytest.mark.parametrize("answers", [{}, {"pain": "no", "rash": "no", "colour": "blue"}])
def test_screen_needs_every_scope_question(scoped: Ruleset, answers: dict[str, str]) -> None:
    with pytest.raises(engine.AnswerError) as caught:
        engine.screen(scoped, answers)
    assert caught.value.problems == (
        "'adult' must be answered: it says whether this screening is for the person",
    )


def test_screen_reports_every_problem_at_once(scoped: Ruleset) -> None:
    with pytest.raises(engine.AnswerError) as caught:
        engine.screen(scoped, {"adult": "maybe"})
    assert caught.value.problems == ("'adult' cannot be 'maybe'; its answers are 'yes', 'no'",)
    with pytest.raises(engine.AnswerError) as caught:
        engine.screen(scoped, {"itch": "yes"})
    assert len(caught.value.problems) == 2


def test_screen_inside_the_scope_is_evaluate(scoped: Ruleset) -> None:
    answers = {"adult": "yes", "pain": "yes", "pain_severe": "no", "rash": "no", "colour": "blue"}
    screened = engine.screen(scoped, answers)
    assert isinstance(screened, engine.Result)
    assert screened == engine.evaluate(scoped, answers)
    assert screened.outcome.id == "see"
    assert engine.result_json(scoped, screened)["scope"] == "inside"
    assert engine.next_question(scoped, {}) is scoped.question_by_id["adult"], "scope first"
    assert engine.next_question(scoped, {"adult": "yes"}) is scoped.question_by_id["pain"]


def test_a_screening_without_scope_needs_no_scope_answer(rules: Ruleset) -> None:
    assert isinstance(engine.screen(rules, {}), engine.Result)
    assert engine.outside_scope(rules, {"pain": "no"}) is None


def test_one_answer_outside_the_scope_is_enough_whatever_the_other_scope_questions() -> None:
    """With two scope questions, "no" to the first ends the screening: the second is
    never asked, so it cannot be required."""
    second = SCOPE.replace(
        '      in_scope: ["yes"]\n',
        '      in_scope: ["yes"]\n    - id: own\n      text: For yourself?\n'
        '      options: [{value: "yes", label: "Yes"}, {value: "no", label: "No"}]\n'
        '      in_scope: ["yes"]\n',
        1,
    )
    rules = parse(
        RULES.replace("questions:\n", second + "questions:\n", 1),
        filename="s.yaml",
        schema=schema(),
    )
    assert [q.id for q in rules.scope] == ["adult", "own"]
    outside = engine.screen(rules, {"adult": "no"})
    assert isinstance(outside, engine.OutsideScope) and outside.question.id == "adult"
    with pytest.raises(engine.AnswerError, match="'own' must be answered"):
        engine.screen(rules, {"adult": "yes"})
