"""Readability: sentence grades, the mean, hard words, Spanish reported, and screener check."""

from __future__ import annotations

import json
from collections.abc import Callable, Collection
from pathlib import Path

import nltk
import pytest
from click.testing import CliRunner
from textstat.backend import metrics

from screener import readability
from screener.cli import main
from screener.readability import (
    FLESCH_KINCAID,
    LIMITS,
    SZIGRISZT_PAZOS,
    Readability,
    counts,
    fill,
    limits_for,
    measure,
    measure_translation,
    sentences,
    summary,
)
from screener.resources import load_ruleset
from screener.ruleset import Ruleset

EASY = "You told us you have a fever and pain in your back."
HARD = (
    "Understanding the complicated instructions requires considerable concentration "
    "and patience from everybody involved."
)
GRADE_7 = (
    "You told us that you have noticed some blood on your toilet paper after using "
    "the toilet recently."
)


def rules(
    *,
    question: str = "Fever now?",
    hint: str | None = None,
    reason: str = EASY,
    body: str = "Go now.",
    language: str | None = None,
) -> str:
    """A small valid rules file whose texts are the ones given (JSON strings are YAML)."""
    q = json.dumps
    return "\n".join(
        [
            "id: small",
            'version: "1.0"',
            *([f"language: {language}"] if language else []),
            "title: Small screening",
            "questions:",
            "  - id: a",
            f"    text: {q(question)}",
            *([f"    hint: {q(hint)}"] if hint is not None else []),
            "outcomes:",
            f"  - {{id: high, severity: 2, title: High, body: {q(body)}}}",
            "  - {id: low, severity: 1, title: Low, body: Fine.}",
            "rules:",
            "  - id: r1",
            "    when: {question: a, in: [yes, unsure]}",
            "    outcome: high",
            f"    reason: {q(reason)}",
            "    source: {section: Test}",
            "cases:",
            "  - {id: none, answers: {a: no}, outcome: low}",
            "  - {id: a, answers: {a: yes}, outcome: high}",
            "",
        ]
    )


@pytest.fixture
def load(rules_file: Callable[[str], Path]) -> Callable[..., Ruleset]:
    """Load a small ruleset built by :func:`rules` from keyword arguments."""

    def build(**texts: str) -> Ruleset:
        return load_ruleset(rules_file(rules(**texts)))

    return build


def english(ruleset: Ruleset) -> Readability:
    result = measure(ruleset)
    assert result is not None
    return result


def grade(sentence: str) -> float:
    return FLESCH_KINCAID.score(*counts(sentence, "en_GB"))


def messages(result: Readability) -> list[str]:
    return [f"{f.subject}: {f.message}" for f in result.findings]


# --------------------------------------------------------------------------- grades


def test_hard_sentence_fails(load: Callable[..., Ruleset]) -> None:
    result = english(load(reason=HARD))
    assert grade(HARD) > 8
    assert messages(result) == [
        f'r1: reason: sentence is grade {grade(HARD):.1f} (limit 8): "{HARD[:77].rstrip()}\u2026"',
        f"ruleset 'small': mean grade {grade(HARD):.1f} over 1 sentences (limit 6)",
    ]
    assert [f.check for f in result.findings] == ["readability", "readability"]
    assert result.findings[0].line == 11  # the rule's line, as other checks give it
    assert result.failures == result.findings


def test_easy_sentence_passes(load: Callable[..., Ruleset]) -> None:
    result = english(load(reason=EASY))
    assert [(s.text, s.source.role) for s in result.sentences] == [(EASY, "r1: reason")]
    assert result.mean == pytest.approx(grade(EASY)) and grade(EASY) <= 6
    assert result.findings == ()


def test_mean_fails_when_every_sentence_is_grade_7(load: Callable[..., Ruleset]) -> None:
    assert 6 < grade(GRADE_7) <= 8
    result = english(load(reason=f"{GRADE_7} {GRADE_7}", body=GRADE_7))
    assert len(result.sentences) == 3
    assert messages(result) == [
        f"ruleset 'small': mean grade {grade(GRADE_7):.1f} over 3 sentences (limit 6)"
    ]


def test_the_mean_is_over_sentences_and_an_easy_one_can_bring_it_down(
    load: Callable[..., Ruleset],
) -> None:
    result = english(load(reason=f"{GRADE_7} {EASY} {EASY}"))
    assert result.mean == pytest.approx((grade(GRADE_7) + 2 * grade(EASY)) / 3)
    assert result.mean is not None and result.mean <= 6
    assert result.findings == ()


