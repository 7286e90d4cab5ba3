"""Speed of the core: one evaluation (target under 20 µs) and full verification (under 0.2 s).

Run with `make bench`. Evaluation is timed over a batch of 1,000 different complete
answer sets, weighted towards "no" as real screenings are; the figure is the median
over 30 rounds of the batch, divided by 1,000. Verification is the median of 5 runs.
Each is measured beside a reference in the same run, so the figures can be read on
any machine:

* evaluation beside a hand-written if/else for the default rules (the floor a
  data-driven engine cannot beat: no validation, no reasons);
* verification (by the prover) beside the exhaustive enumerator it replaced,
  which is kept as the prover's oracle.

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
    fever = a.get("fever", "unsure") in YES
    infection = a.get("infection_now", "unsure") in YES
    acute = a.get("acute_prostatitis", "unsure") in YES
    procedure = a.get("recent_procedure", "unsure") in YES
    immunity = a.get("weak_immunity", "unsure") in YES
    bleeding = a.get("rectal_bleeding", "unsure") in YES
    if (
        (fever and a.get("fever_very_unwell", "unsure") in YES)
        or a.get("severe_pain", "unsure") in YES
        or a.get("cannot_urinate", "unsure") in YES
        or (bleeding and a.get("heavy_rectal_bleeding", "unsure") in YES)
        or (fever and (infection or acute or procedure or immunity))
    ):
        return "urgent"
    if (
        fever
        or bleeding
        or infection
        or acute
        or procedure
        or immunity
        or a.get("blood_urine_semen", "unsure") in YES
        or a.get("chronic_prostatitis", "unsure") in YES
        or a.get("prostate_cancer", "unsure") in YES
        or a.get("anal_condition", "unsure") in YES
        or a.get("bleeding_risk", "unsure") in YES
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


def test_verify_reference(record: dict[str, float]) -> None:
    """The enumerator the prover replaced (kept as its oracle), on the same ruleset."""
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        result = verify.verify(RULESET, exhaustive=True)
        timings.append(time.perf_counter() - started)
    assert result.ok and result.combinations == verify.verify(RULESET).combinations
    record["verify_reference"] = sorted(timings)[1]
