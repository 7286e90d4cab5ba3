"""Exhaustive verification, and mutation tests: each injected fault must be caught."""

from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from screener import engine, oracle, verify
from screener.cli import main
from screener.resources import default_rules_path, load_ruleset, schema
from screener.ruleset import Ruleset, load_yaml, parse

DEFAULT_TEXT = default_rules_path().read_text(encoding="utf-8")


def mini(text: str) -> Ruleset:
    return parse(text, filename="mini.yaml", schema=schema())


# --------------------------------------------------------------------------- the default ruleset


def test_default_ruleset_is_proven(ruleset: Ruleset) -> None:
    result = verify.verify(ruleset)
    assert result.findings == ()
    # A fever opens two follow-ups (19 ways); severe or genital pain share one (25 ways);
    # bleeding from the bottom and blood in pee or semen open one each (7 ways); 14
    # questions open none.
    assert result.combinations == 19 * 25 * 7 * 7 * 3**14
    assert sum(result.by_outcome.values()) == result.combinations
    assert result.by_outcome["info"] == 1, "only all-no gives general information"


def test_grid_agrees_with_the_engine_on_every_combination() -> None:
    """On a ruleset small enough to walk in Python, the grid's counts match the engine's."""
    rules = mini("""
id: agree
version: "1.0"
title: Agree
questions:
  - {id: a, text: "A?"}
  - {id: b, text: "B?", when: {question: a, in: [yes, unsure]}}
  - {id: c, text: "C?", when: {all: [{question: b, is: yes}, {not: {question: a, is: unsure}}]}}
  - {id: d, text: "D?"}
outcomes:
  - {id: low, severity: 1, title: Low, body: Fine.}
  - {id: mid, severity: 2, title: Mid, body: See.}
  - {id: high, severity: 3, title: High, body: Now.}
rules:
  - {id: r1, when: {question: a, in: [yes, unsure]}, outcome: mid, reason: You told us A., source: {section: T}}
  - {id: r2, when: {question: c, in: [yes, unsure]}, outcome: high, reason: You told us C., source: {section: T}}
  - {id: r3, when: {any: [{question: d, in: [yes, unsure]}, {question: b, is: unsure}]}, outcome: high, reason: You told us D., source: {section: T}}
cases:
  - {id: none, answers: {}, others: no, outcome: low}
""")
    counts: dict[str, int] = {}
    for values in itertools.product(["yes", "no", "unsure", None], repeat=4):
        answers = {q.id: v for q, v in zip(rules.questions, values, strict=True) if v is not None}
        relevant = engine.relevant_answers(rules, answers)
        asked = [q.id for q in engine.asked_questions(rules, relevant)]
        if relevant != answers or sorted(asked) != sorted(answers):
            continue  # not something a person can give
        outcome = engine.evaluate(rules, answers).outcome.id
        counts[outcome] = counts.get(outcome, 0) + 1
    result = verify.verify(rules)
    assert dict(result.by_outcome) == {k: counts.get(k, 0) for k in ("low", "mid", "high")}
    assert result.combinations == sum(counts.values())


