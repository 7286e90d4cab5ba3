"""The exhaustive checker: every reachable answer set, one by one, as the prover's oracle.

Screener proves rulesets with :mod:`screener.prover`. This module decides the same
checks by enumerating every combination of answers a person can give, which is
exact and simple enough to trust at a glance, but grows threefold or more with
each question. The tests generate thousands of small rulesets, sound and broken,
and hold the prover to this module's verdicts, finding by finding.

How the enumeration is fast enough for small rulesets: the combinations form a
grid with one axis per group of questions (a question with the follow-ups that
depend on it), whose entries are the group's reachable answer sets. Conditions
are compiled once into NumPy boolean arrays over just the axes they look at and
broadcast together, so every combination is evaluated, in C, with no Python loop
per combination. Counterexamples are worked out again with the engine, and the
grid is checked against the engine on every case.

Pure: no Flask, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import reduce
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from screener import engine
from screener.ruleset import NO, AllOf, AnswerIn, AnyOf, Condition, Not, Question, Rule, Ruleset
from screener.verify import (
    Finding,
    disagreement,
    duplicate,
    never_asked,
    never_changes,
    never_decides,
    never_holds,
    no_effect,
    not_monotone,
    option_pairs,
    parent_questions,
    same_answers,
    towards_care,
    unreached,
    unused,
    used_questions,
)

# A ruleset with more combinations than this is not enumerated (it fails instead).
# The default ruleset 1.1.0's 8.7 million take about 0.6 s here; 129 million took
# about 10 s and 1.2 GB, so the limit means about half a minute and a few GB.
MAX_CELLS = 400_000_000

S = TypeVar("S", bound=np.generic)
Bools = npt.NDArray[np.bool_]
Ints = npt.NDArray[np.int8]

Combo = tuple[tuple[str, str], ...]


class _Grid:
    """Every reachable combination of answers, as an n-dimensional grid.

    Questions are grouped: a follow-up joins the group of the questions its
    ``when`` looks at. Each group is one axis, whose entries are the group's
    reachable sub-combinations (a follow-up not asked has no answer), so every
    cell of the grid is a combination a person can give, and no cell is one
    they cannot.
    """

    def __init__(self, ruleset: Ruleset) -> None:
        self.ruleset = ruleset
        self.groups = _groups(ruleset)
        self.group_of = {q.id: g for g, group in enumerate(self.groups) for q in group}
        self.combos: list[list[Combo]] = [list(_completions(group, {})) for group in self.groups]
        self.index: list[dict[Combo, int]] = [
            {combo: i for i, combo in enumerate(combos)} for combos in self.combos
        ]
        self.shape = tuple(len(combos) for combos in self.combos)
        self.size = int(np.prod(self.shape, dtype=np.float64))

    def along(self, group: int, values: Sequence[Any], dtype: Any) -> npt.NDArray[Any]:
        """A vector over one group's axis, shaped to broadcast against the grid."""
        shape = [1] * len(self.shape)
        shape[group] = len(values)
        return np.asarray(values, dtype=dtype).reshape(shape)

    def condition(self, cond: Condition) -> Bools:
        """A condition as a boolean array over just the axes it depends on."""
        if isinstance(cond, AnswerIn):
            g = self.group_of[cond.question]
            hits = [dict(combo).get(cond.question) in cond.values for combo in self.combos[g]]
            result: Bools = self.along(g, hits, bool)
            return result
        if isinstance(cond, AllOf):
            return reduce(np.logical_and, (self.condition(p) for p in cond.parts))
        if isinstance(cond, AnyOf):
            return reduce(np.logical_or, (self.condition(p) for p in cond.parts))
        if isinstance(cond, Not):
            return np.logical_not(self.condition(cond.part))
        raise TypeError(f"unknown condition {cond!r}")

    def answers_at(self, index: Sequence[int]) -> dict[str, str]:
        """The answers at a grid cell."""
        answers: dict[str, str] = {}
        for g, i in enumerate(index):
            answers.update(self.combos[g][int(i)])
        return {q.id: answers[q.id] for q in self.ruleset.questions if q.id in answers}

    def simplest(self, mask: Bools, skip: int | None = None) -> tuple[int, ...]:
        """The cell where ``mask`` holds with the fewest answers other than "no" (not
        counting group ``skip``): the clearest example to show a reviewer."""
        others: npt.NDArray[np.int16] = np.zeros((1,) * len(self.shape), dtype=np.int16)
        for g, combos in enumerate(self.combos):
            if g != skip:
                count = [sum(v != NO for _, v in combo) for combo in combos]
                others = others + self.along(g, count, np.int16)
        shape = np.broadcast_shapes(mask.shape, others.shape)
        cost = np.where(mask, others, np.int16(32767))
        flat = int(np.argmin(cost))
        return tuple(int(i) for i in np.unravel_index(flat, shape))

    def first(self, mask: Bools) -> dict[str, str]:
        """The clearest answers where ``mask`` holds."""
        return self.answers_at(self.simplest(np.broadcast_to(mask, self.shape)))


