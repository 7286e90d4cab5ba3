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
from typing import Any, TypeVar

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

# A ruleset with more combinations than this is not enumerated (it fails instead).
# The default ruleset's 8.7 million take about 0.6 s here; reviewers measured 129
# million at about 10 s and 1.2 GB, so the limit means about half a minute and a few
# GB, on the edge of what a 2-core CI machine should do.
MAX_CELLS = 400_000_000

TOWARDS_CARE = ((NO, YES), (NO, UNSURE), (YES, UNSURE))

S = TypeVar("S", bound=np.generic)
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
# titles, bodies, next steps and their heading, and in rule reasons. Each entry:
# a pattern, what it catches, and whether an echo of the person's own answer
# ("You told us you have ...") excuses it. See docs/rules-format.md.
_CONDITIONS = (
    r"(?:an? )?(?:infection|abscess|sepsis|cancer|tumou?r|prostatitis|haemorrhoids|"
    r"hemorrhoids|piles|fissure|fistula|disease|disorder|condition|syndrome|inflammation|"
    r"bph|enlarged prostate|retention)"
)
_SUBJECT = (
    r"\b(?:this|that|which|it|these|those|your (?:answers?|symptoms?|results?)|"
    r"the (?:answers?|symptoms?|results?)|(?:these|those|such) (?:symptoms?|signs?|answers?))"
)
DIAGNOSIS_PATTERNS: tuple[tuple[str, str, bool], ...] = (
    (
        r"\byou (?:(?:may|might|could) (?:well |also )?|probably |likely |possibly |"
        r"(?:seem|appear|are likely|are probably|are unlikely) to )"
        r"(?:have|be suffering|be affected|be developing)\b",
        "suggests a condition the person may have",
        False,
    ),
    (
        r"\byou(?:'re| are) (?:probably |likely |possibly )?(?:suffering|affected) (?:from|by)\b",
        "says the person is suffering from something",
        False,
    ),
    (r"\byou suffer from\b", "says the person suffers from something", False),
    (
        _SUBJECT + r"(?: (?:may|might|could|can|probably|likely|strongly))? (?:suggests?|"
        r"indicates?|points? (?:to|towards)|confirms?|(?:is|are) consistent)(?: that)?\b"
        r"(?! you (?:should|need|must|speak|talk|see|get|contact|call|book|ask|stop|wait))",
        "draws a conclusion about the person's condition",
        False,
    ),
    (
        _SUBJECT + r" (?:means?|shows?|proves?)(?: that)? you(?:'ve| have| are| may| might)\b",
        "draws a conclusion about the person's condition",
        False,
    ),
    (
        r"\b(?:is|are|could be|may be|might be|can be|was|were) (?:a |an |the )?"
        r"(?:likely |possible |common |typical |classic |early |warning )?(?:sign|signs|"
        r"symptom|symptoms|indication|indications|indicator|evidence|warning signs?) (?:of|that)\b",
        "names what a symptom is a sign of",
        False,
    ),
    (
        r"\b(?:typical|characteristic|consistent|in keeping) (?:of|with)\b",
        "compares the answers to a condition",
        False,
    ),
    (
        r"\b(?:could|may|might|must|probably) be " + _CONDITIONS + r"\b",
        "suggests what condition this could be",
        False,
    ),
    (r"\bdiagnos(?:is|ed|e|es|ing)\b", "speaks of a diagnosis", False),
    (r"\bsounds? like\b", "guesses at the person's condition", False),
    (r"\byou(?:'ve| have)(?: got)? " + _CONDITIONS + r"\b", "says you have a condition", True),
    (r"\byou(?:'ve| have) got\b", "says you have got something", True),
)

