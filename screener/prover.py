"""Prove a ruleset without enumerating it: every check decided exactly on binary decision diagrams.

A person's answers are encoded as bits, a few per question: the question's
answer, or "not asked". Each condition of the rules file becomes a binary
decision diagram (BDD) over those bits, and so do the set of answer sets a person
can reach (every follow-up asked exactly when its ``when`` holds) and, for each
outcome, the answer sets that lead to at least that outcome. Every check of
``screener check`` is then a question about these diagrams, answered exactly:

* *complete*: the outcomes split the reachable answer sets between them, and the
  counts of each add up to all of them (model counting, in exact integers);
* *monotone towards care*: for each question and each change towards care, the
  answer sets where the change lowers the outcome form an empty diagram. For a
  question that opens follow-ups, the answer sets before and after the change
  are related in one diagram: follow-ups still asked keep their answers, newly
  asked ones may take any answer, and ones no longer asked lose theirs;
* *no dead parts*: a rule that never holds, or never decides the outcome; an
  outcome never reached; a question never asked, or whose answer never changes
  which rules hold; an answer that always acts as another does; two rules that
  hold in exactly the same answer sets.

Every counterexample is the one with the fewest answers other than "no" (a
shortest path in the diagram, with one bit per question marking "an answer
other than no"), and is evaluated again with the engine before it is reported:
an example the engine does not confirm is a Screener bug, raised as one.

The cost grows with the size of the diagrams, not with the number of answer
sets; for rules files such as clinicians write, where each rule looks at a few
questions, that is roughly linear in the number of questions. The exhaustive
enumerator in :mod:`screener.oracle` decides the same checks one answer set at a
time, and the tests hold the two to the same findings.

Uses CUDD through the ``dd`` package where it is built for the platform, and
``dd``'s own pure-Python BDDs elsewhere (the same answers, more slowly). Pure:
no Flask, no I/O.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

try:  # CUDD, in C, where dd ships it for the platform
    from dd import cudd as _dd
except ImportError:  # pragma: no cover - platforms without dd's CUDD wheel
    from dd import autoref as _dd

from screener import engine, verify
from screener.ruleset import NO, AllOf, AnswerIn, AnyOf, Condition, Not, Question, Ruleset

BACKEND = _dd.__name__
Node = Any  # a dd Function


class ProverBug(AssertionError):
    """The prover and the engine disagree: a bug in Screener, never in the rules file."""


# --------------------------------------------------------------------------- the answer space


@dataclass(frozen=True)
class Slot:
    """How one question's answer is held in bits.

    The first bit says whether the answer is "an answer other than no" (so the
    simplest examples are the shortest paths); the rest number the codes within
    each half. ``None`` stands for "not asked".
    """

    question: str
    bits: tuple[str, ...]
    codes: Mapping[str | None, tuple[bool, ...]]

    @property
    def costly(self) -> str:
        """The bit that is set for any answer other than "no" (and not "not asked")."""
        return self.bits[0]


def _slot(qid: str, values: Sequence[str], can_be_unasked: bool, primed: bool = False) -> Slot:
    cheap: list[str | None] = [v for v in values if v == NO]
    if can_be_unasked:
        cheap.append(None)
    dear = [v for v in values if v != NO]
    width = max(1, len(cheap), len(dear)) - 1
    rest = width.bit_length()
    bits = tuple(f"{qid}#{i}{chr(39) * primed}" for i in range(1 + rest))
    codes: dict[str | None, tuple[bool, ...]] = {}
    for first, group in ((False, cheap), (True, dear)):
        for n, value in enumerate(group):
            codes[value] = (first, *(bool(n >> i & 1) for i in reversed(range(rest))))
    return Slot(qid, bits, codes)


class Space:
    """Questions as bits of one BDD manager, each with a primed twin for "after a change"."""

    def __init__(self, questions: Sequence[tuple[str, Sequence[str], bool]]) -> None:
        """``questions``: (id, answer values, whether it can go unasked), in file order."""
        self.bdd = _dd.BDD()
        # File order keeps related questions together; sifting costs far more than it saves.
        self.bdd.configure(reordering=False)
        self.slots: dict[str, Slot] = {}
        self.primed: dict[str, Slot] = {}
        names: list[str] = []
        for qid, values, can_be_unasked in questions:
            slot = _slot(qid, values, can_be_unasked)
            twin = _slot(qid, values, can_be_unasked, primed=True)
            self.slots[qid], self.primed[qid] = slot, twin
            names += [n for pair in zip(slot.bits, twin.bits, strict=True) for n in pair]
        self.bdd.declare(*names)
        self.true, self.false = self.bdd.true, self.bdd.false
        self._is: dict[tuple[str, frozenset[str | None], bool], Node] = {}
        self.cost_bits = {slot.costly for slot in self.slots.values()}
        self.prime_map = {
            b: p
            for qid in self.slots
            for b, p in zip(self.slots[qid].bits, self.primed[qid].bits, strict=True)
        }
        self.n_primed = len(self.prime_map)

    def is_(self, qid: str, values: Iterable[str | None], primed: bool = False) -> Node:
        """The answer sets where the question's answer is one of ``values`` (None: not asked)."""
        key = (qid, frozenset(values), primed)
        found = self._is.get(key)
        if found is None:
            slot = (self.primed if primed else self.slots)[qid]
            found = self.false
            for value in key[1]:
                code = slot.codes.get(value)
                if code is not None:
                    found |= self.bdd.cube(dict(zip(slot.bits, code, strict=True)))
            self._is[key] = found
        return found

    def xor(self, u: Node, v: Node) -> Node:
        """Where exactly one of ``u`` and ``v`` holds."""
        return self.bdd.apply("xor", u, v)

    def swap(self, u: Node, questions: Iterable[str]) -> Node:
        """``u`` with the bits of ``questions`` and their primed twins exchanged."""
        pairs: dict[str, str] = {}
        for q in questions:
            for b, p in zip(self.slots[q].bits, self.primed[q].bits, strict=True):
                pairs[b], pairs[p] = p, b
        return self.bdd.let(pairs, u) if pairs else u

    def fix(self, u: Node, qid: str, value: str | None) -> Node:
        """``u`` with the question's answer fixed (its bits cofactored away)."""
        slot = self.slots[qid]
        return self.bdd.let(dict(zip(slot.bits, slot.codes[value], strict=True)), u)

    def point(self, answers: Mapping[str, str | None]) -> Node:
        """The answer sets that give these answers (None: not asked); all of them, when
        every question is given."""
        bits: dict[str, bool] = {}
        for qid, value in answers.items():
            slot = self.slots[qid]
            bits.update(zip(slot.bits, slot.codes[value], strict=True))
        return self.bdd.cube(bits)

    def let_question(self, u: Node, qid: str, old: str, new: str) -> Node:
        """``u`` (which fixes the question's answer to ``old``) with ``new`` in its place."""
        return self.fix(u, qid, old) & self.is_(qid, [new])

    def unprimed_exist(self, u: Node) -> Node:
        """``u`` with every primed bit quantified away."""
        return self.bdd.exist(list(self.prime_map.values()), u)

    # ------------------------------------------------------------------ walking a diagram

    def _children(self, u: Node) -> tuple[Node, Node]:
        low, high = u.low, u.high
        return (~low, ~high) if u.negated else (low, high)

    def _postorder(self, root: Node) -> list[Node]:
        """The diagram's inner nodes, each after its children (no recursion: diagrams are deep)."""
        order: list[Node] = []
        seen: set[Node] = set()
        stack: list[tuple[Node, bool]] = [(root, False)]
        true, false = self.true, self.false
        while stack:
            u, done = stack.pop()
            if done:
                order.append(u)
            elif u not in seen and u != true and u != false:
                seen.add(u)
                stack.append((u, True))
                low, high = self._children(u)
                stack.append((high, False))
                stack.append((low, False))
        return order

    def count(self, u: Node) -> int:
        """How many assignments of the unprimed bits satisfy ``u``, exactly (``u`` must not
        look at primed bits)."""
        levels = len(self.bdd.vars)
        true = self.true
        memo: dict[Node, int] = {}
        level: dict[Node, int] = {}

        def value(v: Node) -> tuple[int, int]:
            if v == true:
                return 1, levels
            if v == self.false:
                return 0, levels
            return memo[v], level[v]

        for v in self._postorder(u):
            at = v.level
            total = 0
            for child in self._children(v):
                n, below = value(child)
                total += n << (below - at - 1)
            memo[v], level[v] = total, at
        n, top = value(u)
        return (n << top) >> self.n_primed

    def simplest(self, u: Node) -> dict[str, bool]:
        """An assignment satisfying ``u`` with the fewest "answer other than no" bits set."""
        if u == self.false:
            raise ValueError("no assignment satisfies the diagram")
        infinity = 1 << 30
        cost: dict[Node, int] = {self.true: 0, self.false: infinity}
        weight = self.cost_bits
        for v in self._postorder(u):
            low, high = self._children(v)
            cost[v] = min(cost[low], cost[high] + (v.var in weight))
        chosen: dict[str, bool] = {}
        v = u
        while v != self.true:
            low, high = self._children(v)
            go_high = cost[high] + (v.var in weight) < cost[low]
            chosen[v.var] = go_high
            v = high if go_high else low
        return chosen

    def decode(self, bits: Mapping[str, bool]) -> dict[str, str]:
        """The answers an assignment stands for (bits it leaves out count as False)."""
        answers: dict[str, str] = {}
        for qid, slot in self.slots.items():
            code = tuple(bits.get(b, False) for b in slot.bits)
            for value, pattern in slot.codes.items():
                if pattern == code and value is not None:
                    answers[qid] = value
        return answers

    def example(self, u: Node) -> dict[str, str]:
        """The simplest answers in ``u`` (which must hold only valid answer codes)."""
        return self.decode(self.simplest(u))


