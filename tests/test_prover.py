"""The prover against its oracle: thousands of random small rulesets, sound and broken.

For each ruleset hypothesis draws, ``verify`` (the prover, on decision diagrams) and
``verify(..., exhaustive=True)`` (the enumerator) must agree on the counts and on every
finding's check, line, subject and kind, in the same order; every example the prover
gives must show its problem when the engine evaluates it, and be no less simple than
the enumerator's.
"""

from __future__ import annotations

import math
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from screener import engine, oracle, prover, verify
from screener.cli import main
from screener.resources import schema
from screener.ruleset import (
    NO,
    AllOf,
    AnswerIn,
    AnyOf,
    Case,
    Condition,
    Not,
    Option,
    Outcome,
    Question,
    Rule,
    Ruleset,
    Source,
    parse,
)
from tests.generated import generate

CUSTOM_VALUES = ("none", "no", "mild", "severe", "unsure")
DEFAULT = (Option("yes", "Yes"), Option("no", "No"), Option("unsure", "Not sure"))


# --------------------------------------------------------------------------- random rulesets


def conditions(draw: st.DrawFn, questions: list[Question], depth: int, *, sound: bool) -> Condition:
    """A random condition over ``questions``; ``sound`` ones point towards care."""
    q = draw(st.sampled_from(questions))
    if depth <= 0 or draw(st.integers(0, 2)) == 0:
        if sound:
            caring = [v for v in q.values if v != NO]
            cut = draw(st.integers(0, len(caring) - 1))
            values = caring[cut:] if q.values != ("yes", "no", "unsure") else ["yes", "unsure"]
            if q.if_unanswered not in values:
                values.append(q.if_unanswered)
            leaf: Condition = AnswerIn(q.id, frozenset(values))
            if (
                draw(st.integers(0, 4)) == 0
                and NO in q.values
                and set(q.values) - {NO} <= set(values)
            ):
                leaf = Not(AnswerIn(q.id, frozenset((NO,))))
            return leaf
        values = draw(st.sets(st.sampled_from(q.values), min_size=1))
        return AnswerIn(q.id, frozenset(values))
    kind = draw(st.sampled_from(["all", "any", "not"] if not sound else ["all", "any"]))
    if kind == "not":
        return Not(conditions(draw, questions, depth - 1, sound=sound))
    parts = tuple(
        conditions(draw, questions, depth - 1, sound=sound) for _ in range(draw(st.integers(1, 3)))
    )
    return AllOf(parts) if kind == "all" else AnyOf(parts)


@st.composite
def rulesets(draw: st.DrawFn) -> Ruleset:
    """A small ruleset: up to 8 questions, follow-ups, custom answers, nested conditions."""
    sound = draw(st.booleans())
    questions: list[Question] = []
    for i in range(draw(st.integers(1, 8))):
        kind = draw(st.integers(0, 9))
        if kind < 2:
            values = draw(st.sets(st.sampled_from(CUSTOM_VALUES), min_size=2))
            options = tuple(Option(v, v.title()) for v in CUSTOM_VALUES if v in values)
        elif kind == 2:  # yes and no only, in either order
            options = tuple(draw(st.permutations(DEFAULT[:2])))
        else:
            options = DEFAULT
        values_in_order = tuple(o.value for o in options)
        if "unsure" in values_in_order and (sound or draw(st.integers(0, 5))):
            unanswered = "unsure"
        else:
            unanswered = draw(st.sampled_from(values_in_order))
        when = None
        if questions and draw(st.integers(0, 2)) == 0:
            when = conditions(draw, questions, 2, sound=sound)
        questions.append(Question(f"q{i}", f"Q{i}?", None, options, when, unanswered, 10 + i))
    n_outcomes = draw(st.integers(2, 4))
    # Severities need not be 0, 1, 2 ..., nor in file order.
    severities = draw(
        st.lists(st.integers(-5, 50), min_size=n_outcomes, max_size=n_outcomes, unique=True)
    )
    ranked = sorted(severities)
    outcomes = tuple(
        Outcome(f"o{ranked.index(s)}", s, f"O{s}", f"Body {s}.", None, (), 100 + n)
        for n, s in enumerate(severities)
    )
    rules = tuple(
        Rule(
            f"r{i}",
            conditions(draw, questions, 3, sound=sound),
            f"o{draw(st.integers(0 if draw(st.integers(0, 9)) == 0 else 1, n_outcomes - 1))}",
            f"You told us {i}.",
            Source("T", None, None),
            200 + i,
        )
        for i in range(draw(st.integers(1, 6)))
    )
    cases = tuple(
        Case(
            f"c{i}",
            {
                q.id: draw(st.sampled_from(q.values))
                for q in questions
                if draw(st.integers(0, 2)) == 0
            },
            draw(st.sampled_from(["no", "yes", None])),
            "o0",
            300 + i,
        )
        for i in range(draw(st.integers(0, 3)))
    )
    cases = tuple(
        c for c in cases if c.others is None or all(c.others in q.values for q in questions)
    )
    return Ruleset(
        "random",
        "1.0",
        "Random",
        None,
        None,
        tuple(questions),
        outcomes,
        rules,
        cases,
        "0" * 64,
        "r",
    )