def test_too_large_to_enumerate_fails_and_says_so(
    ruleset: Ruleset, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The enumerator, kept as the prover's oracle, refuses rather than samples."""
    monkeypatch.setattr(oracle, "MAX_CELLS", 1000)
    result = verify.verify(ruleset, exhaustive=True)
    assert not result.proven
    assert [f.check for f in result.findings] == ["complete"]
    assert "too many to check one by one" in result.findings[0].message
    assert "nothing was proven" in result.findings[0].message


def test_newly_asked_follow_up_counts_with_every_answer() -> None:
    """Saying yes opens a follow-up; if answering it 'no' gives less care than saying no at
    first, that is a monotonicity fault, and the example says so."""
    rules = mini("""
id: follow
version: "1.0"
title: Follow
questions:
  - {id: a, text: "A?"}
  - {id: b, text: "B?", when: {question: a, in: [yes, unsure]}}
outcomes:
  - {id: low, severity: 1, title: Low, body: Fine.}
  - {id: mid, severity: 2, title: Mid, body: See.}
rules:
  - {id: only_no, when: {question: a, is: no}, outcome: mid, reason: You told us no., source: {section: T}}
  - {id: b_yes, when: {question: b, in: [yes, unsure]}, outcome: mid, reason: You told us B., source: {section: T}}
cases:
  - {id: no, answers: {a: no}, outcome: mid}
  - {id: b, answers: {a: yes, b: yes}, outcome: mid}
""")
    findings = [f for f in verify.verify(rules).findings if f.check == "monotone"]
    assert findings, "no → yes with b = no lowers mid to low"
    first = findings[0]
    assert first.subject == "question 'a'"
    assert "from 'no' to 'yes' lowers the outcome from 'mid' to 'low' (when b=no)" in first.message
    assert first.answers == {"a": "no"}


def test_if_unanswered_must_be_the_cautious_answer() -> None:
    rules = mini("""
id: unanswered
version: "1.0"
title: Unanswered
questions:
  - {id: a, text: "A?", if_unanswered: "no"}
outcomes:
  - {id: low, severity: 1, title: Low, body: Fine.}
  - {id: mid, severity: 2, title: Mid, body: See.}
rules:
  - {id: a, when: {question: a, in: [yes, unsure]}, outcome: mid, reason: You told us A., source: {section: T}}
cases:
  - {id: no, answers: {a: no}, outcome: low}
  - {id: yes, answers: {a: yes}, outcome: mid}
""")
    messages = [f.message for f in verify.verify(rules).findings if f.check == "monotone"]
    assert any(
        "leaving it unanswered (which counts as 'no') instead of answering 'yes' lowers the "
        "outcome from 'mid' to 'low'" in m
        for m in messages
    ), messages


# --------------------------------------------------------------------------- no diagnosis


@pytest.mark.parametrize(
    "text",
    [
        "You have an infection.",
        "You may have prostatitis.",
        "You might have a problem with your prostate.",
        "This means you have an infection.",
        "Your answers suggest that you have prostatitis.",
        "You are suffering from acute prostatitis.",
        "Fever and pelvic pain are a sign of infection.",
        "Blood in the urine is a common symptom of cancer.",
        "These answers are consistent with prostatitis.",
        "You told us you have a fever, which means you have an infection.",
        "You told us you have a fever. You have sepsis.",
        "It sounds like you have piles.",
        "You've got an abscess.",
        "Our diagnosis is prostatitis.",
        "You told us you have a fever and you may have an infection.",
        "You told us you have symptoms that are a sign of infection.",
        "You told us you have a fever, and you have an infection.",
        "You told us you have a fever \u2014 you have an infection.",
        "You told us you have pain and you may have prostatitis.",
        "You\u2019ve got an abscess.",
        "You\u2019re suffering from prostatitis.",
        "You seem to have an infection.",
        "You appear to have prostatitis.",
        "You are likely to have an infection.",
        "You may well have piles.",
        "These symptoms suggest an infection.",
        "This may indicate prostatitis.",
        "Your symptoms point to an infection.",
        "This could be prostatitis.",
        "Pain like this is typical of prostatitis.",
        "Fever and chills are warning signs of sepsis.",
        "Because you may have an infection",
    ],
)
def test_diagnosis_is_caught(text: str) -> None:
    assert verify.diagnosis_problems(text), text


@pytest.mark.parametrize(
    "text",
    [
        "You told us you have been treated for prostate cancer.",
        "You told us you have a fever or chills, or that you are not sure.",
        "You said you have piles.",
        "If you have a health condition or any worry, talk to a clinician.",
        "Do not try it until you have spoken to them.",
        "Stop and get medical help promptly if you have severe pain.",
        "Something you told us means it may not be safe for you right now.",
        "Get medical help promptly.",
        "You told us a doctor or nurse has said you have acute prostatitis, or that you are not sure.",
        "This is general information, not a diagnosis.",
        "Screener cannot diagnose you.",
        "If you have been diagnosed with prostatitis, talk to your clinician.",
        "Wait before you have seen a doctor.",
        "Wash your hands after you have finished.",
        "Make sure you have plenty of water-based lubricant.",
        "You have answered all the questions.",
        "Now that you have told us about your health, here is what to do.",
        "Ask a clinician whether this is a sign of something that needs treatment.",
        "Your answers suggest you should see a clinician first.",
        "It is not a sign of anything serious on its own, but see a clinician.",
        "You told us you have a fever or chills and feel very unwell, or that you are not sure.",
        "You told us you have been told you have prostate cancer, now or in the past, or that you are not sure.",
    ],
)
def test_echo_and_conditions_are_not_false_alarms(text: str) -> None:
    assert verify.diagnosis_problems(text) == []


def test_default_texts_pass_the_lint(ruleset: Ruleset) -> None:
    assert verify.language_findings(ruleset) == []


def test_the_title_is_checked_too(ruleset: Ruleset) -> None:
    """It heads every page and starts the description search engines show."""
    titled = dataclasses.replace(ruleset, title="You have prostatitis: what to do next")
    found = verify.language_findings(titled)
    assert found and {(f.check, f.subject, f.line) for f in found} == {
        ("no-diagnosis", "the title", 1)
    }


# --------------------------------------------------------------------------- mutation tests


def item(items: list[dict[str, Any]], ident: str) -> dict[str, Any]:
    return next(x for x in items if x["id"] == ident)


def mutate(data: dict[str, Any], fault: str) -> None:
    """Inject one fault into the default ruleset's data."""
    rules, outcomes, questions, cases = (
        data["rules"],
        data["outcomes"],
        data["questions"],
        data["cases"],
    )
    if fault == "rule deleted":
        rules.remove(item(rules, "severe_pain_now"))
    elif fault == "outcome flipped lower":
        item(rules, "cannot_pass_urine")["outcome"] = "clinician"
    elif fault == "case expectation changed":
        item(cases, "all_no")["outcome"] = "clinician"
    elif fault == "diagnosis in an outcome":
        item(outcomes, "clinician")["body"] += " These answers are a sign of an infection."
    elif fault == "unused question":
        questions.append({"id": "smoker", "text": "Do you smoke?"})
    elif fault == "rule made unreachable":
        rules.insert(
            0,
            {
                "id": "any_bleeding_is_urgent",
                "outcome": "urgent",
                "when": {"question": "rectal_bleeding", "in": ["yes", "unsure"]},
                "reason": "You told us about bleeding.",
                "source": {"section": "Test"},
            },
        )
    elif fault == "follow-up never asked":
        item(questions, "fever_risk")["when"] = {
            "all": [
                {"question": "fever_recent", "is": "yes"},
                {"question": "fever_recent", "is": "no"},
            ]
        }
    elif fault == "duplicated id":
        item(rules, "bleeding_risk")["id"] = "weakened_immunity"
    elif fault == "unsure lower than yes":
        item(rules, "severe_pain_now")["when"] = {"question": "new_severe_pain", "is": "yes"}
    else:
        raise AssertionError(fault)


FAULTS = {
    # fault: (text of the finding, (section, id, which one) of the item it must name)
    "rule deleted": (
        "[cases] case 'severe_pain_without_fever': case 'severe_pain_without_fever' expects 'urgent'",
        ("cases", "severe_pain_without_fever", 0),
    ),
    "outcome flipped lower": (
        "[cases] case 'cannot_pee': case 'cannot_pee' expects 'emergency' but gets 'clinician'",
        ("cases", "cannot_pee", 0),
    ),
    "case expectation changed": (
        "[cases] case 'all_no': case 'all_no' expects 'clinician' but gets 'info'",
        ("cases", "all_no", 0),
    ),
    "diagnosis in an outcome": (
        "[no-diagnosis] outcome 'clinician': names what a symptom is a sign of",
        ("outcomes", "clinician", 0),
    ),
    "unused question": (
        "[no-dead-parts] question 'smoker': no rule uses its answer",
        ("questions", "smoker", 0),
    ),
    "rule made unreachable": (
        "[no-dead-parts] rule 'bleeding_from_bottom': never decides the outcome",
        ("rules", "bleeding_from_bottom", 0),
    ),
    "follow-up never asked": (
        "[no-dead-parts] question 'fever_risk': its 'when' never holds",
        ("questions", "fever_risk", 0),
    ),
    "duplicated id": (
        "rule 'weakened_immunity' id: duplicate rule id 'weakened_immunity'",
        ("rules", "weakened_immunity", 1),
    ),
    "unsure lower than yes": (
        "[monotone] question 'new_severe_pain': changing the answer from 'yes' to 'unsure' lowers the outcome from 'urgent'",
        ("questions", "new_severe_pain", 0),
    ),
}


def item_line(text: str, section: str, ident: str, which: int) -> int:
    """The line where the ``which``-th item with this id starts in a top-level section."""
    lines = text.splitlines()
    start = lines.index(f"{section}:")
    found = [
        n
        for n, line in enumerate(lines[start + 1 :], start=start + 2)
        if line.lstrip("- ").startswith(f"id: {ident}")
        and line.rstrip().endswith(ident)
        and not line.startswith(" " * 4)
    ]
    end = next(
        (
            n
            for n, line in enumerate(lines[start + 1 :], start=start + 2)
            if line and not line.startswith((" ", "-"))
        ),
        len(lines) + 1,
    )
    return [n for n in found if n < end][which]


@pytest.mark.parametrize("fault", FAULTS)
def test_check_catches_the_fault(fault: str, tmp_path: Path) -> None:
    data = load_yaml(DEFAULT_TEXT)
    mutate(data, fault)
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000)
    path = tmp_path / "mutant.yaml"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 1, result.output
    expected, (section, ident, which) = FAULTS[fault]
    lines = [line for line in result.output.splitlines() if expected in line]
    assert lines, result.output
    assert lines[0].startswith(f"{path}:{item_line(text, section, ident, which)}: "), lines[0]