def single_space(ruleset: Ruleset) -> Space:
    """The answer space of one ruleset: a question can go unasked only if it has a ``when``."""
    return Space([(q.id, q.values, q.when is not None) for q in ruleset.questions])


# --------------------------------------------------------------------------- one ruleset


class Encoding:
    """One ruleset's conditions, reachable answer sets and outcomes, as diagrams of a space.

    With ``joint``, the space holds the answers of two versions at once (in a diff):
    each condition sees an answer only where this ruleset asks the question, an answer
    this ruleset does not offer counts as its ``if_unanswered``, and ``reach`` is left
    to the caller.
    """

    def __init__(self, space: Space, ruleset: Ruleset, *, joint: bool = False) -> None:
        """Build every diagram the checks need."""
        self.space, self.ruleset, self.joint = space, ruleset, joint
        self._memo: dict[Condition, Node] = {}
        self.asked: dict[str, Node] = {}
        for q in ruleset.questions:
            self.asked[q.id] = space.true if q.when is None else self.condition(q.when)
        self.rules = {rule.id: self.condition(rule.when) for rule in ruleset.rules}
        ordered = sorted(ruleset.outcomes, key=lambda o: o.severity)
        self.rank = {o.id: r for r, o in enumerate(ordered)}
        self.outcome_ids = [o.id for o in ordered]
        # at_least[k]: the answer sets where a rule whose outcome has rank k or more holds
        # (rank 0 is the lowest outcome, which applies when no rule holds).
        self.at_least = [space.true] + [space.false] * len(ordered)
        for rule in ruleset.rules:
            for k in range(1, self.rank[rule.outcome] + 1):
                self.at_least[k] |= self.rules[rule.id]
        # keeps[q]: the question is answered exactly when it is asked, with one of its answers.
        self.keeps: dict[str, Node] = {}
        self.reach = space.true
        if not joint:
            for q in ruleset.questions:
                answered = space.is_(q.id, q.values)
                if q.when is None:
                    keeps = answered
                else:
                    unasked = space.is_(q.id, [None])
                    keeps = (answered & self.asked[q.id]) | (unasked & ~self.asked[q.id])
                self.keeps[q.id] = keeps
                self.reach &= keeps
        self._below: dict[int, Node] = {}
        self._mentioning: dict[tuple[tuple[str, ...], int], Node] = {}
        self.looks_at = {rule.id: rule.when.questions() for rule in ruleset.rules}

    def below(self, k: int) -> Node:
        """The reachable answer sets whose outcome has a rank below ``k``."""
        found = self._below.get(k)
        if found is None:
            found = self._below[k] = self.reach & ~self.at_least[k]
        return found

    def condition(self, cond: Condition) -> Node:
        """A condition as a diagram (a question not asked has no answer)."""
        found = self._memo.get(cond)
        if found is not None:
            return found
        space = self.space
        if isinstance(cond, AnswerIn) and self.joint:
            # The space holds the answers of two versions at once: this version sees an
            # answer it offers as it is, and any other (or none) as its if_unanswered.
            q = self.ruleset.question_by_id[cond.question]
            seen = set(cond.values) & set(q.values)
            if q.if_unanswered in cond.values:
                seen |= {c for c in space.slots[q.id].codes if c is not None} - set(q.values)
            found = space.is_(q.id, seen) & self.asked[q.id]
        elif isinstance(cond, AnswerIn):
            found = space.is_(cond.question, cond.values)
        elif isinstance(cond, AllOf):
            found = space.true
            for part in cond.parts:
                found &= self.condition(part)
        elif isinstance(cond, AnyOf):
            found = space.false
            for part in cond.parts:
                found |= self.condition(part)
        elif isinstance(cond, Not):
            found = ~self.condition(cond.part)
        else:  # pragma: no cover - the condition language has four forms
            raise TypeError(f"unknown condition {cond!r}")
        self._memo[cond] = found
        return found

    def outcome_is(self, outcome_id: str) -> Node:
        """The answer sets whose outcome is this one (before restricting to ``reach``)."""
        k = self.rank[outcome_id]
        return self.at_least[k] & ~self.at_least[k + 1]

    def outcome_at(self, answers: Mapping[str, str | None]) -> str:
        """The outcome the diagrams give for one complete answer set."""
        point = self.space.point({qid: answers.get(qid) for qid in self.space.slots})
        for k in reversed(range(len(self.outcome_ids))):
            if point & self.at_least[k] != self.space.false:
                return self.outcome_ids[k]
        raise ProverBug("no outcome holds")  # pragma: no cover - at_least[0] is true

    def mentioning(self, questions: Sequence[str], k: int) -> Node:
        """The answer sets where a rule of rank ``k`` or more that looks at one of the
        ``questions`` holds."""
        key = (tuple(questions), k)
        found = self._mentioning.get(key)
        if found is None:
            wanted = set(questions)
            found = self.space.false
            for rule in self.ruleset.rules:
                if self.rank[rule.outcome] >= k and self.looks_at[rule.id] & wanted:
                    found |= self.rules[rule.id]
            self._mentioning[key] = found
        return found


