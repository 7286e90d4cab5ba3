"""Prove a ruleset: exhaustive checks over every reachable combination of answers.

``verify(ruleset)`` enumerates every combination of answers a person can give
(respecting which follow-ups are asked when) and checks that

1. each gets exactly one outcome (complete),
2. no answer moved towards care (no → yes, no → unsure, yes → unsure) lowers
   the outcome (monotone),
3. every rule decides the outcome somewhere, every outcome is reached, every
   question is used, every follow-up can be asked (no dead parts),
4. the ruleset's own cases pass and every rule holds in at least one case,
5. no outcome text or rule reason states or suggests a diagnosis.

How the enumeration is fast enough: the combinations form a grid with one
axis per group of questions (a question with the follow-ups that depend on
it), whose entries are the group's reachable answer sets. Conditions are
compiled once into NumPy boolean arrays over just the axes they look at and
broadcast together, so every combination is evaluated, in C, with no Python
loop per combination. Counterexamples are worked out again with the engine,
and the grid is checked against the engine on every case.

Pure: no Flask, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import reduce
from typing import Any

import numpy as np
import numpy.typing as npt

from screener import engine
from screener.ruleset import (
    NO,
    UNSURE,
    YES,
    AllOf,
    AnswerIn,
    AnyOf,
    Condition,
    Not,
    Question,
    Ruleset,
)

# A grid above this many cells (about 1 byte each, in a few arrays) is not enumerated.
MAX_CELLS = 400_000_000

TOWARDS_CARE = ((NO, YES), (NO, UNSURE), (YES, UNSURE))

Bools = npt.NDArray[np.bool_]
Ints = npt.NDArray[np.int8]


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing wrong with a ruleset, at a line of its file."""

    check: str
    line: int
    subject: str
    message: str
    answers: Mapping[str, str] | None = None

    def describe(self, filename: str) -> str:
        """``file:line: [check] subject: message`` and the counterexample, if any."""
        text = f"{filename}:{self.line}: [{self.check}] {self.subject}: {self.message}"
        if self.answers is not None:
            shown = ", ".join(f"{q}={v}" for q, v in self.answers.items())
            text += f"\n    for example: {shown or '(no answers)'}"
        return text


@dataclass(frozen=True)
class Verification:
    """What verifying a ruleset found."""

    combinations: int
    by_outcome: Mapping[str, int]
    findings: tuple[Finding, ...]
    enumerated: bool = True

    @property
    def ok(self) -> bool:
        """True when nothing is wrong."""
        return not self.findings


# --------------------------------------------------------------------------- language lint

# Phrases that state or suggest what condition a person has. Checked in outcome
# titles, bodies and next steps, and in rule reasons. Each entry: a pattern and
# what it catches. See docs/rules-format.md, "Never diagnose".
DIAGNOSIS_PATTERNS: tuple[tuple[str, str], ...] = (
    (
        r"\byou (?:may|might|could|probably|likely|possibly) (?:also )?"
        r"(?:have|have got|be suffering)\b",
        "suggests a condition the person may have",
    ),
    (
        r"\byou(?:'re| are) (?:probably |likely |possibly )?(?:suffering|affected) (?:from|by)\b",
        "says the person is suffering from something",
    ),
    (r"\byou suffer from\b", "says the person suffers from something"),
    (
        r"\b(?:this|that|which|it|these|your answers?) (?:means?|suggests?|indicates?|shows?|"
        r"points? to|confirms?) (?:that )?you(?:'ve| have| are| may| might)?\b",
        "draws a conclusion about the person's condition",
    ),
    (
        r"\b(?:is|are|could be|may be|might be|can be) (?:a |an |the )?"
        r"(?:likely |possible |common |typical |classic )?(?:sign|signs|symptom|symptoms|"
        r"indication|indications|indicator|evidence) (?:of|that)\b",
        "names what a symptom is a sign of",
    ),
    (r"\b(?:consistent|in keeping) with\b", "compares the answers to a condition"),
    (
        r"\b(?:you(?:'ve| have) been |you are |we have )?diagnos(?:is|ed|e)\b",
        "speaks of a diagnosis",
    ),
    (r"\bsounds? like you\b", "guesses at the person's condition"),
    (
        r"\byou(?:'ve| have)(?: got)? (?:an? )?(?:infection|abscess|sepsis|cancer|prostatitis|"
        r"haemorrhoids|hemorrhoids|fissure|fistula|tumou?r|disease)\b",
        "states that the person has a condition",
    ),
    (r"\byou(?:'ve| have) got\b", "states what the person has"),
)

