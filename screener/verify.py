"""Check a ruleset: the proof of its rules, its cases, and the words it uses.

``verify(ruleset)`` checks that

1. each reachable answer set gets exactly one outcome (complete),
2. no answer moved towards care (no → yes, no → unsure, yes → unsure, or left
   unanswered) lowers the outcome, whatever follow-ups then say (monotone),
3. every rule decides the outcome somewhere, every outcome is reached, every
   question is used and can be asked and changes which rules hold, no two answers
   of a question act alike, no two rules with one outcome hold in exactly the
   same answer sets (no dead parts),
4. the ruleset's own cases pass and every rule holds in at least one case,
5. no outcome text or rule reason states or suggests a diagnosis.

Checks 1 to 3 are decided for every answer set a person can give, never sampled:
by :mod:`screener.prover` on binary decision diagrams, whatever the number of
questions, or, with ``exhaustive=True``, by :mod:`screener.oracle`, which
enumerates the answer sets one by one and is kept to test the prover against.
Both report through the functions below, so their findings read the same.

Pure: no Flask, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from screener import engine
from screener.ruleset import NO, UNSURE, YES, Case, Outcome, Question, Rule, Ruleset

TOWARDS_CARE = ((NO, YES), (NO, UNSURE), (YES, UNSURE))
DEFAULT_VALUES = (YES, NO, UNSURE)


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing wrong with a ruleset, at a line of its file.

    ``kind`` names what was found in a word or two (``rule-never-decides``,
    ``monotone no>yes``), so that two checkers can be compared finding by finding.
    """

    check: str
    line: int
    subject: str
    message: str
    answers: Mapping[str, str] | None = None
    kind: str = ""

    def describe(self, filename: str) -> str:
        """``file:line: [check] subject: message`` and the counterexample, if any."""
        text = f"{filename}:{self.line}: [{self.check}] {self.subject}: {self.message}"
        if self.answers is not None:
            shown = ", ".join(f"{q}={v}" for q, v in self.answers.items())
            text += f"\n    for example: {shown or '(no answers)'}"
        return text

    @property
    def key(self) -> tuple[str, int, str, str]:
        """What the finding is and where, without its example."""
        return (self.check, self.line, self.subject, self.kind)


@dataclass(frozen=True)
class Verification:
    """What verifying a ruleset found.

    ``combinations`` is the number of reachable answer sets and ``by_outcome`` how
    many lead to each outcome, both exact. ``proven`` is False only when the
    exhaustive checker refused a ruleset too large to enumerate.
    """

    combinations: int
    by_outcome: Mapping[str, int]
    findings: tuple[Finding, ...]
    proven: bool = True

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
    # The title heads every page and is the start of the description search engines show.
    yield 1, "the title", ruleset.title
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


# --------------------------------------------------------------------------- the proof


def verify(ruleset: Ruleset, *, exhaustive: bool = False) -> Verification:
    """Run every check on the ruleset; see the module docstring."""
    findings = case_findings(ruleset) + language_findings(ruleset)
    # Both checkers build on this module's findings, so each is imported when used.
    if exhaustive:
        from screener import oracle

        combinations, by_outcome, found, proven = oracle.check(ruleset)
        return Verification(combinations, by_outcome, tuple(findings + found), proven)
    from screener import prover

    proof, found = prover.prove(ruleset)
    return Verification(proof.combinations, proof.by_outcome, tuple(findings + found))


# The semantics both checkers share, and the words of their findings.


def towards_care(question: Question) -> list[tuple[str, str]]:
    """The answer changes that must never lower the outcome: no → yes, no → unsure,
    yes → unsure, and any answer → leaving the question unanswered."""
    pairs = [(a, b) for a, b in TOWARDS_CARE if a in question.values and b in question.values]
    pairs += [
        (value, question.if_unanswered)
        for value in question.values
        if value != question.if_unanswered and (value, question.if_unanswered) not in pairs
    ]
    return pairs


def used_questions(ruleset: Ruleset) -> set[str]:
    """Questions a rule looks at, and the questions that decide whether those are asked."""
    used: set[str] = set()
    for rule in ruleset.rules:
        used |= rule.when.questions()
    for q in reversed(ruleset.questions):
        if q.id in used and q.when is not None:
            used |= q.when.questions()
    return used


def parent_questions(ruleset: Ruleset) -> set[str]:
    """Questions some follow-up's ``when`` looks at."""
    return {qid for q in ruleset.questions if q.when for qid in q.when.questions()}


