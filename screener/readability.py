"""How easy a ruleset's texts are to read: each sentence's grade, the mean, and hard words.

Every text that :meth:`screener.ruleset.Ruleset.texts` yields is split into
sentences (:func:`sentences`), and each sentence of four words or more is scored
with its language's measure; words from the language's jargon list are flagged
unless they are explained. The limits, the measures and the jargon lists are the
data in :data:`LIMITS`, documented for authors in docs/rules-format.md
("Readability").

Words are listed by textstat and their syllables counted with the pyphen
hyphenation dictionary of the texts' language, which is textstat's own way for
every language but English. For English, textstat 0.7 looks words up in the CMU
pronouncing dictionary, which it downloads through nltk the first time it is
used: a check must not reach the internet (and cannot where Screener is built
and deployed), so English syllables are counted with pyphen too. Each formula is
applied here to one sentence at a time, because textstat counts a sentence at
every full stop ("e.g.", "38.5") when it scores a text. Only textstat's pure
functions are used, never its shared ``textstat`` object whose ``set_lang``
changes the language for every caller: this module keeps no state and can be
used from any thread.

Pure: no Flask, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from functools import cache

from textstat.backend import selections, utils

from screener.ruleset import Ruleset, Text
from screener.verify import Finding

CHECK = "readability"

# What each placeholder stands for while a text is scored.
PLACEHOLDER_VALUES: Mapping[str, str] = {"emergency_number": "999"}

# A sentence shorter than this ("Yes", "Not sure", "Get help now") is not scored:
# the formulas mean nothing on a few words. Its hard words are still flagged.
MIN_WORDS = 4


# --------------------------------------------------------------------------- measures


@dataclass(frozen=True, slots=True)
class Measure:
    """A readability formula, applied to one sentence from its words and syllables."""

    name: str  # "Flesch-Kincaid grade"
    unit: str  # what a score is called in messages: "grade", "reading ease"
    harder_is_higher: bool  # True for a school grade, False for a reading ease
    formula: Callable[[int, int], float]  # (words, syllables) of one sentence -> score
    lowest: float
    highest: float

    def score(self, words: int, syllables: int) -> float:
        """The sentence's score, kept within the scale (a grade below 0 counts as 0)."""
        return min(self.highest, max(self.lowest, self.formula(words, syllables)))


# Flesch-Kincaid grade level, for one sentence: 0.39 x words per sentence
# + 11.8 x syllables per word - 15.59 (the formula textstat uses).
FLESCH_KINCAID = Measure(
    "Flesch-Kincaid grade",
    "grade",
    harder_is_higher=True,
    formula=lambda words, syllables: 0.39 * words + 11.8 * syllables / words - 15.59,
    lowest=0.0,
    highest=float("inf"),
)

# Szigriszt-Pazos perspicuity, for one sentence: 206.835 - 62.3 x syllables per
# word - words per sentence. Read on the INFLESZ scale (Barrio-Cantalejo et al.,
# 2008), which was validated on health texts written for patients in Spanish:
# under 40 very hard, 40-55 somewhat hard, 55-65 normal, 65-80 fairly easy,
# over 80 very easy.
SZIGRISZT_PAZOS = Measure(
    "Szigriszt-Pazos reading ease (INFLESZ)",
    "reading ease",
    harder_is_higher=False,
    formula=lambda words, syllables: 206.835 - 62.3 * syllables / words - words,
    lowest=0.0,
    highest=100.0,
)


# --------------------------------------------------------------------------- limits


@dataclass(frozen=True, slots=True)
class Limits:
    """How hard one language's texts may be, and which words its readers need explained."""

    language: str  # a language code without region: "en", "es"
    measure: Measure
    sentence: float  # what any one sentence may score at worst
    mean: float  # what the mean over all scored sentences may be at worst
    enforced: bool  # False: reported by screener check, never a finding that fails it
    jargon: tuple[str, ...]  # hard words, singular; plurals in -s, -es, -ies match too
    hyphenation: str  # pyphen dictionary used when the ruleset's own locale has none

    def too_hard(self, score: float, limit: float) -> bool:
        """Whether a score (rounded to one decimal place, as printed) is past ``limit``."""
        shown = round(score, 1)
        return shown > limit if self.measure.harder_is_higher else shown < limit