def test_limits_compare_the_score_as_printed() -> None:
    en, es = LIMITS["en"], LIMITS["es"]
    assert not en.too_hard(8.04, 8) and en.too_hard(8.06, 8)
    assert not es.too_hard(54.96, 55) and es.too_hard(54.9, 55)


def test_grades_below_zero_count_as_zero() -> None:
    assert FLESCH_KINCAID.formula(*counts("Do you feel ill now?", "en_GB")) < 0
    assert grade("Do you feel ill now?") == 0


@pytest.mark.parametrize(
    "sentence",
    [
        "You told us you have a fever and pain in your back",
        "Please talk to your doctor before trying anything that could make the bleeding worse",
    ],
)
def test_formulas_are_textstats(sentence: str) -> None:
    # The same words and syllables as textstat counts with a pyphen dictionary, and one
    # sentence, which is what textstat sees in a text without a full stop.
    words, syllables = counts(sentence, "es")
    assert FLESCH_KINCAID.formula(words, syllables) == pytest.approx(
        metrics.flesch_kincaid_grade(sentence, "es")
    )
    assert SZIGRISZT_PAZOS.formula(words, syllables) == pytest.approx(
        metrics.szigriszt_pazos(sentence, "es"), abs=0.01
    )


def test_english_needs_no_download(
    load: Callable[..., Ruleset], monkeypatch: pytest.MonkeyPatch
) -> None:
    # textstat's own English syllable count looks words up in a dictionary that nltk
    # downloads on first use; a check must never reach the internet.
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("readability tried to use nltk's data")

    monkeypatch.setattr(nltk, "download", refuse)
    monkeypatch.setattr(nltk.data, "find", refuse)
    assert english(load(reason=HARD)).sentences[0].score == pytest.approx(grade(HARD))