def option_pairs(question: Question) -> list[tuple[str, str]]:
    """Pairs of a question's own answers that should not act alike.

    Only for questions with answers of their own: "yes" and "no" acting alike is
    reported as a question that changes nothing, and the ``if_unanswered`` answer
    is meant to act as the most cautious one, so it is left out.
    """
    if question.values == DEFAULT_VALUES:
        return []
    values = [v for v in question.values if v != question.if_unanswered]
    return [(u, v) for n, u in enumerate(values) for v in values[n + 1 :]]


def never_holds(rule: Rule) -> Finding:
    """A rule whose condition holds for no answers a person can give."""
    message = "its condition never holds for any answers a person can give"
    return Finding(
        "no-dead-parts", rule.line, f"rule {rule.id!r}", message, kind="rule-never-holds"
    )


def never_decides(rule: Rule, winner: str, example: Mapping[str, str]) -> Finding:
    """A rule that holds only where a more severe outcome wins."""
    message = (
        "never decides the outcome: wherever it holds, a more severe outcome wins "
        f"(here {winner!r})"
    )
    return Finding(
        "no-dead-parts", rule.line, f"rule {rule.id!r}", message, example, "rule-never-decides"
    )


def never_changes(rule: Rule, other: str, example: Mapping[str, str]) -> Finding:
    """A rule that never changes the outcome: rules as severe or more hold wherever it does."""
    message = (
        "never changes the outcome: wherever it holds, another rule of the same or higher "
        f"severity holds too (here {other!r}); fold its reason into that rule or remove it"
    )
    return Finding(
        "no-dead-parts", rule.line, f"rule {rule.id!r}", message, example, "rule-never-changes"
    )


def unreached(outcome: Outcome) -> Finding:
    """An outcome no answers lead to."""
    return Finding(
        "no-dead-parts",
        outcome.line,
        f"outcome {outcome.id!r}",
        "no combination of answers reaches it",
        kind="outcome-never-reached",
    )


def unused(question: Question) -> Finding:
    """A question no rule looks at."""
    message = "no rule uses its answer, so it need not be asked"
    return Finding(
        "no-dead-parts", question.line, f"question {question.id!r}", message, kind="question-unused"
    )


def never_asked(question: Question) -> Finding:
    """A follow-up whose ``when`` never holds."""
    message = "its 'when' never holds, so it is never asked"
    return Finding(
        "no-dead-parts",
        question.line,
        f"question {question.id!r}",
        message,
        kind="question-never-asked",
    )


def no_effect(question: Question) -> Finding:
    """A question whose answer never changes which rules hold."""
    message = "its answer never changes which rules hold, so it need not be asked"
    return Finding(
        "no-dead-parts",
        question.line,
        f"question {question.id!r}",
        message,
        kind="question-no-effect",
    )


def same_answers(question: Question, first: str, second: str) -> Finding:
    """Two answers of a question that every rule and follow-up treats alike."""
    message = (
        f"answering {second!r} always leads to the same rules and follow-ups as answering "
        f"{first!r}; merge the two answers, or write the rules that tell them apart"
    )
    return Finding(
        "no-dead-parts",
        question.line,
        f"question {question.id!r}",
        message,
        kind=f"answers-alike {first}={second}",
    )


def duplicate(rule: Rule, earlier: Rule) -> Finding:
    """A rule that holds exactly where an earlier one with the same outcome does."""
    message = f"holds exactly where rule {earlier.id!r} does, with the same outcome; keep one"
    return Finding("no-dead-parts", rule.line, f"rule {rule.id!r}", message, kind="rule-duplicate")


def not_monotone(
    question: Question,
    before: str,
    after: str,
    was: str,
    worse: str,
    follow: str,
    example: Mapping[str, str],
) -> Finding:
    """A change towards care that lowers the outcome, with the answers that show it."""
    change = (
        f"changing the answer from {before!r} to {after!r}"
        if (before, after) in TOWARDS_CARE
        else f"leaving it unanswered (which counts as {after!r}) instead of answering {before!r}"
    )
    message = f"{change} lowers the outcome from {was!r} to {worse!r}" + (
        f" (when {follow})" if follow else ""
    )
    return Finding(
        "monotone",
        question.line,
        f"question {question.id!r}",
        message,
        example,
        f"monotone {before}>{after}",
    )


def disagreement(case: Case, answers: Mapping[str, str], checker: str) -> Finding:
    """A case on which the checker and the engine disagree: a bug in Screener."""
    return Finding(
        "complete",
        case.line,
        f"case {case.id!r}",
        f"{checker} and the engine disagree (a Screener bug)",
        answers,
        "checker-disagrees",
    )


def summary(verification: Verification) -> str:
    """One line: combinations checked and how many reach each outcome."""
    if not verification.proven:
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