def test_unmutated_copy_passes(tmp_path: Path) -> None:
    text = yaml.safe_dump(load_yaml(DEFAULT_TEXT), sort_keys=False, allow_unicode=True, width=1000)
    path = tmp_path / "copy.yaml"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 0, result.output


def test_monotone_finding_gives_a_counterexample(tmp_path: Path) -> None:
    data = load_yaml(DEFAULT_TEXT)
    mutate(data, "unsure lower than yes")
    path = tmp_path / "mutant.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    output = CliRunner().invoke(main, ["check", str(path)]).output
    example = next(line for line in output.splitlines() if line.strip().startswith("for example:"))
    answers = dict(pair.split("=") for pair in example.split(":", 1)[1].strip().split(", "))
    assert answers["new_severe_pain"] == "yes"
    rules = parse(path.read_text(), filename=str(path), schema=schema())
    before = engine.evaluate(rules, answers).outcome.severity
    after = engine.evaluate(rules, {**answers, "new_severe_pain": "unsure"}).outcome.severity
    assert after < before, "the example really shows the fault"


def test_check_prints_the_summary() -> None:
    result = CliRunner().invoke(main, ["check", str(default_rules_path())])
    assert result.exit_code == 0
    assert (
        "111,323,603,475 combinations checked (info 1, clinician 4,783,022, urgent 698,313,420, "
        "emergency 110,620,507,032) in " in result.output
    )
    assert (
        "OK: complete, monotone towards care, no dead parts, 52 cases pass, no diagnosis"
        in result.output
    )


