"""Large rulesets made to order, for proving that the proof scales.

``generate(n)`` writes a rules file of ``n`` questions shaped like the ones clinics
write: most questions stand alone with a rule of their own, a fifth are follow-ups
asked only when an earlier answer makes them relevant (some of them through a
condition on two questions, some of them follow-ups of follow-ups), a few offer
answers of their own instead of yes, no and not sure, and rules combine questions
with ``all``, ``any`` and ``not``: a few "hub" questions (think of a fever) raise
the outcome together with any of a handful of others, and neighbouring questions
combine with each other. Every such file is monotone towards care, has no dead
parts and carries a case for every rule, so ``screener check`` passes it.

``faults`` adds the three mistakes item 6 of the prover's issue names: a rule that
is not monotone, a rule that never decides the outcome, and a case that fails.

The same ``n`` and ``seed`` always give the same file. Used by the tests and by
``make bench``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

import yaml

from screener import engine
from screener.resources import schema
from screener.ruleset import Case, parse

CARE = ["yes", "unsure"]
TIERS = {1: "info", 2: "clinician", 3: "urgent", 4: "emergency"}
CUSTOM = [
    {"value": "none", "label": "None"},
    {"value": "mild", "label": "Mild"},
    {"value": "severe", "label": "Severe"},
    {"value": "unsure", "label": "Not sure"},
]
FAULTS = ("not_monotone", "dead_rule", "failing_case")


@dataclass
class _Plan:
    """What the generator has decided so far."""

    questions: list[dict[str, Any]] = field(default_factory=list)
    rules: list[dict[str, Any]] = field(default_factory=list)
    tier: dict[str, int] = field(default_factory=dict)  # a question's own rule's tier
    witness: dict[str, dict[str, str]] = field(default_factory=dict)  # rule id: answers

    def plain(self, tier: int) -> list[str]:
        """Base questions answered yes, no or not sure whose own rule has this tier."""
        return [
            q["id"]
            for q in self.questions
            if "when" not in q and "options" not in q and self.tier[q["id"]] == tier
        ]


class _Dumper(yaml.SafeDumper):
    """Writes every value out: rules files allow no YAML aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _dump(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, width=1000)


def _yes(qid: str) -> dict[str, Any]:
    return {"question": qid, "in": CARE}


def _rule(plan: _Plan, rid: str, when: dict[str, Any], tier: int, witness: dict[str, str]) -> None:
    plan.rules.append(
        {
            "id": rid,
            "when": when,
            "outcome": TIERS[tier],
            "reason": f"You told us about {rid.replace('_', ' ')}.",
            "source": {"section": "Generated"},
        }
    )
    plan.witness[rid] = witness


def _questions(n: int, rng: random.Random) -> _Plan:
    """The questions, each base question with a rule of its own, follow-ups after parents."""
    plan = _Plan()
    n_follow = n // 5
    n_base = n - n_follow
    parents = sorted(rng.sample(range(n_base), n_follow))
    follows_at: dict[int, int] = {}
    for p in parents:
        follows_at[p] = follows_at.get(p, 0) + 1
    base_ids: list[str] = []
    for b in range(n_base):
        qid = f"q{b}"
        question: dict[str, Any] = {"id": qid, "text": f"Question {b}?"}
        custom = b % 17 == 5
        if custom:
            question["options"] = CUSTOM
        plan.questions.append(question)
        if not custom:
            base_ids.append(qid)
        tier = 3 if rng.random() < 0.3 else 2
        plan.tier[qid] = tier
        if custom:
            # Mild needs a routine appointment; severe (or not sure) needs help today.
            _rule(plan, f"r_{qid}", {"question": qid, "in": ["mild", "severe", "unsure"]}, 2,
                  {qid: "mild"})  # fmt: skip
            _rule(plan, f"r_{qid}_severe", {"question": qid, "in": ["severe", "unsure"]}, 3,
                  {qid: "severe"})  # fmt: skip
            plan.tier[qid] = 3
        else:
            _rule(plan, f"r_{qid}", _yes(qid), tier, {qid: "yes"})
        parent = qid
        chain = [qid]
        for k in range(follows_at.get(b, 0)):
            fid = f"{qid}_f{k}"
            # Most follow-ups hang on the base question; some on the follow-up before
            # them; some are also asked when an earlier question is not answered "no".
            roll = rng.random()
            on = parent if roll < 0.25 and len(chain) > 1 else qid
            gate = "severe" if on == qid and custom else None
            when: dict[str, Any] = (
                {"question": on, "in": ["severe", "unsure"]} if gate else _yes(on)
            )
            witness = dict.fromkeys(chain, "yes") if on != qid else {qid: gate or "yes"}
            if on != qid and custom:
                witness[qid] = "severe"
            earlier = [q for q in base_ids[-8:] if q != qid]
            if 0.25 <= roll < 0.4 and earlier:
                other = rng.choice(earlier)
                when = {"any": [when, {"not": {"question": other, "is": "no"}}]}
            question = {"id": fid, "text": f"Follow-up {k} to question {b}?", "when": when}
            plan.questions.append(question)
            tier = min(4, plan.tier[on] + 1)
            plan.tier[fid] = tier
            _rule(plan, f"r_{fid}", _yes(fid), tier, {**witness, fid: "yes"})
            chain.append(fid)
            parent = fid
    return plan