def _groups(ruleset: Ruleset) -> list[list[Question]]:
    """Questions joined with the questions their ``when`` looks at, in file order."""
    parent = {q.id: q.id for q in ruleset.questions}

    def root(qid: str) -> str:
        while parent[qid] != qid:
            parent[qid] = parent[parent[qid]]
            qid = parent[qid]
        return qid

    for q in ruleset.questions:
        for other in q.when.questions() if q.when else ():
            parent[root(q.id)] = root(other)
    groups: dict[str, list[Question]] = {}
    for q in ruleset.questions:
        groups.setdefault(root(q.id), []).append(q)
    return list(groups.values())


def _completions(group: Sequence[Question], given: Mapping[str, str]) -> Iterable[Combo]:
    """Every reachable answer set for the group that keeps the ``given`` answers still asked."""

    def walk(i: int, answers: dict[str, str]) -> Iterable[Combo]:
        if i == len(group):
            yield tuple(answers.items())
            return
        q = group[i]
        if not engine.is_asked(q, answers):
            yield from walk(i + 1, answers)
        elif q.id in given:
            yield from walk(i + 1, {**answers, q.id: given[q.id]})
        else:
            for value in q.values:
                yield from walk(i + 1, {**answers, q.id: value})

    return walk(0, {})


def check(ruleset: Ruleset) -> tuple[int, dict[str, int], list[Finding], bool]:
    """Enumerate every reachable answer set: their number, how many lead to each outcome,
    the findings, and whether the ruleset was small enough to enumerate at all."""
    grid = _Grid(ruleset)
    if grid.size > MAX_CELLS:
        message = (
            f"{grid.size:,} combinations of answers are too many to check one by one "
            f"(the limit is {MAX_CELLS:,}); nothing was proven by enumeration"
        )
        finding = Finding("complete", 1, f"ruleset {ruleset.id!r}", message, kind="too-large")
        return 0, {}, [finding], False

    ranks = {o.id: r for r, o in enumerate(sorted(ruleset.outcomes, key=lambda o: o.severity))}
    masks = {rule.id: grid.condition(rule.when) for rule in ruleset.rules}
    # Hit policy: the most severe outcome among the rules that hold, else the lowest (rank 0).
    outcome_of: Ints = np.zeros(grid.shape, dtype=np.int8)
    for rule in ruleset.rules:
        rank = np.int8(ranks[rule.outcome])
        np.maximum(outcome_of, np.where(masks[rule.id], rank, np.int8(0)), out=outcome_of)

    counts = np.bincount(outcome_of.ravel(), minlength=len(ranks))
    by_outcome = {oid: int(counts[rank]) for oid, rank in ranks.items()}
    findings = _dead_parts(ruleset, grid, outcome_of, masks, ranks, by_outcome)
    findings += _monotone(ruleset, grid, outcome_of, ranks)
    findings += _cross_check(ruleset, grid, outcome_of, ranks)
    return grid.size, by_outcome, findings, True