# --------------------------------------------------------------------------- the checks


@dataclass(frozen=True)
class Proof:
    """The exact number of reachable answer sets, and how many lead to each outcome."""

    combinations: int
    by_outcome: dict[str, int]


def prove(ruleset: Ruleset) -> tuple[Proof, list[verify.Finding]]:
    """Decide every check on one ruleset: the counts, and the findings in the order
    :func:`screener.verify.verify` reports them."""
    space = single_space(ruleset)
    enc = Encoding(space, ruleset)
    # Each outcome's answer sets are counted on their own diagram (least severe first, as
    # check prints them); together they must make up every reachable answer set exactly,
    # which checks the diagrams and the counting against each other.
    total = space.count(enc.reach)
    by_outcome = {oid: space.count(enc.reach & enc.outcome_is(oid)) for oid in enc.outcome_ids}
    if sum(by_outcome.values()) != total:
        raise ProverBug("the outcomes do not split the reachable answer sets")
    groups = _rule_groups(enc)
    findings = list(_dead_rules(enc, groups))
    findings += [verify.unreached(o) for o in ruleset.outcomes if by_outcome[o.id] == 0]
    findings += _dead_questions(enc)
    findings += _duplicates(enc, groups)
    findings += _monotone(enc)
    findings += _cross_check(enc)
    return Proof(total, by_outcome), findings