def cost(answers: Any) -> int:
    """How many answers other than "no": what "the simplest example" means."""
    return sum(v != NO for v in answers.values())


def example_shows(ruleset: Ruleset, finding: verify.Finding) -> None:
    """The finding's example really shows the problem, with the engine."""
    answers = dict(finding.answers or {})
    assert engine.relevant_answers(ruleset, answers) == answers, "a reachable answer set"
    assert {q.id for q in engine.asked_questions(ruleset, answers)} == set(answers)
    result = engine.evaluate(ruleset, answers)
    if finding.kind == "rule-never-decides":
        rule = finding.subject.split("'")[1]
        assert rule in {r.rule for r in result.reasons}
        severity = {o.id: o.severity for o in ruleset.outcomes}
        rule_outcome = next(r.outcome for r in ruleset.rules if r.id == rule)
        assert result.outcome.severity > severity[rule_outcome]
    elif finding.kind == "rule-never-changes":
        rule = finding.subject.split("'")[1]
        rank = {o.id: o.severity for o in ruleset.outcomes}
        mine = rank[next(r.outcome for r in ruleset.rules if r.id == rule)]
        assert rule in {r.rule for r in result.reasons}
        assert any(r.rule != rule and rank[r.outcome] >= mine for r in result.reasons)
    elif finding.check == "monotone":
        was = finding.message.split("lowers the outcome from '")[1].split("'")[0]
        assert result.outcome.id == was
        qid = finding.subject.split("'")[1]
        before, after = finding.kind.split()[1].split(">")
        assert answers[qid] == before
        changed = engine.relevant_answers(ruleset, {**answers, qid: after})
        lowest = min(
            engine.evaluate(ruleset, trial).outcome.severity
            for trial in completions(ruleset, changed)
        )
        assert lowest < result.outcome.severity


def completions(ruleset: Ruleset, given: dict[str, str]) -> list[dict[str, str]]:
    """Every answer set after a change: ``given`` answers kept while still asked, dropped
    when no longer asked, and each newly asked question given every answer."""
    found = [{}]
    for q in ruleset.questions:
        grown = []
        for answers in found:
            if not engine.is_asked(q, answers):
                grown.append(answers)
            elif q.id in given:
                grown.append({**answers, q.id: given[q.id]})
            else:
                grown += [{**answers, q.id: v} for v in q.values]
        found = grown
    return found


