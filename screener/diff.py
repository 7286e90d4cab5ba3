"""The semantic difference between two versions of a ruleset: who gets a different outcome.

``diff(old, new)`` answers what a clinician signing off a change needs to know:
for each pair of outcomes (from → to), exactly how many answer sets move, with
the simplest example of each, and which questions, rules and outcomes were
added, removed or changed.

The answer sets are those of both versions at once. A person answers the
questions of both (one set of answers to every question either version has): a
question either version asks has an answer, or is left unanswered (counted as
an answer of its own, :data:`UNANSWERED`); one neither asks has none. Each
version sees only the answers to the questions it asks, exactly as the engine
would; a question left unanswered, or given an answer only the other version
offers, counts as that version's ``if_unanswered``. So every answer set has one
outcome in each version, and a changed ``if_unanswered`` or a new answer shows
up as people moving.

Which way a move goes is judged on the new version's scale: an outcome keeps
its meaning by its id, so the old outcome's id is looked up in the new file.
A move away from an outcome the new file no longer has is counted as lowered
(it needs a reviewer's eyes) unless it ends at the new file's most severe
outcome.

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

UNANSWERED = "(no answer)"


@dataclass(frozen=True)
class Move:
    """The answer sets whose outcome goes from one outcome in the old version to another.

    ``direction`` is ``lowered``, ``raised``, ``moved`` (another outcome of the same
    severity) or ``same``.
    """

    old: Outcome
    new: Outcome
    count: int
    example: Mapping[str, str]
    direction: str

    @property
    def lowered(self) -> bool:
        """Whether these people are now told something less urgent."""
        return self.direction == "lowered"

    @property
    def changed(self) -> bool:
        """Whether these people are told something else at all."""
        return self.direction != "same"


def direction(old: Outcome, new: Outcome, new_version: Ruleset) -> str:
    """Which way a move goes, on the new version's scale (see the module docstring)."""
    if old.id == new.id:
        return "same"
    kept = new_version.outcome_by_id.get(old.id)
    if kept is None:
        top = max(o.severity for o in new_version.outcomes)
        return "raised" if new.severity == top else "lowered"
    if new.severity < kept.severity:
        return "lowered"
    return "raised" if new.severity > kept.severity else "moved"


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
    space = Space([(qid, [*values[qid], UNANSWERED], True) for qid in ids])
    before = Encoding(space, old, joint=True)
    after = Encoding(space, new, joint=True)
    reach = space.true
    for qid in ids:
        asked = before.asked.get(qid, space.false) | after.asked.get(qid, space.false)
        unasked = space.is_(qid, [None])
        answered = space.is_(qid, [*values[qid], UNANSWERED])
        reach &= (answered & asked) | (unasked & ~asked)
    moves = []
    for o in sorted(old.outcomes, key=lambda o: -o.severity):
        was = reach & before.outcome_is(o.id)
        for n in sorted(new.outcomes, key=lambda o: -o.severity):
            both = was & after.outcome_is(n.id)
            if both == space.false:
                continue
            way = direction(o, n, new)
            example: dict[str, str] = {}
            if way != "same":
                example = space.example(both)
                _confirm(old, example, o.id)
                _confirm(new, example, n.id)
            moves.append(Move(o, n, space.count(both), example, way))
    order = {"lowered": 0, "moved": 1, "raised": 2, "same": 3}
    moves.sort(key=lambda m: order[m.direction])
    return Diff(old, new, space.count(reach), tuple(moves), tuple(_changes(old, new)))


def _confirm(ruleset: Ruleset, answers: Mapping[str, str], outcome: str) -> None:
    """The engine must give the outcome the diagrams gave, to the answers this version
    offers (any other answer, or none, leaves the question unanswered)."""
    own = {
        qid: v
        for qid, v in answers.items()
        if qid in ruleset.question_by_id and v in ruleset.question_by_id[qid].values
    }
    got = engine.evaluate(ruleset, own).outcome.id
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
                words = {
                    "text",
                    "hint",
                    "answer labels",
                    "reason",
                    "title",
                    "body",
                    "next steps heading",
                    "next steps",
                    "source",
                }
                change = "reworded" if set(what) <= words else "changed"
                found.append(Change(kind, ident, change, what))
        found += [Change(kind, ident, "removed") for ident in was if ident not in now]
    return found


# What a reader calls each field, and the fields that say nothing about meaning.
_FIELD_NAMES = {
    "when": "when asked",
    "next_steps": "next steps",
    "next_steps_title": "next steps heading",
    "if_unanswered": "if unanswered",
}
_IGNORED = {"id", "line", "values", "asks", "test"}


def _differences(
    before: Question | Rule | Outcome, after: Question | Rule | Outcome
) -> tuple[str, ...]:
    """The names of the fields that differ, in the order they are declared."""
    what = []
    for f in fields(before):
        if f.name in _IGNORED or getattr(before, f.name) == getattr(after, f.name):
            continue
        if f.name == "options" and isinstance(before, Question) and isinstance(after, Question):
            # The same answers under other labels is a rewording.
            what.append("answer labels" if before.values == after.values else "answers")
        else:
            what.append(_FIELD_NAMES.get(f.name, f.name))
    return tuple(what)


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
                "direction": m.direction,
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
        label = "LOWERED" if m.lowered else m.direction
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
