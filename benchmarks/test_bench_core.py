"""Speed of the core: one evaluation (target under 20 µs) and full verification (under 0.2 s).

Run with `make bench`. Evaluation is timed over a batch of 1,000 different complete
answer sets, weighted towards "no" as real screenings are; the figure is the median
over 30 rounds of the batch, divided by 1,000. Verification is the median of 5 runs.
Each is measured beside a reference in the same run, so the figures can be read on
any machine:

* evaluation beside a hand-written if/else for the default rules (the floor a
  data-driven engine cannot beat: no validation, no reasons);
* verification (by the prover) beside the exhaustive enumerator it replaced,
  which is kept as the prover's oracle, on the 1.1.0 rules (the 2.0 rules are
  too many answer sets for it).

``test_bench_prover.py`` measures the prover on generated rulesets of 15 to 240
questions.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Mapping
from typing import Any

from screener import create_app, engine, verify
from screener.resources import default_rules_path, load_ruleset
from screener.ruleset import Ruleset
from screener.state import TokenBox

RULESET = load_ruleset(default_rules_path())
YES = ("yes", "unsure")


def answer_sets(ruleset: Ruleset, count: int, seed: int = 1) -> list[dict[str, str]]:
    """Complete, valid answer sets, weighted towards 'no' as real screenings are."""
    rng = random.Random(seed)
    sets = []
    for _ in range(count):
        answers: dict[str, str] = {}
        for q in ruleset.questions:
            if engine.is_asked(q, answers):
                answers[q.id] = rng.choices(q.values, weights=(1, 6, 1))[0]
        sets.append(answers)
    return sets


def hand_written(a: Mapping[str, str]) -> str:
    """The default rules as plain code: the reference for evaluation speed."""

    def said(qid: str) -> bool:
        return a.get(qid, "unsure") in YES

    fever = said("fever_recent")
    pain = said("new_severe_pain")
    if (
        said("cannot_urinate")
        or said("very_unwell_now")
        or (said("rectal_bleeding") and said("bleeding_heavy"))
        or ((pain or said("pelvic_pain")) and said("sudden_testicle_pain"))
        or (fever and pain)
    ):
        return "emergency"
    if (
        pain
        or said("black_stool")
        or (said("blood_urine_semen") and said("blood_in_urine"))
        or (
            fever
            and (
                said("pee_pain_or_urgency")
                or said("weak_flow")
                or said("pelvic_pain")
                or said("discharge_or_sores")
                or said("lump_near_bottom")
                or said("infection_now")
                or said("procedure_3_months")
                or said("weak_immunity")
                or said("massage_problems")
                or said("rectal_bleeding")
                or said("blood_urine_semen")
                or said("fever_pain")
                or said("fever_risk")
            )
        )
    ):
        return "urgent"
    if fever or any(
        said(q)
        for q in (
            "rectal_bleeding",
            "blood_urine_semen",
            "pee_pain_or_urgency",
            "weak_flow",
            "pelvic_pain",
            "discharge_or_sores",
            "lump_near_bottom",
            "infection_now",
            "cancer_history",
            "procedure_3_months",
            "anal_condition",
            "bleeding_risk",
            "weak_immunity",
            "massage_problems",
        )
    ):
        return "clinician"
    return "info"


BATCH = answer_sets(RULESET, 1000)


def test_reference_agrees_with_the_engine() -> None:
    for answers in BATCH:
        assert hand_written(answers) == engine.evaluate(RULESET, answers).outcome.id


def test_evaluate(benchmark: Any, record: dict[str, float]) -> None:
    def run() -> None:
        for answers in BATCH:
            engine.evaluate(RULESET, answers)

    benchmark.pedantic(run, rounds=30, warmup_rounds=2)
    record["evaluate"] = benchmark.stats.stats.median / len(BATCH)


def test_evaluate_reference(benchmark: Any, record: dict[str, float]) -> None:
    def run() -> None:
        for answers in BATCH:
            hand_written(answers)

    benchmark.pedantic(run, rounds=30, warmup_rounds=2)
    record["evaluate_reference"] = benchmark.stats.stats.median / len(BATCH)


def test_verify(benchmark: Any, record: dict[str, float]) -> None:
    result = benchmark.pedantic(verify.verify, args=(RULESET,), rounds=5, warmup_rounds=1)
    assert result.ok
    record["verify"] = benchmark.stats.stats.median


TOKENS = BATCH[:200]


def test_token(benchmark: Any, record: dict[str, float]) -> None:
    """Every page seals an answers token, and every page after the first opens one."""
    # The app's own box, so the tokens are padded exactly as pages seal them.
    box: TokenBox = create_app({"SECRET_KEY": "benchmark key"}).extensions["screener"].tokens

    def run() -> None:
        for answers in TOKENS:
            assert box.open(box.seal(answers)) == answers

    benchmark.pedantic(run, rounds=30, warmup_rounds=2)
    record["token"] = benchmark.stats.stats.median / len(TOKENS)


def test_token_reference(benchmark: Any, record: dict[str, float]) -> None:
    """The same with Fernet (AES-128-CBC and HMAC-SHA256), the answers token's earlier format."""
    from cryptography.fernet import Fernet

    fernet = Fernet(Fernet.generate_key())

    def run() -> None:
        for answers in TOKENS:
            sealed = fernet.encrypt(
                json.dumps(
                    {"r": RULESET.sha256, "a": answers}, separators=(",", ":"), sort_keys=True
                ).encode()
            )
            assert json.loads(fernet.decrypt(sealed, ttl=900))["a"] == answers

    benchmark.pedantic(run, rounds=30, warmup_rounds=2)
    record["token_reference"] = benchmark.stats.stats.median / len(TOKENS)


# The rules before 2.0: the largest default rules the enumerator can still check.
PREVIOUS = load_ruleset(default_rules_path().parent / "released" / "prostate-massage-1.1.0.yaml")


def test_verify_reference(record: dict[str, float]) -> None:
    """The enumerator the prover replaced (kept as its oracle), on the 1.1.0 rules: the
    2.0 rules have 11,483,908,569 answer sets, more than it will try one by one."""
    assert verify.verify(RULESET, exhaustive=True).findings[0].check == "complete"
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        result = verify.verify(PREVIOUS, exhaustive=True)
        timings.append(time.perf_counter() - started)
    assert result.ok and result.combinations == verify.verify(PREVIOUS).combinations
    record["verify_reference"] = sorted(timings)[1]