# --------------------------------------------------------------------------- each dead-part check

SMALL = """\
id: small
version: "1.0"
title: Small
questions:
  - {id: a, text: "A?"}
  - {id: b, text: "B?"}
outcomes:
  - {id: low, severity: 1, title: Low, body: Fine.}
  - {id: mid, severity: 2, title: Mid, body: See.}
  - {id: high, severity: 3, title: High, body: Now.}
rules:
  - {id: ra, when: {question: a, in: [yes, unsure]}, outcome: high, reason: You told us A., source: {section: T}}
  - {id: rb, when: {question: b, in: [yes, unsure]}, outcome: mid, reason: You told us B., source: {section: T}}
cases:
  - {id: none, answers: {}, others: no, outcome: low}
  - {id: a, answers: {a: yes}, others: no, outcome: high}
  - {id: b, answers: {b: yes}, others: no, outcome: mid}
"""


def findings_for(text: str) -> list[str]:
    rules = mini(text)
    return [
        f"{f.line}: [{f.check}] {f.subject}: {f.message}" for f in verify.verify(rules).findings
    ]


def test_small_ruleset_is_clean() -> None:
    assert findings_for(SMALL) == []


def test_rule_in_no_case_is_found() -> None:
    text = SMALL.replace("  - {id: b, answers: {b: yes}, others: no, outcome: mid}\n", "")
    assert findings_for(text) == [
        "13: [cases] rule 'rb': no case has answers where this rule holds"
    ]


