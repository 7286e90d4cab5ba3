"""The screening engine: which questions are asked, and what a set of answers leads to.

Pure functions over a :class:`~screener.ruleset.Ruleset` and a mapping of
question id to answer value. No Flask, no I/O, no URLs: the web views, the
API, the command line and the tests all call the same code.

Semantics, in brief (docs/rules-format.md has the whole story):

* A question is *asked* when it has no ``when`` or its ``when`` holds on the
  answers to the questions before it. Answers to questions that are not
  asked are dropped.
* A question that is asked but not answered counts as its ``if_unanswered``
  value (``unsure`` by default), so a missing answer never lowers the outcome.
* Hit policy: every rule whose condition holds adds its reason; the outcome
  is the most severe among those rules, or the lowest outcome when none holds.
* A reason is worded for how the answers behind it were given: told (each was
  answered), not sure (one was "not sure") or not answered (one was left out).
* Scope questions come first; an answer outside their scope ends the screening
  with no outcome at all (:func:`screen`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from screener.ruleset import (
    NOT_SURE,
    TOLD,
    UNANSWERED,
    UNSURE,
    Case,
    Outcome,
    Question,
    Rule,
    Ruleset,
)


class AnswerError(ValueError):
    """Answers that name an unknown question or give a value the question does not offer."""

    def __init__(self, problems: list[str]) -> None:
        """Keep every problem found."""
        self.problems = tuple(problems)
        super().__init__("; ".join(problems))


class Reason(NamedTuple):
    """Why an outcome was reached: one rule that held, in words for the person."""

    rule: str
    outcome: str
    text: str
    basis: str = TOLD  # told, unsure or unanswered: how the answers behind it were given


class Result(NamedTuple):
    """What a set of answers leads to."""

    outcome: Outcome
    reasons: tuple[Reason, ...]
    answers: Mapping[str, str]


class OutsideScope(NamedTuple):
    """A screening that ends before any outcome: an answer says it is not for this person."""

    question: Question  # the first scope question answered outside its scope
    answers: Mapping[str, str]


def answer_problems(ruleset: Ruleset, answers: Mapping[str, Any]) -> list[str]:
    """Every unknown question id and unknown answer value, in plain words."""
    problems = []
    by_id = ruleset.question_by_id
    for qid, value in answers.items():
        question = by_id.get(qid)
        if question is None:
            problems.append(f"unknown question id {qid!r}")
        elif value not in question.values:
            allowed = ", ".join(repr(v) for v in question.values)
            problems.append(f"{qid!r} cannot be {value!r}; its answers are {allowed}")
    return problems


def is_asked(question: Question, answers: Mapping[str, str]) -> bool:
    """Whether the question is asked, given the answers before it."""
    return question.asks is None or question.asks(answers)


def relevant_answers(ruleset: Ruleset, answers: Mapping[str, str]) -> dict[str, str]:
    """The answers to questions that are asked; answers to the rest are dropped."""
    kept: dict[str, str] = {}
    for question in ruleset.flow:
        if question.id in answers and is_asked(question, kept):
            kept[question.id] = answers[question.id]
    return kept


def complete_answers(ruleset: Ruleset, answers: Mapping[str, str]) -> dict[str, str]:
    """The relevant answers, with every asked but unanswered question set to its default."""
    full: dict[str, str] = {}
    for question in ruleset.questions:
        if question.asks is None or question.asks(full):
            full[question.id] = answers.get(question.id, question.if_unanswered)
    return full


def progress(
    ruleset: Ruleset, answers: Mapping[str, str]
) -> tuple[list[Question], Question | None]:
    """The questions asked so far or still to come, and the first of them without an
    answer (None when all are answered), from one walk of the rules."""
    relevant = relevant_answers(ruleset, answers)
    if outside_scope(ruleset, relevant) is not None:
        return [q for q in ruleset.scope if q.id in relevant], None
    asked = [q for q in ruleset.flow if is_asked(q, relevant)]
    return asked, next((q for q in asked if q.id not in relevant), None)


class Count(NamedTuple):
    """How many questions a person is asked in all, inside the scope: the fewest and the
    most over every way the questions still open could be answered. ``exact`` when the
    search gave up (see :func:`question_count`) is False and ``most`` is an upper bound."""

    fewest: int
    most: int
    exact: bool = True


# The search keeps one entry per distinct set of answers later questions still look at.
# A rules file whose questions depend on each other so widely that more are needed gets
# an upper bound instead: every question not yet ruled out.
COUNT_LIMIT = 4096


def question_count(ruleset: Ruleset, answers: Mapping[str, str] | None = None) -> Count:
    """The fewest and most questions asked in all, scope questions included, for a person
    who stays inside the scope, given the answers so far (none: before the first).

    Answers given stay as they are; every question still open may get any of its answers
    (a scope question only those inside its scope). The walk follows the questions in
    order, keeping only the answers that a later question's ``when`` looks at, so its
    cost grows with how widely the questions depend on each other, not with how many
    there are. Used for "Question 4 of about 16" and for the start page's estimate.
    """
    given = relevant_answers(ruleset, answers or {})
    flow = ruleset.flow
    live = ruleset.looked_at_later  # which answers still matter after each question
    # The answers that matter (as sorted pairs) -> (fewest, most) questions to reach them.
    State = tuple[tuple[str, str], ...]
    states: dict[State, tuple[int, int]] = {(): (0, 0)}
    for i, question in enumerate(flow):
        keep = live[i]
        if question.asks is None and question.id not in keep:
            # Asked whatever came before, and no later question looks at the answer.
            if i and keep != live[i - 1]:
                states = _merge((_only(state, keep), counts) for state, counts in states.items())
            states = {state: (low + 1, high + 1) for state, (low, high) in states.items()}
            continue
        if question.id in given:
            choices: tuple[str, ...] = (given[question.id],)
        elif question.in_scope is not None:
            choices = tuple(v for v in question.values if v in question.in_scope)
        else:
            choices = question.values
        following: list[tuple[State, tuple[int, int]]] = []
        for state, (low, high) in states.items():
            if question.asks is not None and not question.asks(dict(state)):
                following.append((_only(state, keep), (low, high)))
            elif question.id not in keep:
                following.append((_only(state, keep), (low + 1, high + 1)))
            else:
                for value in choices:
                    after = _only((*state, (question.id, value)), keep)
                    following.append((after, (low + 1, high + 1)))
        states = _merge(following)
        if len(states) > COUNT_LIMIT:
            return Count(
                min(low for low, _ in states.values()),
                max(high for _, high in states.values()) + len(flow) - i - 1,
                exact=False,
            )
    return Count(min(low for low, _ in states.values()), max(high for _, high in states.values()))


def _only(state: tuple[tuple[str, str], ...], keep: frozenset[str]) -> tuple[tuple[str, str], ...]:
    """The answers in ``state`` to the questions in ``keep``, in a canonical order."""
    return tuple(sorted(pair for pair in state if pair[0] in keep))


def _merge(
    pairs: Iterable[tuple[tuple[tuple[str, str], ...], tuple[int, int]]],
) -> dict[tuple[tuple[str, str], ...], tuple[int, int]]:
    """One entry per state: the fewest and the most of the counts that reach it."""
    merged: dict[tuple[tuple[str, str], ...], tuple[int, int]] = {}
    for state, (low, high) in pairs:
        if state in merged:
            was_low, was_high = merged[state]
            merged[state] = (min(low, was_low), max(high, was_high))
        else:
            merged[state] = (low, high)
    return merged


def outside_scope(ruleset: Ruleset, answers: Mapping[str, str]) -> Question | None:
    """The first scope question answered outside its scope, or None."""
    for question in ruleset.scope:
        value = answers.get(question.id)
        if value is not None and question.in_scope is not None and value not in question.in_scope:
            return question
    return None


def asked_questions(ruleset: Ruleset, answers: Mapping[str, str]) -> list[Question]:
    """The questions asked so far or still to come, given the answers so far."""
    return progress(ruleset, answers)[0]


def next_question(ruleset: Ruleset, answers: Mapping[str, str]) -> Question | None:
    """The first asked question without an answer, or None when all are answered."""
    return progress(ruleset, answers)[1]


def previous_question(
    ruleset: Ruleset, answers: Mapping[str, str], current: str | None
) -> Question | None:
    """The asked question before ``current`` (or the last one, when ``current`` is None)."""
    earlier = asked_questions(ruleset, answers)
    if current is not None:
        ids = [q.id for q in ruleset.flow]
        stop = ids.index(current)
        earlier = [q for q in earlier if ids.index(q.id) < stop]
    return earlier[-1] if earlier else None


def fire(
    ruleset: Ruleset, full: Mapping[str, str], given: Mapping[str, str] | None = None
) -> Result:
    """Apply the hit policy to complete answers (see :func:`complete_answers`).

    With ``given`` (the answers as given, before the unanswered were filled in), each
    reason is worded for how the answers behind it were given; without, as told.
    """
    # Rules are kept most severe first (file order within a severity), so the
    # first rule that holds names the outcome and the reasons come out in order.
    fired = [(rule, outcome) for rule, outcome in ruleset.by_severity if rule.test(full)]
    if not fired:
        return Result(ruleset.lowest, (), full)
    if given is None:
        reasons = tuple(Reason(rule.id, rule.outcome, rule.reason) for rule, _ in fired)
    else:
        doubtful = _doubtful(full, given)
        reasons = tuple(_reason(rule, full, given, doubtful) for rule, _ in fired)
    return Result(fired[0][1], reasons, full)


def _doubtful(full: Mapping[str, str], given: Mapping[str, str]) -> frozenset[str]:
    """The asked questions answered "not sure" or not answered at all."""
    return frozenset(q for q in full if given.get(q, UNSURE) == UNSURE)


def basis(
    rule: Rule,
    full: Mapping[str, str],
    given: Mapping[str, str],
    doubtful: frozenset[str] | None = None,
) -> str:
    """How the answers that make ``rule`` hold were given: unanswered when one was not
    given, unsure when one was "not sure", else told. Where a part of an ``any`` is
    enough, the surest part that holds decides."""
    if doubtful is None:
        doubtful = _doubtful(full, given)
    if doubtful.isdisjoint(rule.questions):
        return TOLD  # every answer the condition looks at was given, and none "not sure"
    return (TOLD, NOT_SURE, UNANSWERED)[rule.when.doubt(full, given)]


def _reason(
    rule: Rule, full: Mapping[str, str], given: Mapping[str, str], doubtful: frozenset[str]
) -> Reason:
    """The rule's reason, worded for how the answers behind it were given."""
    how = basis(rule, full, given, doubtful)
    return Reason(rule.id, rule.outcome, rule.wording(how), how)