def _combinations(plan: _Plan, n: int, rng: random.Random) -> None:
    """Rules that raise the outcome when questions come together."""
    base = [q["id"] for q in plan.questions if "when" not in q and "options" not in q]
    hubs = base[: max(2, len(base) // 25)]
    # Each pair of questions raises the outcome in one rule at most, or the rule with
    # the lower outcome would never decide it.
    used: set[frozenset[str]] = set()
    for i in range(max(2, n // 6)):
        if i % 2 == 0:
            # A hub with any of a few others: "a fever and any urinary symptom".
            hub = rng.choice(hubs)
            start = rng.randrange(len(base) - 4)
            others = [q for q in base[start : start + 4] if q != hub][:3]
            pairs = {frozenset((hub, o)) for o in others}
            key = (hub, *others)
            tier = max(plan.tier[q] for q in key) + 1
            parts = [_yes(others[0]), {"not": {"question": others[1], "is": "no"}}]
            parts += [_yes(q) for q in others[2:]]
            when: dict[str, Any] = {"all": [_yes(hub), {"any": parts}]}
            witness = {hub: "yes", others[0]: "yes"}
        else:
            # Two neighbours: "neither answered no".
            start = rng.randrange(len(base) - 6)
            a, b = base[start], base[start + rng.randrange(1, 6)]
            pairs = {frozenset((a, b))}
            key = (a, b)
            tier = max(plan.tier[a], plan.tier[b]) + 1
            when = {"not": {"any": [{"question": a, "is": "no"}, {"question": b, "is": "no"}]}}
            witness = {a: "yes", b: "yes"}
        if tier > 4 or pairs & used or len(set(key)) < len(key):
            continue
        used |= pairs
        _rule(plan, f"combo_{i}", when, tier, witness)


def generate(n: int, seed: int = 0, faults: tuple[str, ...] = ()) -> str:
    """A rules file of ``n`` questions (at least 10), as YAML text; see the module docstring."""
    if n < 10:
        raise ValueError("generate at least 10 questions")
    rng = random.Random(f"{n}:{seed}")
    plan = _questions(n, rng)
    _combinations(plan, n, rng)
    if not any(r["outcome"] == "emergency" for r in plan.rules):
        hub = plan.questions[0]["id"]
        _rule(plan, "r_emergency", {"all": [_yes(hub), _yes(plan.questions[1]["id"])]}, 4,
              {hub: "yes", plan.questions[1]["id"]: "yes"})  # fmt: skip
    if "not_monotone" in faults:
        # "Not sure" counts for less than "yes": yes → not sure lowers the outcome.
        qid = plan.plain(2)[0]
        _rule(plan, "fault_not_monotone", {"question": qid, "is": "yes"}, 3, {qid: "yes"})
    if "dead_rule" in faults:
        # Holds only where a more severe rule always holds too.
        qid = plan.plain(3)[0]
        other = next(q for q in plan.plain(2) + plan.plain(3) if q != qid)
        _rule(plan, "fault_dead_rule", {"all": [_yes(qid), _yes(other)]}, 2,
              {qid: "yes", other: "yes"})  # fmt: skip
    data: dict[str, Any] = {
        "id": f"generated_{n}",
        "version": "1.0.0",
        "title": f"Generated ruleset of {n} questions",
        "questions": plan.questions,
        "outcomes": [
            {"id": oid, "severity": s, "title": f"Outcome {s}", "body": f"What to do at level {s}."}
            for s, oid in TIERS.items()
        ],
        "rules": plan.rules,
        "cases": [{"id": "all_no", "answers": {}, "others": "no", "outcome": "info"}],
    }
    custom = [q["id"] for q in plan.questions if "options" in q]
    data["cases"][0]["answers"] = dict.fromkeys(custom, "none")
    ruleset = parse(_dump(data), filename="generated", schema=schema())
    for n_case, rule in enumerate(ruleset.rules):
        answers = {**dict.fromkeys(custom, "none"), **plan.witness[rule.id]}
        case = Case(f"c_{rule.id}", answers, "no", "info", n_case)
        outcome = engine.evaluate(ruleset, engine.case_answers(ruleset, case)).outcome.id
        data["cases"].append(
            {"id": case.id, "answers": answers, "others": "no", "outcome": outcome}
        )
    if "failing_case" in faults:
        data["cases"][1]["outcome"] = "info"
    return _dump(data)