# Words a reader with a reading age of 11 may not know. "prostate" and "prostate
# massage" are the subject of the questionnaire and allowed.
ENGLISH_JARGON = (
    "clinician",
    "promptly",
    "acute",
    "chronic",
    "perineum",
    "perineal",
    "perianal",
    "anus",
    "anal",
    "rectum",
    "rectal",
    "fistula",
    "fissure",
    "haemorrhoid",
    "hemorrhoid",
    "abscess",
    "pelvis",
    "pelvic",
    "urinary",
    "urinate",
    "urination",
    "catheter",
    "haematuria",
    "hematuria",
    "prostatitis",
    "prostatectomy",
    "inflammation",
    "urology",
    "urological",
    "urologist",
    "biopsy",
    "radiotherapy",
    "chemotherapy",
    "anticoagulant",
    "antiplatelet",
    "sepsis",
    "septic",
    "immunosuppressed",
    "immunocompromised",
    "contraindication",
    "contraindicated",
)

SPANISH_JARGON = (
    "perineo",
    "perineal",
    "recto",
    "rectal",
    "fístula",
    "fisura",
    "hemorroide",
    "absceso",
    "urinario",
    "urinaria",
    "micción",
    "sonda",
    "prostatitis",
    "prostatectomía",
    "urología",
    "urológico",
    "urológica",
    "biopsia",
    "radioterapia",
    "quimioterapia",
    "anticoagulante",
    "antiagregante",
    "sepsis",
    "séptico",
    "séptica",
    "contraindicación",
    "contraindicado",
)

LIMITS: Mapping[str, Limits] = {
    "en": Limits(
        "en",
        FLESCH_KINCAID,
        sentence=8,
        mean=6,
        enforced=True,
        jargon=ENGLISH_JARGON,
        hyphenation="en_GB",
    ),
    "es": Limits(
        "es",
        SZIGRISZT_PAZOS,
        sentence=55,  # "normal" on the INFLESZ scale, near US grade 8
        mean=65,  # "fairly easy", the end of primary school, near US grade 6
        enforced=False,
        jargon=SPANISH_JARGON,
        hyphenation="es",
    ),
}


def limits_for(language: str) -> Limits | None:
    """The limits for a locale such as ``en_GB`` or ``es-MX``; None when it has none."""
    return LIMITS.get(re.split(r"[_-]", language, maxsplit=1)[0].lower())


# --------------------------------------------------------------------------- sentences

# A full stop after these is not the end of a sentence (compared without the stop,
# lower case). Numbers such as 38.5 never end one: no space follows their stop.
ABBREVIATIONS = frozenset(
    {"e.g", "eg", "i.e", "ie", "etc", "approx", "incl", "vs", "dr", "mr", "mrs", "ms"}
    | {"a.m", "p.m", "p", "ej", "dra", "sr", "sra", "aprox"}
)
_PARAGRAPHS = re.compile(r"\n\s*\n")
# An end of sentence: . ! ? or …, any closing quotes or brackets, then a space.
_END = re.compile(r"([.!?\u2026]+)[\"'\u201d\u2019)\]]*\s+")
_LAST_WORD = re.compile(r"[\w.]+$")


def sentences(text: str) -> list[str]:
    """The sentences of a text: it breaks at blank lines, and after . ! ? or … with a space
    and then anything but a lower-case letter, unless the stop ends an abbreviation such
    as "e.g." or "etc."."""
    found: list[str] = []
    for paragraph in _PARAGRAPHS.split(text):
        flat = " ".join(paragraph.split())
        start = 0
        for end in _END.finditer(flat):
            following = flat[end.end() : end.end() + 1]
            abbreviation = end.group(1) == "." and _ends_abbreviation(flat[start : end.start()])
            if following and not following.islower() and not abbreviation:
                found.append(flat[start : end.end()].strip())
                start = end.end()
        if flat[start:].strip():
            found.append(flat[start:].strip())
    return found


def _ends_abbreviation(before: str) -> bool:
    """Whether the text before a full stop ends with an abbreviation such as "e.g"."""
    word = _LAST_WORD.search(before)
    return word is not None and word.group(0).lower().rstrip(".") in ABBREVIATIONS


def fill(text: str) -> str:
    """The text with each placeholder replaced by the value it is scored with."""
    for name, value in PLACEHOLDER_VALUES.items():
        text = text.replace("{" + name + "}", value)
    return text


def counts(sentence: str, hyphenation: str) -> tuple[int, int]:
    """The words of a sentence (as textstat lists them) and their syllables (by pyphen)."""
    words: list[str] = selections.list_words(sentence, lowercase=True)
    hyphenator = utils.get_pyphen(hyphenation)
    syllables = sum(len(hyphenator.positions(word)) + 1 for word in words)
    return len(words), syllables