def _dead_rules(enc: Encoding, groups: list[list[str]]) -> Iterator[verify.Finding]:
    ruleset, false = enc.ruleset, enc.space.false
    # A case where a rule holds and its outcome wins shows at once that the rule decides
    # the outcome somewhere; only the other rules need the diagrams.
    # Likewise a case where a rule is the only one of its severity or more to hold shows
    # that it changes the outcome somewhere.
    decided: set[str] = set()
    alone: set[str] = set()
    for case in ruleset.cases:
        result = engine.evaluate(ruleset, engine.case_answers(ruleset, case))
        decided |= {r.rule for r in result.reasons if r.outcome == result.outcome.id}
        for reason in result.reasons:
            rank = enc.rank[reason.outcome]
            if [r for r in result.reasons if enc.rank[r.outcome] >= rank] == [reason]:
                alone.add(reason.rule)
    duplicated = {rid for group in groups for rid in group}
    for rule in ruleset.rules:
        when = enc.rules[rule.id]
        rank = enc.rank[rule.outcome]
        if rule.id in decided or when & enc.below(rank + 1) != false:
            # It decides the outcome somewhere; but does it ever change it?
            if rule.id in alone or rule.id in duplicated:
                continue
            others = false
            for other in ruleset.rules:
                if other is not rule and enc.rank[other.outcome] >= rank:
                    others |= enc.rules[other.id]
            if enc.reach & when & ~others == false:
                example = enc.space.example(enc.reach & when)
                result = engine.evaluate(ruleset, example)
                also = [
                    r.rule
                    for r in result.reasons
                    if r.rule != rule.id and enc.rank[r.outcome] >= rank
                ]
                if rule.id not in {r.rule for r in result.reasons} or not also:
                    raise ProverBug(f"rule {rule.id!r}: the engine does not confirm {example}")
                yield verify.never_changes(rule, also[0], example)
            continue
        holds = enc.reach & when
        if holds == false:
            yield verify.never_holds(rule)
            continue
        example = enc.space.example(holds)
        result = engine.evaluate(ruleset, example)
        if rule.id not in {r.rule for r in result.reasons} or result.outcome.id == rule.outcome:
            raise ProverBug(f"rule {rule.id!r}: the engine does not confirm {example}")
        yield verify.never_decides(rule, result.outcome.id, example)