def test_unreachable_outcome_is_found() -> None:
    text = SMALL.replace("outcome: mid, reason", "outcome: high, reason").replace(
        "{id: b, answers: {b: yes}, others: no, outcome: mid}",
        "{id: b, answers: {b: yes}, others: no, outcome: high}",
    )
    assert findings_for(text) == [
        "9: [no-dead-parts] outcome 'mid': no combination of answers reaches it"
    ]


def test_rule_that_never_holds_is_found() -> None:
    text = SMALL.replace(
        "{question: b, in: [yes, unsure]}",
        "{all: [{question: b, is: yes}, {question: b, is: no}]}",
    ).replace(
        "{id: b, answers: {b: yes}, others: no, outcome: mid}",
        "{id: b, answers: {b: yes}, others: no, outcome: low}",
    )
    found = findings_for(text)
    assert (
        "13: [no-dead-parts] rule 'rb': its condition never holds for any answers a person can give"
        in found
    )
    assert "9: [no-dead-parts] outcome 'mid': no combination of answers reaches it" in found


def test_question_whose_answer_changes_nothing_is_found() -> None:
    text = (
        SMALL.replace(
            "{question: b, in: [yes, unsure]}",
            "{all: [{question: a, in: [yes, unsure]}, {question: b, in: [yes, no, unsure]}]}",
        )
        .replace("outcome: mid, reason", "outcome: high, reason")
        .replace(
            "{id: b, answers: {b: yes}, others: no, outcome: mid}",
            "{id: b, answers: {a: yes, b: yes}, others: no, outcome: high}",
        )
    )
    found = findings_for(text)
    assert (
        "6: [no-dead-parts] question 'b': its answer never changes which rules hold, so it need not be asked"
        in found
    )


def test_duplicate_rule_is_found() -> None:
    text = SMALL.replace(
        "cases:\n",
        "  - {id: ra_again, when: {any: [{question: a, is: yes}, {question: a, is: unsure}]}, "
        "outcome: high, reason: You told us A again., source: {section: T}}\ncases:\n",
    )
    assert findings_for(text) == [
        "14: [no-dead-parts] rule 'ra_again': holds exactly where rule 'ra' does, with the same outcome; keep one"
    ]


def test_rule_that_never_changes_the_outcome_is_found() -> None:
    """A rule that decides its outcome only where another rule as severe holds too."""
    text = (
        SMALL.replace(
            "cases:\n",
            "  - {id: ra_and_b, when: {all: [{question: a, in: [yes, unsure]}, {question: b, is: yes}]}, "
            "outcome: high, reason: You told us A and B., source: {section: T}}\ncases:\n",
        )
        + "  - {id: ab, answers: {a: yes, b: yes}, outcome: high}\n"
    )
    found = findings_for(text)
    assert len(found) == 1, found
    assert found[0].startswith(
        "14: [no-dead-parts] rule 'ra_and_b': never changes the outcome: wherever it holds, "
        "another rule of the same or higher severity holds too (here 'ra')"
    )
    rules = mini(text)
    assert [f.key for f in verify.verify(rules, exhaustive=True).findings] == [
        f.key for f in verify.verify(rules).findings
    ]


def test_check_exhaustive_uses_the_enumerator(monkeypatch: pytest.MonkeyPatch) -> None:
    """``--exhaustive`` gives the same verdict and counts by enumerating, as an audit."""
    # The 1.1.0 rules are the largest default rules the enumerator can still check.
    previous = default_rules_path().parent / "released" / "prostate-massage-1.1.0.yaml"
    proved = verify.verify(load_ruleset(previous))
    enumerated = verify.verify(load_ruleset(previous), exhaustive=True)
    assert proved.ok and enumerated.ok
    assert (
        (proved.combinations, proved.by_outcome)
        == (
            enumerated.combinations,
            enumerated.by_outcome,
        )
        == (8_680_203, {"info": 1, "clinician": 60_506, "urgent": 8_619_696})
    )
    # The 2.0 rules have 11,483,908,569 answer sets: the audit refuses rather than samples.
    refused = CliRunner().invoke(main, ["check", "--exhaustive", str(default_rules_path())])
    assert refused.exit_code == 1 and "too many to check one by one" in refused.output
    monkeypatch.setattr(oracle, "MAX_CELLS", 1000)
    small = CliRunner().invoke(main, ["check", "--exhaustive", str(previous)])
    assert small.exit_code == 1 and "too many to check one by one" in small.output