# --------------------------------------------------------------------------- the result


@dataclass(frozen=True, slots=True)
class Sentence:
    """One scored sentence, and the text it comes from."""

    text: str
    source: Text
    words: int
    score: float


@dataclass(frozen=True)
class Readability:
    """What measuring a ruleset's texts in one language found.

    ``findings`` fail ``screener check`` only when ``limits.enforced``; otherwise they
    are reported. ``untranslated`` counts the texts a translation leaves in the
    original language, which are not measured.
    """

    limits: Limits
    sentences: tuple[Sentence, ...]
    findings: tuple[Finding, ...]
    untranslated: int = 0

    @property
    def mean(self) -> float | None:
        """The mean score over all scored sentences; None when none was scored."""
        if not self.sentences:
            return None
        return sum(s.score for s in self.sentences) / len(self.sentences)

    @property
    def hardest(self) -> Sentence | None:
        """The hardest scored sentence (the first of equals); None when none was scored."""
        sign = 1 if self.limits.measure.harder_is_higher else -1
        return max(self.sentences, key=lambda s: sign * s.score, default=None)

    @property
    def failures(self) -> tuple[Finding, ...]:
        """The findings that fail ``screener check``: all of them when enforced, else none."""
        return self.findings if self.limits.enforced else ()


def measure(ruleset: Ruleset, language: str | None = None) -> Readability | None:
    """Score every text of the ruleset in ``language`` (default: the ruleset's own);
    None when no limits are set for that language."""
    code = language or ruleset.language
    limits = limits_for(code)
    if limits is None:
        return None
    return _measure(ruleset, list(ruleset.texts()), limits, _hyphenation(code, limits))


def measure_translation(
    ruleset: Ruleset,
    language: str,
    translate: Callable[[str], str],
    missing: Collection[str] | None = None,
) -> Readability | None:
    """Score the ruleset's texts as ``translate`` gives them in ``language``, leaving out
    the texts it does not translate (those in ``missing``, or, without it, those given
    back unchanged; but "No" is Spanish too); None when no limits are set for it."""
    limits = limits_for(language)
    if limits is None:
        return None
    translated = ruleset.translated(language, translate)
    pairs = list(zip(ruleset.texts(), translated.texts(), strict=True))
    if missing is not None:
        texts = [new for old, new in pairs if old.text not in missing]
    else:
        texts = [new for old, new in pairs if new.text != old.text]
    result = _measure(translated, texts, limits, _hyphenation(language, limits))
    return Readability(result.limits, result.sentences, result.findings, len(pairs) - len(texts))


def _hyphenation(code: str, limits: Limits) -> str:
    """The pyphen dictionary for a locale: its own (or its language's) when pyphen has
    one, else the limits' default."""
    try:
        utils.get_pyphen(code)
    except KeyError:
        return limits.hyphenation
    return code


def _measure(
    ruleset: Ruleset, texts: Iterable[Text], limits: Limits, hyphenation: str
) -> Readability:
    """Score the sentences of ``texts`` and flag what is past the limits."""
    scored: list[Sentence] = []
    findings: list[Finding] = []
    for text in texts:
        filled = fill(text.text)
        for n, sentence in enumerate(sentences(filled), 1):
            words, syllables = counts(sentence, hyphenation)
            if words < MIN_WORDS:
                continue
            score = limits.measure.score(words, syllables)
            scored.append(Sentence(sentence, text, words, score))
            if limits.too_hard(score, limits.sentence):
                message = _sentence_message(limits, score, sentence)
                findings.append(Finding(CHECK, text.line, text.role, message, kind=f"sentence {n}"))
        findings += _jargon_findings(ruleset, text, filled, limits)
    result = Readability(limits, tuple(scored), ())
    mean = result.mean
    if mean is not None and limits.too_hard(mean, limits.mean):
        message = _mean_message(limits, mean, len(scored))
        findings.append(Finding(CHECK, 1, f"ruleset {ruleset.id!r}", message, kind="mean"))
    return Readability(limits, tuple(scored), tuple(findings))


def _sentence_message(limits: Limits, score: float, sentence: str) -> str:
    """What a finding says about a sentence that is too hard."""
    m = limits.measure
    if m.harder_is_higher:
        return f"sentence is {m.unit} {score:.1f} (limit {limits.sentence:g}): {_quote(sentence)}"
    return (
        f"sentence has {m.unit} {score:.1f} (target {limits.sentence:g} or more): "
        f"{_quote(sentence)}"
    )