def _dead_questions(enc: Encoding) -> Iterator[verify.Finding]:
    ruleset, space, reach = enc.ruleset, enc.space, enc.reach
    used = verify.used_questions(ruleset)
    parents = verify.parent_questions(ruleset)
    for q in ruleset.questions:
        if q.id not in used:
            yield verify.unused(q)
        elif q.when is not None and reach & ~space.is_(q.id, [None]) == space.false:
            yield verify.never_asked(q)
        elif q.id not in parents and not _changes_a_rule(enc, q):
            yield verify.no_effect(q)
        else:
            yield from _same_answers(enc, q)


def _tells_apart(enc: Encoding, q: Question, u: str, v: str, conditions: list[Node]) -> bool:
    """Whether any condition ever holds for one of two answers to the question and not the
    other, in the answer sets where the question is asked, everything else the same."""
    space = enc.space
    where = space.fix(enc.reach, q.id, u)
    return any(
        where & space.xor(space.fix(c, q.id, u), space.fix(c, q.id, v)) != space.false
        for c in conditions
    )


def _changes_a_rule(enc: Encoding, q: Question) -> bool:
    """Whether changing this question's answer alone ever changes whether a rule holds
    (for a question no ``when`` looks at, so nothing else is asked differently)."""
    mentioning = [enc.rules[r.id] for r in enc.ruleset.rules if q.id in enc.looks_at[r.id]]
    return any(
        _tells_apart(enc, q, v, w, mentioning) for v, w in itertools.combinations(q.values, 2)
    )


def _same_answers(enc: Encoding, q: Question) -> Iterator[verify.Finding]:
    """Answers that every rule and every ``when`` treat alike (questions with their own
    answers only; the cautious ``if_unanswered`` answer is meant to act as "yes")."""
    conditions = [enc.rules[r.id] for r in enc.ruleset.rules if q.id in enc.looks_at[r.id]]
    conditions += [
        enc.asked[other.id]
        for other in enc.ruleset.questions
        if other.when is not None and q.id in other.when.questions()
    ]
    for u, v in verify.option_pairs(q):
        if not _tells_apart(enc, q, u, v, conditions):
            yield verify.same_answers(q, u, v)


def _rule_groups(enc: Encoding) -> list[list[str]]:
    """Rules with one outcome that hold in exactly the same answer sets, in file order:
    diagrams are canonical, so equal sets are the same node."""
    groups: dict[tuple[str, Node], list[str]] = {}
    for rule in enc.ruleset.rules:
        groups.setdefault((rule.outcome, enc.reach & enc.rules[rule.id]), []).append(rule.id)
    return [group for group in groups.values() if len(group) > 1]


def _duplicates(enc: Encoding, groups: list[list[str]]) -> Iterator[verify.Finding]:
    by_id = {rule.id: rule for rule in enc.ruleset.rules}
    later = {rid: group[0] for group in groups for rid in group[1:]}
    for rule in enc.ruleset.rules:
        if rule.id in later:
            yield verify.duplicate(rule, by_id[later[rule.id]])


def _dependents(ruleset: Ruleset, qid: str) -> list[str]:
    """The question and every follow-up whose being asked depends on it, in file order."""
    found = {qid}
    for other in ruleset.questions:
        if other.when is not None and other.when.questions() & found:
            found.add(other.id)
    return [q.id for q in ruleset.questions if q.id in found]