# --------------------------------------------------------------------------- sentences


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Go now. Then rest.", ["Go now.", "Then rest."]),
        (
            "Is it red? Is it sore! Call us\u2026 Then rest.",
            ["Is it red?", "Is it sore!", "Call us\u2026", "Then rest."],
        ),
        (
            "For example a temperature of 38°C (100.4°F) or higher. Or shaking.",
            ["For example a temperature of 38°C (100.4°F) or higher.", "Or shaking."],
        ),
        ("A fever of 38.5 or more. Then rest.", ["A fever of 38.5 or more.", "Then rest."]),
        (
            "Blood thinners, e.g. Warfarin or aspirin. Then rest.",
            ["Blood thinners, e.g. Warfarin or aspirin.", "Then rest."],
        ),
        ("Pain, swelling etc. Then rest.", ["Pain, swelling etc. Then rest."]),
        ("Not now. and later", ["Not now. and later"]),
        ('He said "Stop." Then rest.', ['He said "Stop."', "Then rest."]),
        ("(Not now.) Then rest.", ["(Not now.)", "Then rest."]),
        ("One line\nwrapped. Two\n\nA paragraph", ["One line wrapped.", "Two", "A paragraph"]),
        ("¿Tiene fiebre? Llame hoy.", ["¿Tiene fiebre?", "Llame hoy."]),
        ("Not sure", ["Not sure"]),
        ("", []),
    ],
)
def test_sentences(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


def test_placeholder_is_scored_as_999(load: Callable[..., Ruleset]) -> None:
    text = "If you feel very unwell, call {emergency_number} now."
    assert fill(text) == "If you feel very unwell, call 999 now."
    result = english(load(body=text))
    [scored] = [s for s in result.sentences if s.source.role == "high: outcome text"]
    assert scored.text == "If you feel very unwell, call 999 now."
    assert scored.score == pytest.approx(grade("If you feel very unwell, call 999 now."))
    assert scored.score < grade("If you feel very unwell, call emergency_number now.")


def test_short_labels_are_not_scored(load: Callable[..., Ruleset]) -> None:
    result = english(load(question="Do you have a fever?"))
    roles = {s.source.role for s in result.sentences}
    assert "a: question" in roles  # five words: scored
    assert not any("answer" in role for role in roles)  # "Yes", "No", "Not sure"
    assert "high: outcome title" not in roles  # "High"
    assert "a: question" not in {
        s.source.role for s in english(load(question="Fever now?")).sentences
    }


def test_hard_words_in_short_texts_are_still_flagged(load: Callable[..., Ruleset]) -> None:
    result = english(load(body="Sepsis."))
    assert messages(result) == [
        'high: outcome text: "Sepsis" is a hard word; use a plainer one, or explain it in '
        "brackets after it"
    ]


# --------------------------------------------------------------------------- hard words


def test_hard_word_in_a_reason_is_flagged(load: Callable[..., Ruleset]) -> None:
    result = english(load(reason="You told us you have a fistula near your bottom."))
    assert messages(result) == [
        'r1: reason: "fistula" is a hard word; use a plainer one, or explain it in brackets '
        "after it"
    ]
    assert result.findings[0].kind == "word fistula"


def test_hard_word_in_a_question_without_a_hint_says_to_use_the_hint(
    load: Callable[..., Ruleset],
) -> None:
    result = english(load(question="Do you have a fistula near your bottom?"))
    assert messages(result) == [
        'a: question: "fistula" is a hard word; say what it means in the question\'s hint '
        '("A biopsy is ...", or in brackets), or use a plainer one'
    ]


def test_hard_word_is_allowed_in_a_question_whose_hint_explains_it(
    load: Callable[..., Ruleset],
) -> None:
    result = english(
        load(
            question="Do you have a fistula near your bottom?",
            hint="A fistula is a small tunnel between your bowel and the skin near your bottom.",
            reason="You told us you have a fistula near your bottom.",
        )
    )
    # The hint explains the word for its question, not for a rule's reason elsewhere.
    assert [f.subject for f in result.findings] == ["r1: reason"]


def test_a_hint_that_does_not_name_the_word_does_not_explain_it(
    load: Callable[..., Ruleset],
) -> None:
    result = english(load(question="Do you have a fistula?", hint="For example near your bottom."))
    assert [f.subject for f in result.findings] == ["a: question"]


@pytest.mark.parametrize(
    ("reason", "flagged"),
    [
        ("You told us you have pain in your rectum (back passage).", []),
        ("You told us you have pain in your rectum(back passage).", []),
        ("You told us you have a tear (fissure) near your bottom.", []),
        ("You told us you have a tear (a fissure) near your bottom.", ["fissure"]),
        ("You told us you have pain in your rectum.", ["rectum"]),
        ("You told us you have haemorrhoids.", ["haemorrhoid"]),
        ("You told us you had two biopsies.", ["biopsy"]),
        ("You told us you saw your CLINICIANS.", ["clinician"]),
        (
            "You told us you have analysed the pelvic bones and the rectal area.",
            ["pelvic", "rectal"],
        ),
        ("You told us you have had prostate massage before.", []),
    ],
)
def test_hard_words_whole_words_plurals_and_brackets(
    load: Callable[..., Ruleset], reason: str, flagged: list[str]
) -> None:
    found = [f.kind.removeprefix("word ") for f in english(load(reason=reason)).findings]
    assert found == flagged


# --------------------------------------------------------------------------- languages


def test_limits_by_language(load: Callable[..., Ruleset]) -> None:
    assert limits_for("en_GB") is limits_for("en-US") is limits_for("en") is LIMITS["en"]
    assert limits_for("es_MX") is LIMITS["es"]
    assert limits_for("de") is None
    assert measure(load(language="de")) is None
    assert LIMITS["en"].enforced and not LIMITS["es"].enforced


SPANISH = {
    "Fever now?": "¿Tiene fiebre ahora mismo?",
    EASY: "Nos dijo que tiene fiebre y dolor en la espalda.",
    "Go now.": (
        "La administración concomitante de medicamentos anticoagulantes incrementa "
        "considerablemente la probabilidad de complicaciones hemorrágicas postoperatorias."
    ),
}


def test_spanish_is_reported_and_never_fails(load: Callable[..., Ruleset]) -> None:
    result = measure_translation(load(), "es", lambda text: SPANISH.get(text, text))
    assert result is not None
    assert result.limits is LIMITS["es"]
    assert len(result.sentences) == 3
    assert result.untranslated == 7  # the title, the three answers, three outcome texts
    kinds = [f.kind for f in result.findings]
    assert kinds == ["sentence 1", "word anticoagulante", "mean"]
    assert "reading ease 0.0 (target 55 or more)" in result.findings[0].message
    assert result.failures == ()
    line = summary(result)
    assert line.startswith("readability (es, reported): mean reading ease ")
    assert "(target 65 or more)" in line
    assert "1 sentences miss the target of 55 or more, 1 hard words" in line
    assert line.endswith("; 7 texts not translated")


def test_a_translation_the_same_as_the_original_counts_as_translated(
    load: Callable[..., Ruleset],
) -> None:
    """Spanish for "No" is "No": the catalog, not the text, says what is translated."""
    ruleset = load()
    same = measure_translation(ruleset, "es", lambda text: SPANISH.get(text, text))
    missing = {t.text for t in ruleset.texts() if t.text not in SPANISH and t.text != "No"}
    known = measure_translation(ruleset, "es", lambda text: SPANISH.get(text, text), missing)
    assert same is not None and known is not None
    assert known.untranslated == same.untranslated - sum(
        1 for t in ruleset.texts() if t.text == "No"
    )
    assert known.untranslated < same.untranslated


def test_a_hint_that_only_uses_a_hard_word_does_not_explain_it(
    load: Callable[..., Ruleset],
) -> None:
    """The hint must say what the word is; using it again explains nothing."""
    used = english(load(question="Have you had a biopsy?", hint="Count any biopsy."))
    assert [f.kind for f in used.findings] == ["word biopsy", "word biopsy"]
    for explained in ("A biopsy is a small test.", "Count a biopsy (a small test)."):
        result = english(load(question="Have you had a biopsy?", hint=explained))
        assert result.findings == (), explained


def test_spanish_hard_words_are_explained_by_the_translated_hint(
    load: Callable[..., Ruleset],
) -> None:
    texts = {
        "Do you have a fistula?": "¿Tiene una fístula?",
        "It is a small tunnel.": "Una fístula es un pequeño túnel.",
    }
    ruleset = load(question="Do you have a fistula?", hint="It is a small tunnel.")
    result = measure_translation(ruleset, "es", lambda text: texts.get(text, text))
    assert result is not None and result.findings == ()
    texts["It is a small tunnel."] = "Es un pequeño túnel."
    result = measure_translation(ruleset, "es", lambda text: texts.get(text, text))
    assert result is not None and [f.kind for f in result.findings] == ["word fístula"]


def test_summary_in_english(load: Callable[..., Ruleset]) -> None:
    result = english(load(reason=f"{EASY} {GRADE_7}"))
    assert summary(result) == (
        f"readability (en): mean grade {(grade(EASY) + grade(GRADE_7)) / 2:.1f} over 2 "
        f"sentences, hardest {grade(GRADE_7):.1f} (r1: reason)"
    )
    nothing = english(load(question="Fever?", reason="You told us."))
    assert summary(nothing) == "readability (en): no sentence of 4 words or more to score"


# --------------------------------------------------------------------------- screener check


def test_check_exits_1_on_a_hard_sentence(
    rules_file: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SCREENER_TRANSLATIONS", raising=False)
    path = rules_file(rules(reason=HARD))
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert (
        f"{path}:11: [readability] r1: reason: sentence is grade {grade(HARD):.1f} (limit 8): "
        f'"{HARD[:77].rstrip()}\u2026"' in lines
    )
    assert (
        f"  readability (en): mean grade {grade(HARD):.1f} over 1 sentences, hardest "
        f"{grade(HARD):.1f} (r1: reason)" in lines
    )
    assert f"{path}: 2 findings" in lines


def test_check_passes_readable_rules(
    rules_file: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SCREENER_TRANSLATIONS", raising=False)
    result = CliRunner().invoke(main, ["check", str(rules_file(rules()))])
    assert result.exit_code == 0, result.output
    assert "  readability (en): mean grade " in result.output
    assert "[readability]" not in result.output


def test_check_reports_spanish_without_failing(
    rules_file: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Spanish is reported from the catalogs; a hard Spanish text never fails the check.
    hard = SPANISH["Go now."]
    monkeypatch.setattr(
        readability, "measure_translation", _translating(readability.measure_translation, hard)
    )
    monkeypatch.delenv("SCREENER_TRANSLATIONS", raising=False)
    result = CliRunner().invoke(main, ["check", str(rules_file(rules()))])
    assert result.exit_code == 0, result.output
    assert "  readability (es, reported): mean reading ease " in result.output
    assert "1 sentences miss the target of 55 or more" in result.output


def _translating(
    real: Callable[..., Readability | None], hard: str
) -> Callable[..., Readability | None]:
    """measure_translation with a catalog that translates the body "Go now." as ``hard``."""

    def fake(
        ruleset: Ruleset,
        language: str,
        translate: Callable[[str], str],
        missing: Collection[str] | None = None,
    ) -> Readability | None:
        def faked(text: str) -> str:
            return hard if text == "Go now." else translate(text)

        return real(ruleset, language, faked, None)

    return fake


def test_the_rules_format_lists_every_hard_word() -> None:
    docs = (Path(__file__).parent.parent / "docs" / "rules-format.md").read_text(encoding="utf-8")
    section = docs[docs.index("### Readability") :]
    section = section[: section.index("\n### ")]
    listed = {
        language: set(
            section.split(f"* {label}: ")[1].split(".\n")[0].replace("\n ", "").split(", ")
        )
        for language, label in (("en", "English"), ("es", "Spanish (reported)"))
    }
    assert listed == {code: set(limits.jargon) for code, limits in LIMITS.items()}