def _mean_message(limits: Limits, mean: float, count: int) -> str:
    """What a finding says about a mean that is too hard."""
    m = limits.measure
    bound = f"limit {limits.mean:g}" if m.harder_is_higher else f"target {limits.mean:g} or more"
    return f"mean {m.unit} {mean:.1f} over {count} sentences ({bound})"


def _quote(sentence: str) -> str:
    """The sentence in double quotes, cut to 80 characters."""
    shown = sentence if len(sentence) <= 80 else sentence[:77].rstrip() + "\u2026"
    return f'"{shown}"'


# --------------------------------------------------------------------------- hard words


@cache
def _word_pattern(word: str) -> re.Pattern[str]:
    """The word and its regular plurals, as a whole word in any case."""
    forms = {word, word + "s", word + "es"}
    if word.endswith("y"):
        forms.add(word[:-1] + "ies")
    alternatives = "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True))
    return re.compile(rf"\b(?:{alternatives})\b", re.IGNORECASE)


def _explained_in_brackets(text: str, start: int, end: int) -> bool:
    """Whether a bracket explains the word ("rectum (back passage)") or the word names
    the plain words before it ("a tear (fissure)")."""
    return text[end:].lstrip().startswith("(") or (
        text[start - 1 : start] == "(" and text[end : end + 1] == ")"
    )


# How a hint says what a word is, in the languages with limits: "A fistula is ...".
_DEFINES = re.compile(r"(is|are|means|mean|es|son|significa|quiere decir)\b", re.IGNORECASE)


def _explains(hint: str, pattern: re.Pattern[str]) -> bool:
    """Whether the hint explains the word, not just uses it: "A fistula is ...",
    "... means ...", or a bracket beside it."""
    for m in pattern.finditer(hint):
        after = hint[m.end() :].lstrip()
        if _DEFINES.match(after):
            return True
        if _explained_in_brackets(hint, *m.span()):
            return True
    return False


def _jargon_findings(ruleset: Ruleset, text: Text, filled: str, limits: Limits) -> list[Finding]:
    """A finding for each hard word in the text that neither its question's hint nor a
    bracket explains, once per word, in the order they appear. A hint that merely uses
    the word does not explain it: it must say what the word is or means."""
    question = ruleset.question_by_id.get(text.question) if text.question else None
    hint = fill(question.hint) if question is not None and question.hint else ""
    how = (
        'say what it means in the question\'s hint ("A biopsy is ...", or in brackets), '
        "or use a plainer one"
        if question is not None
        else "use a plainer one, or explain it in brackets after it"
    )
    found: list[tuple[int, str, str]] = []
    for word in limits.jargon:
        pattern = _word_pattern(word)
        if hint and _explains(hint, pattern):
            continue
        unexplained = (
            m for m in pattern.finditer(filled) if not _explained_in_brackets(filled, *m.span())
        )
        first = next(unexplained, None)
        if first is not None:
            found.append((first.start(), word, first.group(0)))
    return [
        Finding(
            CHECK,
            text.line,
            text.role,
            f'"{as_written}" is a hard word; {how}',
            kind=f"word {word}",
        )
        for _, word, as_written in sorted(found)
    ]


# --------------------------------------------------------------------------- summary


def summary(result: Readability) -> str:
    """One line for ``screener check``: the mean and the hardest sentence and, when the
    limits are only reported, the targets and how many sentences and words miss them."""
    limits, m = result.limits, result.limits.measure
    head = f"readability ({limits.language}{'' if limits.enforced else ', reported'})"
    mean, hardest = result.mean, result.hardest
    if mean is None or hardest is None:
        text = f"{head}: no sentence of {MIN_WORDS} words or more to score"
    elif limits.enforced:
        text = (
            f"{head}: mean {m.unit} {mean:.1f} over {len(result.sentences)} sentences, "
            f"hardest {hardest.score:.1f} ({hardest.source.role})"
        )
    else:
        bound = "or less" if m.harder_is_higher else "or more"
        past = sum(1 for s in result.sentences if limits.too_hard(s.score, limits.sentence))
        words = sum(1 for f in result.findings if f.kind.startswith("word "))
        text = (
            f"{head}: mean {m.unit} {mean:.1f} over {len(result.sentences)} sentences "
            f"(target {limits.mean:g} {bound}), hardest {hardest.score:.1f} "
            f"({hardest.source.role}); {past} sentences miss the target of "
            f"{limits.sentence:g} {bound}, {words} hard words"
        )
    if result.untranslated:
        text += f"; {result.untranslated} texts not translated"
    return text