def _dead_parts(
    ruleset: Ruleset,
    grid: _Grid,
    outcome_of: Ints,
    masks: Mapping[str, Bools],
    ranks: Mapping[str, int],
    by_outcome: Mapping[str, int],
) -> list[Finding]:
    findings: list[Finding] = []
    at_rank = {rank: outcome_of == rank for rank in set(ranks.values())}
    duplicated = {
        rid for rule in _duplicate_pairs(ruleset, masks) for rid in (rule[0].id, rule[1].id)
    }
    for rule in ruleset.rules:
        rank = ranks[rule.outcome]
        if np.any(at_rank[rank] & masks[rule.id]):
            if rule.id in duplicated:
                continue
            others = [
                masks[o.id] for o in ruleset.rules if o is not rule and ranks[o.outcome] >= rank
            ]
            covered = reduce(np.logical_or, others) if others else np.zeros((), dtype=bool)
            if not np.any(masks[rule.id] & ~covered):
                example = grid.first(masks[rule.id])
                result = engine.evaluate(ruleset, example)
                also = [
                    r.rule for r in result.reasons if r.rule != rule.id and ranks[r.outcome] >= rank
                ]
                findings.append(never_changes(rule, also[0], example))
            continue
        if np.any(masks[rule.id]):
            example = grid.first(masks[rule.id])
            winner = engine.evaluate(ruleset, example).outcome.id
            findings.append(never_decides(rule, winner, example))
        else:
            findings.append(never_holds(rule))
    findings += [unreached(o) for o in ruleset.outcomes if by_outcome[o.id] == 0]
    used = used_questions(ruleset)
    parents = parent_questions(ruleset)
    for q in ruleset.questions:
        if q.id not in used:
            findings.append(unused(q))
        elif not any(q.id in dict(c) for c in grid.combos[grid.group_of[q.id]]):
            findings.append(never_asked(q))
        elif q.id not in parents and not _changes_a_rule(grid, q, masks.values()):
            findings.append(no_effect(q))
        else:
            findings += _same_answers(ruleset, grid, q)
    findings += _duplicates(ruleset, masks)
    return findings


def _same_answers(ruleset: Ruleset, grid: _Grid, question: Question) -> list[Finding]:
    """Answers that every rule and every ``when`` treat alike: each condition that looks
    at the question gives the same wherever the one answer is swapped for the other."""
    conditions = [r.when for r in ruleset.rules if question.id in r.when.questions()]
    conditions += [
        q.when
        for q in ruleset.questions
        if q.when is not None and question.id in q.when.questions()
    ]
    found = []
    for u, v in option_pairs(question):
        at_u = grid.condition(AnswerIn(question.id, frozenset((u,))))
        if all(
            not np.any(at_u & (grid.condition(c) != grid.condition(_swap(c, question.id, u, v))))
            for c in conditions
        ):
            found.append(same_answers(question, u, v))
    return found


def _swap(cond: Condition, qid: str, u: str, v: str) -> Condition:
    """The condition with the answers ``u`` and ``v`` to one question swapped."""
    if isinstance(cond, AnswerIn):
        if cond.question != qid:
            return cond
        swapped = {v if x == u else u if x == v else x for x in cond.values}
        return AnswerIn(qid, frozenset(swapped))
    if isinstance(cond, AllOf):
        return AllOf(tuple(_swap(p, qid, u, v) for p in cond.parts))
    if isinstance(cond, AnyOf):
        return AnyOf(tuple(_swap(p, qid, u, v) for p in cond.parts))
    if isinstance(cond, Not):
        return Not(_swap(cond.part, qid, u, v))
    raise TypeError(f"unknown condition {cond!r}")


def _changes_a_rule(grid: _Grid, question: Question, masks: Iterable[Bools]) -> bool:
    """Whether changing this question's answer alone ever changes whether a rule holds."""
    g = grid.group_of[question.id]
    index = grid.index[g]
    pairs = []
    for i, combo in enumerate(grid.combos[g]):
        if question.id not in dict(combo):
            continue
        for value in question.values:
            other = tuple((k, value if k == question.id else v) for k, v in combo)
            j = index.get(other)
            if j is not None and j > i:
                pairs.append((i, j))
    return any(
        mask.shape[g] > 1 and bool(np.any(_at(mask, g, i) != _at(mask, g, j)))
        for mask in masks
        for i, j in pairs
    )


