"""The semantic difference between two versions of a ruleset: who gets a different outcome.

``diff(old, new)`` answers what a clinician signing off a change needs to know:
for each pair of outcomes (from → to), exactly how many answer sets move, with
the simplest example of each, and which questions, rules and outcomes were
added, removed or changed.

The answer sets are those of both versions at once. A person answers the
questions of both (one set of answers to every question either version has); a
question either version asks has an answer, one neither asks has none. Each
version then sees only the answers to the questions it asks, exactly as the
engine would, so every answer set has one outcome in each version. A question
both versions ask must get an answer both offer. When the two versions have the
same questions this is simply each version's own reachable answer sets.

The counts come from the same decision diagrams as :mod:`screener.prover`, and
every example is evaluated again by the engine in both versions before it is
reported. Pure: no Flask, no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from screener import engine
from screener.prover import Encoding, ProverBug, Space
from screener.ruleset import Outcome, Question, Rule, Ruleset


@dataclass(frozen=True)
class Move:
    """The answer sets whose outcome goes from one outcome in the old version to another."""

    old: Outcome
    new: Outcome
    count: int
    example: Mapping[str, str]

    @property
    def lowered(self) -> bool:
        """Whether these people are now told something less urgent."""
        return self.new.severity < self.old.severity

    @property
    def changed(self) -> bool:
        """Whether the outcome differs at all (by id or severity)."""
        return (self.old.id, self.old.severity) != (self.new.id, self.new.severity)


@dataclass(frozen=True)
class Change:
    """One question, rule or outcome added, removed or changed, and what changed in it."""

    kind: str  # question, rule, outcome
    id: str
    change: str  # added, removed, reworded, changed
    what: tuple[str, ...] = ()


@dataclass(frozen=True)
class Diff:
    """Everything :func:`diff` found."""

    old: Ruleset
    new: Ruleset
    total: int
    moves: tuple[Move, ...]  # lowered first, then raised, then unchanged
    changes: tuple[Change, ...]

    @property
    def lowered(self) -> tuple[Move, ...]:
        """Moves that lower the outcome."""
        return tuple(m for m in self.moves if m.lowered)

    @property
    def moved(self) -> int:
        """How many answer sets get a different outcome."""
        return sum(m.count for m in self.moves if m.changed)


def diff(old: Ruleset, new: Ruleset) -> Diff:
    """Compare two versions of a ruleset; see the module docstring."""
    ids = list(dict.fromkeys([q.id for q in old.questions] + [q.id for q in new.questions]))
    values: dict[str, list[str]] = {qid: [] for qid in ids}
    for q in (*old.questions, *new.questions):
        values[q.id] += [v for v in q.values if v not in values[q.id]]
    space = Space([(qid, values[qid], True) for qid in ids])
    before = Encoding(space, old, joint=True)
    after = Encoding(space, new, joint=True)
    reach = space.true
    for qid in ids:
        asked_before = before.asked.get(qid, space.false)
        asked_after = after.asked.get(qid, space.false)
        answered = ~space.is_(qid, [None]) & (asked_before | asked_after)
        if qid in old.question_by_id:
            answered &= ~asked_before | space.is_(qid, old.question_by_id[qid].values)
        if qid in new.question_by_id:
            answered &= ~asked_after | space.is_(qid, new.question_by_id[qid].values)
        unasked = space.is_(qid, [None]) & ~asked_before & ~asked_after
        reach &= answered | unasked
    moves = []
    for o in sorted(old.outcomes, key=lambda o: -o.severity):
        was = reach & before.outcome_is(o.id)
        for n in sorted(new.outcomes, key=lambda o: -o.severity):
            both = was & after.outcome_is(n.id)
            if both == space.false:
                continue
            example = space.example(both)
            _confirm(old, example, o.id)
            _confirm(new, example, n.id)
            moves.append(Move(o, n, space.count(both), example))
    moves.sort(key=lambda m: (not m.lowered, not m.changed))
    return Diff(old, new, space.count(reach), tuple(moves), tuple(_changes(old, new)))


def _confirm(ruleset: Ruleset, answers: Mapping[str, str], outcome: str) -> None:
    """The engine must give the outcome the diagrams gave, to the answers this version asks."""
    own = {qid: v for qid, v in answers.items() if qid in ruleset.question_by_id}
    got = engine.evaluate(ruleset, engine.relevant_answers(ruleset, own)).outcome.id
    if got != outcome:
        raise ProverBug(f"diff: {ruleset.version} gives {got!r}, not {outcome!r}, for {answers}")


def _changes(old: Ruleset, new: Ruleset) -> list[Change]:
    found: list[Change] = []
    for kind, before, after in (
        ("question", old.questions, new.questions),
        ("rule", old.rules, new.rules),
        ("outcome", old.outcomes, new.outcomes),
    ):
        was = {item.id: item for item in before}
        now = {item.id: item for item in after}
        for ident, item in now.items():
            if ident not in was:
                found.append(Change(kind, ident, "added"))
                continue
            what = _differences(was[ident], item)
            if what:
                words = {"text", "hint", "reason", "title", "body", "next steps", "source"}
                change = "reworded" if set(what) <= words else "changed"
                found.append(Change(kind, ident, change, what))
        found += [Change(kind, ident, "removed") for ident in was if ident not in now]
    return found


# What a reader calls each field, and the fields that say nothing about meaning.
_FIELD_NAMES = {"when": "when asked", "next_steps": "next steps", "if_unanswered": "if unanswered"}
_IGNORED = {"id", "line", "values", "asks", "test", "next_steps_title"}


def _differences(
    before: Question | Rule | Outcome, after: Question | Rule | Outcome
) -> tuple[str, ...]:
    """The names of the fields that differ, in the order they are declared."""
    return tuple(
        _FIELD_NAMES.get(f.name, f.name)
        for f in fields(before)
        if f.name not in _IGNORED and getattr(before, f.name) != getattr(after, f.name)
    )


# --------------------------------------------------------------------------- plain forms


def as_json(d: Diff) -> dict[str, Any]:
    """The diff as plain data (``screener diff --format json``)."""

    def version(r: Ruleset) -> dict[str, str]:
        return {"id": r.id, "version": r.version, "sha256": r.sha256}

    return {
        "old": version(d.old),
        "new": version(d.new),
        "answer_sets": d.total,
        "moved": d.moved,
        "lowered": sum(m.count for m in d.lowered),
        "moves": [
            {
                "from": m.old.id,
                "to": m.new.id,
                "count": m.count,
                "lowered": m.lowered,
                "changed": m.changed,
                "example": dict(m.example),
            }
            for m in d.moves
        ],
        "changes": [
            {"kind": c.kind, "id": c.id, "change": c.change, "what": list(c.what)}
            for c in d.changes
        ],
    }


def as_text(d: Diff) -> str:
    """The diff for a terminal (``screener diff``, the default format)."""
    lines = [
        f"{d.old.id} {d.old.version} ({d.old.short_hash}) -> "
        f"{d.new.id} {d.new.version} ({d.new.short_hash})",
        f"  {d.total:,} answer sets; {d.moved:,} get a different outcome"
        + (f", {sum(m.count for m in d.lowered):,} of them a LOWER one" if d.lowered else ""),
    ]
    for m in d.moves:
        label = "LOWERED" if m.lowered else "raised" if m.changed else "same"
        sets = "answer set" if m.count == 1 else "answer sets"
        lines.append(f"  {label}: {m.old.id} -> {m.new.id}: {m.count:,} {sets}")
        if m.changed:
            shown = ", ".join(f"{q}={v}" for q, v in m.example.items()) or "(no answers)"
            lines.append(f"      for example: {shown}")
    if d.changes:
        lines.append("  changes:")
        for c in d.changes:
            what = f" ({', '.join(c.what)})" if c.what else ""
            lines.append(f"    {c.kind} {c.id!r} {c.change}{what}")
    else:
        lines.append("  no question, rule or outcome changed")
    return "\n".join(lines) + "\n"


__all__ = ["Change", "Diff", "Move", "as_json", "as_text", "diff"]