def _monotone(enc: Encoding) -> Iterator[verify.Finding]:
    """Moving one answer towards care never lowers the outcome, whatever follow-ups then say.

    Write ``H`` for "a rule of rank k or more holds", ``M`` for the part of it made of
    rules that look at the questions the change moves, and ``G`` for the rest, which
    the change cannot touch. The outcome falls below k exactly where ``H`` held before
    and no longer holds after: where ``M`` held before and, after, neither ``M`` nor
    ``G`` holds. So each check joins a small diagram (``M`` and the change) with the
    answer sets below k after the change, and never builds ``H`` before and after.
    """
    ruleset, space = enc.ruleset, enc.space
    false = space.false
    levels = range(1, len(enc.outcome_ids))
    for q in ruleset.questions:
        moved = _dependents(ruleset, q.id)
        if len(moved) == 1:
            # Nothing else is asked differently: the answer set after the change is the
            # one before with this answer replaced.
            for before, after in verify.towards_care(q):
                lower = false
                for k in levels:
                    held = space.fix(enc.mentioning(moved, k), q.id, before)
                    lower |= held & space.is_(q.id, [after]) & enc.below(k)
                if lower != false:
                    lower = space.let_question(lower, q.id, after, before)
                    yield _monotone_finding(enc, q, before, after, space.example(lower))
            continue
        # A question with follow-ups: relate each answer set (unprimed) to the ones the
        # change leads to (the moved questions primed; the rest shared).
        kept = space.true
        for f in moved:
            kept &= enc.keeps[f]
        for f in moved[1:]:
            both = ~space.is_(f, [None]) & ~space.is_(f, [None], primed=True)
            same = space.true
            for b, p in zip(space.slots[f].bits, space.primed[f].bits, strict=True):
                same &= ~space.xor(space.bdd.var(b), space.bdd.var(p))
            kept &= ~both | same
        for before, after in verify.towards_care(q):
            pair = kept & space.is_(q.id, [before]) & space.is_(q.id, [after], primed=True)
            lower = false
            for k in levels:
                held = pair & enc.mentioning(moved, k)
                if held != false:
                    # "Below k after the change" is below(k) on the primed bits. Rather than
                    # rename that large diagram, exchange the twins in the small one.
                    lower |= space.swap(held, moved) & enc.below(k)
            if lower == false:
                continue
            lower = space.swap(lower, moved)
            example = space.example(space.unprimed_exist(lower & enc.reach))
            yield _monotone_finding(enc, q, before, after, example)


def _monotone_finding(
    enc: Encoding,
    q: Question,
    before: str,
    after: str,
    example: dict[str, str],
) -> verify.Finding:
    """The finding, with the least severe outcome the change can lead to, checked by the engine."""
    ruleset, space = enc.ruleset, enc.space
    was = engine.evaluate(ruleset, example).outcome
    changed = engine.relevant_answers(ruleset, {**example, q.id: after})
    # Answers still asked are kept, those no longer asked are dropped, and the newly
    # asked follow-ups are answered for the least severe outcome they allow.
    fixed = enc.reach
    for qid, value in changed.items():
        fixed &= space.is_(qid, [value, None])
    k = next(k for k in range(len(enc.outcome_ids)) if fixed & ~enc.at_least[k + 1] != space.false)
    extra = space.example(fixed & ~enc.at_least[k + 1])
    trial = engine.relevant_answers(ruleset, {**extra, **changed})
    worse = engine.evaluate(ruleset, trial).outcome
    if worse.severity >= was.severity or worse.id != enc.outcome_ids[k]:
        raise ProverBug(f"question {q.id!r}: the engine does not confirm {example}")
    follow = ", ".join(f"{qid}={v}" for qid, v in trial.items() if qid not in changed)
    return verify.not_monotone(q, before, after, was.id, worse.id, follow, example)


def _cross_check(enc: Encoding) -> Iterator[verify.Finding]:
    """The diagrams must agree with the engine on every case (a check on the checker)."""
    ruleset = enc.ruleset
    for case in ruleset.cases:
        answers = engine.relevant_answers(ruleset, engine.case_answers(ruleset, case))
        full = engine.complete_answers(ruleset, answers)
        if enc.outcome_at(full) != engine.evaluate(ruleset, answers).outcome.id:
            yield verify.disagreement(case, answers, "the prover")


__all__ = ["BACKEND", "Encoding", "Proof", "ProverBug", "Space", "prove", "single_space"]