def _duplicate_pairs(ruleset: Ruleset, masks: Mapping[str, Bools]) -> list[tuple[Rule, Rule]]:
    """Every rule with one outcome holding exactly where another does, and that other."""
    pairs = []
    for n, rule in enumerate(ruleset.rules):
        for earlier in ruleset.rules[:n]:
            if earlier.outcome != rule.outcome:
                continue
            a, b = masks[rule.id], masks[earlier.id]
            shape = np.broadcast_shapes(a.shape, b.shape)
            if np.array_equal(np.broadcast_to(a, shape), np.broadcast_to(b, shape)):
                pairs.append((rule, earlier))
    return pairs


def _duplicates(ruleset: Ruleset, masks: Mapping[str, Bools]) -> list[Finding]:
    """Rules that hold exactly where an earlier rule with the same outcome holds."""
    findings = []
    reported: set[str] = set()
    for rule, earlier in _duplicate_pairs(ruleset, masks):
        if rule.id not in reported:
            reported.add(rule.id)
            findings.append(duplicate(rule, earlier))
    return findings


def _monotone(
    ruleset: Ruleset, grid: _Grid, outcome_of: Ints, ranks: Mapping[str, int]
) -> list[Finding]:
    """Moving one answer towards care never lowers the outcome, whatever follow-ups then say."""
    findings = []
    by_rank = {rank: oid for oid, rank in ranks.items()}
    for q in ruleset.questions:
        g = grid.group_of[q.id]
        group = grid.groups[g]
        for before, after in towards_care(q):
            for i, combo in enumerate(grid.combos[g]):
                answers = dict(combo)
                if answers.get(q.id) != before:
                    continue
                # After the change, follow-ups still asked keep their answers; newly
                # asked ones may get any answer, so compare with the least severe.
                targets = [grid.index[g][c] for c in _completions(group, {**answers, q.id: after})]
                was = _at(outcome_of, g, i)
                now = reduce(np.minimum, (_at(outcome_of, g, t) for t in targets))
                lower = now < was
                if not np.any(lower):
                    continue
                cell = list(grid.simplest(np.expand_dims(lower, g), skip=g))
                del cell[g]
                example = grid.answers_at([*cell[:g], i, *cell[g:]])
                worse, follow = _lowest_after(ruleset, example, q.id, after)
                was_id = by_rank[int(was[tuple(cell)])]
                findings.append(not_monotone(q, before, after, was_id, worse, follow, example))
                break
    return findings


def _at(grid: npt.NDArray[S], axis: int, index: int) -> npt.NDArray[S]:
    """The slice of an array at one entry of one axis (a view, not a copy)."""
    view: npt.NDArray[S] = grid[(slice(None),) * axis + (index,)]
    return view


def _lowest_after(
    ruleset: Ruleset, answers: Mapping[str, str], qid: str, value: str
) -> tuple[str, str]:
    """The least severe outcome after changing one answer, over newly asked follow-ups."""
    changed = engine.relevant_answers(ruleset, {**answers, qid: value})
    best: tuple[int, str, str] | None = None
    for combo in _completions(ruleset.questions, changed):
        trial = dict(combo)
        outcome = engine.evaluate(ruleset, trial).outcome
        new = ", ".join(f"{k}={v}" for k, v in trial.items() if k not in changed)
        if best is None or outcome.severity < best[0]:
            best = (outcome.severity, outcome.id, new)
    assert best is not None
    return best[1], best[2]


def _cross_check(
    ruleset: Ruleset, grid: _Grid, outcome_of: Ints, ranks: Mapping[str, int]
) -> list[Finding]:
    """The grid must agree with the engine on every case (a check on the checker)."""
    findings = []
    for case in ruleset.cases:
        answers = engine.relevant_answers(ruleset, engine.case_answers(ruleset, case))
        full = engine.complete_answers(ruleset, answers)
        index = tuple(
            grid.index[g][tuple((q.id, full[q.id]) for q in group if q.id in full)]
            for g, group in enumerate(grid.groups)
        )
        expected = ranks[engine.evaluate(ruleset, answers).outcome.id]
        if int(outcome_of[index]) != expected:
            findings.append(disagreement(case, answers, "the exhaustive check"))
    return findings