# A bare "you have" states what the person has, except where it is about what they
# did or were told.
_YOU_HAVE = re.compile(
    r"\byou(?:'ve| have)\b(?! (?:been told|spoken|talked|asked|checked|answered|seen|"
    r"finished|told us|read|tried|done|had a chance|chosen|said))",
    re.I,
)
# "You told us you have ..." repeats the person's own answer, up to the next
# connective: "You told us you have a fever, which means ..." is not an echo.
_ECHO = re.compile(r"\byou (?:told us|said|answered|mentioned|let us know)(?: that)?\b", re.I)
_ECHO_ENDS = re.compile(r"\b(?:and|but|so|therefore|hence|which|because|meaning|means)\b", re.I)
# "If you have ...", "whether this is a sign of ..." are conditions, not statements.
_CONDITIONAL = re.compile(
    r"\b(?:if|whether|unless|until|when|whenever|once|before|after|in case|make sure|"
    r"check that|ensure|so that|now that|even if)\b",
    re.I,
)
# "not a diagnosis", "cannot diagnose", "is not a sign of ..." deny rather than state.
_NEGATED = re.compile(
    r"\b(?:not|cannot|can't|never|no|without|nor)(?: (?:give|make|offer|be))?(?: an?| the)?\s*$",
    re.I,
)
_CLAUSES = re.compile(r"[.!?;:,()\u2013\u2014]|\s-\s")
_COMPILED = tuple((re.compile(p, re.I), why, echo) for p, why, echo in DIAGNOSIS_PATTERNS)


def diagnosis_problems(text: str) -> list[str]:
    """Why ``text`` states or suggests a diagnosis; empty when it does not."""
    found: list[str] = []
    for clause in _CLAUSES.split(text.replace("\u2019", "'").replace("\u2018", "'")):
        checks = [*_COMPILED, (_YOU_HAVE, "states what the person has", True)]
        for pattern, why, echo_ok in checks:
            for match in pattern.finditer(clause):
                if not _allowed(clause, match.start(), echo_ok=echo_ok):
                    found.append(f"{why}: {match.group(0).strip()!r}")
                    break
    return found


def _allowed(clause: str, at: int, *, echo_ok: bool) -> bool:
    """Whether a phrase at ``at`` is a condition ("if ..."), a denial ("not a ..."), or,
    for "you have ...", an echo of the person's own answer ("You told us you have ...")."""
    before = clause[:at]
    if _CONDITIONAL.search(before) or _NEGATED.search(before):
        return True
    echoes = list(_ECHO.finditer(before))
    return echo_ok and bool(echoes) and not _ECHO_ENDS.search(before[echoes[-1].end() :])


def _texts(ruleset: Ruleset) -> Iterable[tuple[int, str, str]]:
    for outcome in ruleset.outcomes:
        subject = f"outcome {outcome.id!r}"
        yield outcome.line, subject, outcome.title
        yield outcome.line, subject, outcome.body
        if outcome.next_steps_title:
            yield outcome.line, subject, outcome.next_steps_title
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
    parents = {qid for q in ruleset.questions if q.when for qid in q.when.questions()}
    for q in ruleset.questions:
        subject = f"question {q.id!r}"
        if q.id not in used:
            message = "no rule uses its answer, so it need not be asked"
        elif not any(q.id in dict(c) for c in grid.combos[grid.group_of[q.id]]):
            message = "its 'when' never holds, so it is never asked"
        elif q.id not in parents and not _changes_a_rule(grid, q, masks.values()):
            message = "its answer never changes which rules hold, so it need not be asked"
        else:
            continue
        findings.append(Finding("no-dead-parts", q.line, subject, message))
    findings += _duplicates(ruleset, masks)
    return findings


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


def _duplicates(ruleset: Ruleset, masks: Mapping[str, Bools]) -> list[Finding]:
    """Rules that hold exactly where an earlier rule with the same outcome holds."""
    findings = []
    for n, rule in enumerate(ruleset.rules):
        for earlier in ruleset.rules[:n]:
            if earlier.outcome != rule.outcome:
                continue
            a, b = masks[rule.id], masks[earlier.id]
            shape = np.broadcast_shapes(a.shape, b.shape)
            if np.array_equal(np.broadcast_to(a, shape), np.broadcast_to(b, shape)):
                message = (
                    f"holds exactly where rule {earlier.id!r} does, with the same outcome; keep one"
                )
                findings.append(Finding("no-dead-parts", rule.line, f"rule {rule.id!r}", message))
                break
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


def _at(grid: npt.NDArray[S], axis: int, index: int) -> npt.NDArray[S]:
    """The slice of an array at one entry of one axis (a view, not a copy)."""
    view: npt.NDArray[S] = grid[(slice(None),) * axis + (index,)]
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