def evaluate(ruleset: Ruleset, answers: Mapping[str, str]) -> Result:
    """Check the answers and return the outcome they lead to; raise AnswerError if invalid.

    This is the screening's own evaluation, for people inside its scope (the proof,
    the cases): it does not look at scope answers. The faces call :func:`screen`.
    """
    problems = answer_problems(ruleset, answers)
    if problems:
        raise AnswerError(problems)
    return fire(ruleset, complete_answers(ruleset, answers), answers)


def screen(ruleset: Ruleset, answers: Mapping[str, str]) -> Result | OutsideScope:
    """What a person is told: :func:`evaluate`'s outcome, or that the screening is not
    for them. One scope answer outside the scope is enough to say so (the rest are then
    never asked); otherwise every scope question must be answered, and AnswerError says
    which are not."""
    problems = answer_problems(ruleset, answers)
    outside = outside_scope(ruleset, answers)
    if outside is None:
        problems += [
            f"{q.id!r} must be answered: it says whether this screening is for the person"
            for q in ruleset.scope
            if q.id not in answers
        ]
    if problems:
        raise AnswerError(problems)
    if outside is not None:
        return OutsideScope(outside, relevant_answers(ruleset, answers))
    return evaluate(ruleset, answers)


def result_json(ruleset: Ruleset, result: Result) -> dict[str, Any]:
    """The result in the public JSON shape shared by the command line and the API."""
    return {
        "outcome": {
            "id": result.outcome.id,
            "severity": result.outcome.severity,
            "title": result.outcome.title,
        },
        "reasons": [
            {"rule": r.rule, "outcome": r.outcome, "text": r.text, "answered": r.basis}
            for r in result.reasons
        ],
        "scope": "inside",
        "ruleset": {"id": ruleset.id, "version": ruleset.version, "sha256": ruleset.sha256},
        "language": ruleset.language.replace("_", "-"),
    }


