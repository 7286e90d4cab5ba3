"""The default ruleset's own cases, its coverage, and where its rules come from."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from screener import engine
from screener.resources import default_rules_path, load_ruleset

RULESET = load_ruleset(default_rules_path())
ARTICLE = (
    Path(__file__).resolve().parents[2] / "shared" / "reference" / "prostate-massage-article.txt"
)

PUBLIC_QUESTION_IDS = {
    "fever",
    "severe_pain",
    "cannot_urinate",
    "infection_now",
    "acute_prostatitis",
    "chronic_prostatitis",
    "prostate_cancer",
    "rectal_bleeding",
    "blood_urine_semen",
    "recent_procedure",
    "anal_condition",
    "bleeding_risk",
    "weak_immunity",
}


@pytest.mark.parametrize("case", RULESET.cases, ids=lambda c: c.id)
def test_case(case: object) -> None:
    assert engine.case_failures(RULESET, case) == []  # type: ignore[arg-type]


def test_public_question_ids_are_present_and_top_level() -> None:
    by_id = RULESET.question_by_id
    assert set(by_id) >= PUBLIC_QUESTION_IDS
    assert all(by_id[q].when is None for q in PUBLIC_QUESTION_IDS)


def test_outcomes_are_the_contract() -> None:
    assert [(o.id, o.severity) for o in RULESET.outcomes] == [
        ("urgent", 3),
        ("clinician", 2),
        ("info", 1),
    ]


def test_red_flags_come_first() -> None:
    """Questions whose answer alone can lead to 'urgent', and the questions that lead to
    them, are asked before every other question."""
    red_flags = {
        qid
        for rule in RULESET.rules
        if rule.outcome == "urgent" and len(rule.when.questions()) == 1
        for qid in rule.when.questions()
    }
    for q in reversed(RULESET.questions):
        if q.id in red_flags and q.when is not None:
            red_flags |= q.when.questions()
    order = [q.id for q in RULESET.questions]
    assert red_flags >= {"severe_pain", "cannot_urinate", "fever", "rectal_bleeding"}
    last_red_flag = max(order.index(q) for q in red_flags)
    first_other = min(order.index(q) for q in order if q not in red_flags)
    assert last_red_flag < first_other, order


def test_all_no_case_exists() -> None:
    assert any(c.others == "no" and not c.answers and c.outcome == "info" for c in RULESET.cases)


def test_every_rule_fires_in_some_case_where_it_decides() -> None:
    """Each rule holds in at least one case whose outcome is that rule's outcome."""
    decided = set()
    for case in RULESET.cases:
        result = engine.evaluate(RULESET, engine.case_answers(RULESET, case))
        decided |= {r.rule for r in result.reasons if r.outcome == result.outcome.id}
    assert {r.id for r in RULESET.rules} - decided == set()


def test_every_rule_cites_its_source_section() -> None:
    sections = {
        "Safety Considerations",
        "Possible Side Effects",
        "Prostate Massage and Medical Conditions",
        "How to Prepare for Prostate Massage",
    }
    for rule in RULESET.rules:
        assert rule.source.section in sections, rule.id
        assert rule.source.quote, rule.id


@pytest.mark.skipif(
    not ARTICLE.exists() and not os.environ.get("CI"),
    reason="the reference article is kept beside the repository, in ../shared",
)
def test_quotes_appear_in_the_reference_article() -> None:
    article = ARTICLE.read_text(encoding="utf-8")
    for rule in RULESET.rules:
        assert rule.source.section in article, rule.id
        assert rule.source.quote in article, rule.id


def test_reasons_echo_the_person_and_never_diagnose() -> None:
    for rule in RULESET.rules:
        assert rule.reason.startswith("You told us "), rule.id
    texts = [o.title + " " + o.body + " " + " ".join(o.next_steps) for o in RULESET.outcomes]
    for text in texts:
        lowered = text.lower()
        for phrase in (
            "you may have",
            "you might have",
            "is a sign of",
            "suffering",
            "this means you",
        ):
            assert phrase not in lowered, (phrase, text)


def test_changelog_has_an_entry_for_this_exact_file() -> None:
    """A rules file cannot change without a changelog entry naming its new sha256."""
    changelog = (default_rules_path().parent / "CHANGELOG.md").read_text(encoding="utf-8")
    section = changelog.split(f"## {default_rules_path().name}", 1)[1]
    entry = section.split(f"### {RULESET.version} (", 1)
    assert len(entry) == 2, f"no entry for version {RULESET.version}"
    this_entry = entry[1].split("\n### ", 1)[0]
    assert f"sha256: `{RULESET.sha256}`" in this_entry, "update the sha256 in rules/CHANGELOG.md"
    assert changelog.count(f"### {RULESET.version} (") == 1