# "You told us you have ..." repeats the person's own answer; "if you have ..."
# is a condition. Both are allowed where a bare "you have ..." is not.
_ECHO = re.compile(r"\byou (?:told us|said|answered|mentioned|let us know)(?: that)?\b", re.I)
_CONDITIONAL = re.compile(r"\b(?:if|whether|unless|until|when|once|in case)\s+$", re.I)
_YOU_HAVE = re.compile(r"\byou(?:'ve| have)\b(?! (?:been told|spoken|talked|asked|checked))", re.I)
_COMPILED = tuple((re.compile(p, re.I), why) for p, why in DIAGNOSIS_PATTERNS)
_SENTENCE = re.compile(r"(?<=[.!?;])\s+|\s+(?:so|and so|which|because of this)\s+", re.I)


def diagnosis_problems(text: str) -> list[str]:
    """Why ``text`` states or suggests a diagnosis; empty when it does not."""
    found: list[str] = []
    for clause in _SENTENCE.split(text):
        for pattern, why in _COMPILED:
            match = pattern.search(clause)
            if match and not _echoed(clause, match.start()):
                found.append(f"{why}: {match.group(0)!r}")
        for match in _YOU_HAVE.finditer(clause):
            if not _echoed(clause, match.start()) and not _CONDITIONAL.search(
                clause[: match.start()]
            ):
                found.append(f"states what the person has: {match.group(0)!r}")
    return found


def _echoed(clause: str, at: int) -> bool:
    """Whether position ``at`` is inside a repetition of the person's own answer."""
    lead = _ECHO.search(clause[:at])
    if lead is None:
        return False
    between = clause[lead.end() : at]
    return not re.search(r"\b(?:means?|suggests?|indicates?|shows?)\b", between, re.I)


def _texts(ruleset: Ruleset) -> Iterable[tuple[int, str, str]]:
    for outcome in ruleset.outcomes:
        subject = f"outcome {outcome.id!r}"
        yield outcome.line, subject, outcome.title
        yield outcome.line, subject, outcome.body
        for step in outcome.next_steps:
            yield outcome.line, subject, step
    for rule in ruleset.rules:
        yield rule.line, f"rule {rule.id!r}", rule.reason


def language_findings(ruleset: Ruleset) -> list[Finding]:
    """Outcome texts and reasons that state or suggest a diagnosis."""
    return [
        Finding("no-diagnosis", line, subject, f"{problem} in {_quote(text)}")
        for line, subject, text in _texts(ruleset)
        for problem in diagnosis_problems(text)
    ]


def _quote(text: str) -> str:
    return repr(text if len(text) <= 70 else text[:67] + "...")


# --------------------------------------------------------------------------- cases


def case_findings(ruleset: Ruleset) -> list[Finding]:
    """Cases that fail, and rules that hold in no case."""
    findings = [
        Finding("cases", case.line, f"case {case.id!r}", failure)
        for case in ruleset.cases
        for failure in engine.case_failures(ruleset, case)
    ]
    fired: set[str] = set()
    for case in ruleset.cases:
        result = engine.evaluate(ruleset, engine.case_answers(ruleset, case))
        fired |= {reason.rule for reason in result.reasons}
    findings += [
        Finding(
            "cases", rule.line, f"rule {rule.id!r}", "no case has answers where this rule holds"
        )
        for rule in ruleset.rules
        if rule.id not in fired
    ]
    return findings


# --------------------------------------------------------------------------- the grid


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


def verify(ruleset: Ruleset) -> Verification:
    """Run every check on the ruleset; see the module docstring."""
    findings = case_findings(ruleset) + language_findings(ruleset)
    grid = _Grid(ruleset)
    if grid.size > MAX_CELLS:
        findings.append(
            Finding(
                "complete",
                1,
                f"ruleset {ruleset.id!r}",
                f"{grid.size:,} combinations of answers are too many to check one by one "
                f"(the limit is {MAX_CELLS:,}); nothing was proven. Split the screening, or "
                "turn questions into follow-ups that are asked only when relevant.",
            )
        )
        return Verification(0, {}, tuple(findings), enumerated=False)

    ranks = {o.id: r for r, o in enumerate(sorted(ruleset.outcomes, key=lambda o: o.severity))}
    masks = {rule.id: grid.condition(rule.when) for rule in ruleset.rules}
    # Hit policy: the most severe outcome among the rules that hold, else the lowest (rank 0).
    outcome_of: Ints = np.zeros(grid.shape, dtype=np.int8)
    for rule in ruleset.rules:
        rank = np.int8(ranks[rule.outcome])
        np.maximum(outcome_of, np.where(masks[rule.id], rank, np.int8(0)), out=outcome_of)

    counts = np.bincount(outcome_of.ravel(), minlength=len(ranks))
    by_outcome = {oid: int(counts[rank]) for oid, rank in ranks.items()}
    findings += _dead_parts(ruleset, grid, outcome_of, masks, ranks, by_outcome)
    findings += _monotone(ruleset, grid, outcome_of, ranks)
    findings += _cross_check(ruleset, grid, outcome_of, ranks)
    return Verification(grid.size, by_outcome, tuple(findings))