@settings(
    max_examples=1000,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(rulesets())
def test_prover_agrees_with_the_enumerator(ruleset: Ruleset) -> None:
    proved = verify.verify(ruleset)
    enumerated = verify.verify(ruleset, exhaustive=True)
    assert proved.combinations == enumerated.combinations
    assert dict(proved.by_outcome) == dict(enumerated.by_outcome)
    assert [f.key for f in proved.findings] == [f.key for f in enumerated.findings]
    for mine, theirs in zip(proved.findings, enumerated.findings, strict=True):
        if mine.answers is not None:
            assert theirs.answers is not None
            example_shows(ruleset, mine)
            assert cost(mine.answers) <= cost(theirs.answers), (mine, theirs)


def test_random_rulesets_cover_what_they_must() -> None:
    """The strategy really draws follow-ups, custom answers, not, nesting, and broken
    as well as sound rulesets (else the agreement above would prove little)."""
    seen: set[str] = set()

    @settings(max_examples=600, deadline=None, derandomize=True)
    @given(rulesets())
    def observe(ruleset: Ruleset) -> None:
        found = verify.verify(ruleset).findings
        seen.update((f.kind or f.check).split()[0] for f in found)
        if all(f.check == "cases" for f in found):
            seen.add("sound")
        for q in ruleset.questions:
            if q.when is not None:
                seen.add("follow-up")
            if q.values != ("yes", "no", "unsure"):
                seen.add("custom")
        for rule in ruleset.rules:
            text = repr(rule.when)
            if "Not(" in text:
                seen.add("not")
            if "AllOf(parts=(AnyOf" in text or "AnyOf(parts=(AllOf" in text:
                seen.add("nested")

    observe()
    wanted = {
        "sound",
        "follow-up",
        "custom",
        "not",
        "nested",
        "monotone",
        "rule-never-decides",
        "rule-never-holds",
        "question-no-effect",
        "question-never-asked",
        "outcome-never-reached",
        "rule-duplicate",
        "rule-never-changes",
        "answers-alike",
    }
    assert wanted <= seen, wanted - seen


# --------------------------------------------------------------------------- large rulesets


@pytest.mark.parametrize("n", [30, 60])
def test_generated_rulesets_are_proven_clean(n: int) -> None:
    ruleset = parse(generate(n), filename="g.yaml", schema=schema())
    result = verify.verify(ruleset)
    assert result.findings == ()
    assert sum(result.by_outcome.values()) == result.combinations
    assert result.by_outcome["info"] == 1, "only all-no gives general information"


def test_generated_fifteen_agrees_with_the_enumerator() -> None:
    """The largest generated size the enumerator still finishes, counted both ways."""
    ruleset = parse(generate(15), filename="g.yaml", schema=schema())
    proved, enumerated = verify.verify(ruleset), verify.verify(ruleset, exhaustive=True)
    assert proved.combinations == enumerated.combinations > 1_000_000
    assert dict(proved.by_outcome) == dict(enumerated.by_outcome)


def test_counts_are_exact_beyond_floating_point() -> None:
    """At 120 questions the counts pass 2^53 many times over, and must still be exact: the
    total is checked against the product of each question group's answer sets."""
    ruleset = parse(generate(120), filename="g.yaml", schema=schema())
    result = verify.verify(ruleset)
    assert result.combinations == math.prod(oracle._Grid(ruleset).shape) > 2**150
    assert sum(result.by_outcome.values()) == result.combinations
    assert result.by_outcome["info"] == 1


def test_three_faults_in_120_questions_are_exactly_what_check_reports(tmp_path: Path) -> None:
    text = generate(120, faults=("not_monotone", "dead_rule", "failing_case"))
    path = tmp_path / "faulty.yaml"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 1
    found = [line for line in result.output.splitlines() if re.match(rf"{path}:\d+: ", line)]
    assert len(found) == 3, result.output
    lines = text.splitlines()

    def line_of(ident: str) -> int:
        return next(n for n, line in enumerate(lines, 1) if line.endswith(f"id: {ident}"))

    data = yaml.safe_load(text)
    monotone_q = data["rules"][-2]["when"]["question"]
    failing = data["cases"][1]["id"]
    assert found[0].startswith(f"{path}:{line_of(failing)}: [cases] case {failing!r}")
    assert found[1].startswith(f"{path}:{line_of('fault_dead_rule')}: [no-dead-parts]")
    assert "never decides the outcome" in found[1]
    assert found[2].startswith(f"{path}:{line_of(monotone_q)}: [monotone] question {monotone_q!r}")
    assert "from 'yes' to 'unsure' lowers the outcome from 'urgent' to 'clinician'" in found[2]
    ruleset = parse(text, filename=str(path), schema=schema())
    for finding in verify.verify(ruleset).findings:
        if finding.answers is not None:
            example_shows(ruleset, finding)


# --------------------------------------------------------------------------- the machinery


def test_counting_matches_the_library_on_small_diagrams() -> None:
    """The exact count agrees with dd's own, which is exact while counts stay small."""
    ruleset = parse(generate(15), filename="g.yaml", schema=schema())
    space = prover.single_space(ruleset)
    enc = prover.Encoding(space, ruleset)
    for u in [enc.reach, *(enc.reach & h for h in enc.at_least)]:
        # dd counts over every declared bit, the primed twins too (free in ``u``).
        theirs = space.bdd.count(u, nvars=len(space.bdd.vars))
        assert space.count(u) << space.n_primed == theirs


def test_simplest_example_has_fewest_answers_other_than_no() -> None:
    """The shortest path finds an example as simple as the enumerator's best."""
    ruleset = parse(generate(15), filename="g.yaml", schema=schema())
    space = prover.single_space(ruleset)
    enc = prover.Encoding(space, ruleset)
    grid = oracle._Grid(ruleset)
    for rule in ruleset.rules:
        example = space.example(enc.reach & enc.rules[rule.id])
        assert rule.id in {r.rule for r in engine.evaluate(ruleset, example).reasons}
        assert cost(example) == cost(grid.first(grid.condition(rule.when)))


def test_the_engine_must_confirm_every_example(monkeypatch: pytest.MonkeyPatch) -> None:
    """An example the engine does not confirm is raised as a Screener bug, never printed."""
    text = generate(15, faults=("not_monotone",))
    ruleset = parse(text, filename="g.yaml", schema=schema())
    monkeypatch.setattr(prover.Space, "example", lambda self, u, primed=False: {})
    with pytest.raises(prover.ProverBug, match="does not confirm"):
        verify.verify(ruleset)


def test_the_pure_python_diagrams_give_the_same_proof(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where dd has no CUDD build, its own diagrams stand in: same counts, same findings."""
    from dd import autoref

    text = generate(30, faults=("not_monotone", "dead_rule", "failing_case"))
    ruleset = parse(text, filename="g.yaml", schema=schema())
    with_cudd = verify.verify(ruleset)
    monkeypatch.setattr(prover, "_dd", autoref)
    assert prover.single_space(ruleset).bdd.__class__.__module__ == "dd.autoref"
    pure = verify.verify(ruleset)
    assert pure.combinations == with_cudd.combinations
    assert dict(pure.by_outcome) == dict(with_cudd.by_outcome)
    assert [f.key for f in pure.findings] == [f.key for f in with_cudd.findings]
    assert len(pure.findings) == 3


@pytest.mark.parametrize("fault", ["dead_rule", "diff"])
def test_every_guard_refuses_an_example_the_engine_does_not_confirm(
    monkeypatch: pytest.MonkeyPatch, fault: str
) -> None:
    """Dead-rule and diff examples are checked by the engine too: an example of all "no"
    shows neither a rule that holds nor a move, so each must be refused."""
    from screener import diff

    ruleset = parse(generate(15, faults=("dead_rule",)), filename="g.yaml", schema=schema())

    def all_no(self: prover.Space, u: Any) -> dict[str, str]:
        return {
            q.id: "no" if "no" in q.values else "none" for q in ruleset.questions if q.when is None
        }

    monkeypatch.setattr(prover.Space, "example", all_no)

    def run() -> object:
        if fault == "dead_rule":
            return verify.verify(ruleset)
        return diff.diff(ruleset, replace(ruleset, rules=ruleset.rules[1:], version="2"))

    with pytest.raises(prover.ProverBug, match=r"does not confirm|gives"):
        run()