def outside_json(ruleset: Ruleset, outside: OutsideScope) -> dict[str, Any]:
    """A screening that is not for this person, in the public JSON shape: no outcome and
    no reasons, the scope question that says so, and what the person is told instead."""
    told = ruleset.outside
    return {
        "outcome": None,
        "reasons": [],
        "scope": "outside",
        "question": outside.question.id,
        "emergency": ruleset.emergency,
        "outside": {
            "title": told.title if told else "",
            "body": told.body if told else "",
            "next_steps": list(told.next_steps) if told else [],
        },
        "ruleset": {"id": ruleset.id, "version": ruleset.version, "sha256": ruleset.sha256},
        "language": ruleset.language.replace("_", "-"),
    }


def case_answers(ruleset: Ruleset, case: Case) -> dict[str, str]:
    """A case's answers, with its ``others`` value given to every other asked question."""
    if case.others is None:
        return dict(case.answers)
    full: dict[str, str] = {}
    for question in ruleset.questions:
        if question.id in case.answers:
            full[question.id] = case.answers[question.id]
        elif is_asked(question, full):
            full[question.id] = case.others
    return full


def case_failures(ruleset: Ruleset, case: Case) -> list[str]:
    """What is wrong with a case: answers to questions it does not ask, or a different outcome."""
    answers = case_answers(ruleset, case)
    relevant = relevant_answers(ruleset, answers)
    failures = [
        f"case {case.id!r} answers {qid!r}, which its other answers do not ask"
        for qid in case.answers
        if qid not in relevant
    ]
    result = evaluate(ruleset, answers)
    if result.outcome.id != case.outcome:
        fired = ", ".join(r.rule for r in result.reasons) or "no rule"
        failures.append(
            f"case {case.id!r} expects {case.outcome!r} but gets {result.outcome.id!r} "
            f"(rules that hold: {fired})"
        )
    return failures