def _dead_parts(
    ruleset: Ruleset,
    grid: _Grid,
    outcome_of: Ints,
    masks: Mapping[str, Bools],
    ranks: Mapping[str, int],
    by_outcome: Mapping[str, int],
) -> list[Finding]:
    findings = []
    at_rank = {rank: outcome_of == rank for rank in set(ranks.values())}
    for rule in ruleset.rules:
        if np.any(at_rank[ranks[rule.outcome]] & masks[rule.id]):
            continue
        subject = f"rule {rule.id!r}"
        if np.any(masks[rule.id]):
            example = grid.first(masks[rule.id])
            winner = engine.evaluate(ruleset, example).outcome.id
            message = (
                "never decides the outcome: wherever it holds, a more severe outcome wins "
                f"(here {winner!r})"
            )
            findings.append(Finding("no-dead-parts", rule.line, subject, message, example))
        else:
            message = "its condition never holds for any answers a person can give"
            findings.append(Finding("no-dead-parts", rule.line, subject, message))
    for outcome in ruleset.outcomes:
        if by_outcome[outcome.id] == 0:
            findings.append(
                Finding(
                    "no-dead-parts",
                    outcome.line,
                    f"outcome {outcome.id!r}",
                    "no combination of answers reaches it",
                )
            )
    used: set[str] = set()
    for rule in ruleset.rules:
        used |= rule.when.questions()
    for q in reversed(ruleset.questions):
        if q.id in used and q.when is not None:
            used |= q.when.questions()
    for q in ruleset.questions:
        subject = f"question {q.id!r}"
        if q.id not in used:
            findings.append(
                Finding(
                    "no-dead-parts",
                    q.line,
                    subject,
                    "no rule uses its answer, so it need not be asked",
                )
            )
        elif not any(q.id in dict(c) for c in grid.combos[grid.group_of[q.id]]):
            findings.append(
                Finding(
                    "no-dead-parts", q.line, subject, "its 'when' never holds, so it is never asked"
                )
            )
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
        for before, after in _towards_care(q):
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
                findings.append(
                    Finding(
                        "monotone",
                        q.line,
                        f"question {q.id!r}",
                        (
                            f"changing the answer from {before!r} to {after!r}"
                            if (before, after) in TOWARDS_CARE
                            else f"leaving it unanswered (which counts as {after!r}) instead "
                            f"of answering {before!r}"
                        )
                        + f" lowers the outcome from {by_rank[int(was[tuple(cell)])]!r} "
                        f"to {worse!r}" + (f" (when {follow})" if follow else ""),
                        example,
                    )
                )
                break
    return findings


def _at(grid: Ints, axis: int, index: int) -> Ints:
    """The slice of the grid at one entry of one axis (a view, not a copy)."""
    view: Ints = grid[(slice(None),) * axis + (index,)]
    return view


def _towards_care(question: Question) -> list[tuple[str, str]]:
    """The answer changes that must never lower the outcome: no → yes, no → unsure,
    yes → unsure, and any answer → leaving the question unanswered."""
    pairs = [(a, b) for a, b in TOWARDS_CARE if a in question.values and b in question.values]
    pairs += [
        (value, question.if_unanswered)
        for value in question.values
        if value != question.if_unanswered and (value, question.if_unanswered) not in pairs
    ]
    return pairs


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
            findings.append(
                Finding(
                    "complete",
                    case.line,
                    f"case {case.id!r}",
                    "the exhaustive check and the engine disagree (a Screener bug)",
                    answers,
                )
            )
    return findings


def summary(verification: Verification) -> str:
    """One line: combinations checked and how many reach each outcome."""
    if not verification.enumerated:
        return "not enumerated: too many combinations"
    parts = ", ".join(f"{oid} {n:,}" for oid, n in verification.by_outcome.items())
    return f"{verification.combinations:,} combinations checked ({parts})"


__all__ = [
    "DIAGNOSIS_PATTERNS",
    "Finding",
    "Verification",
    "diagnosis_problems",
    "summary",
    "verify",
]
