"""The review report: what a clinical safety officer reads and signs off, as HTML or Markdown."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

import jinja2
from babel import Locale, UnknownLocaleError
from babel.messages.pofile import read_po
from babel.support import Translations
from markupsafe import Markup, escape

from screener import engine
from screener.approvals import APPROVED, CHANGED, DRAFT, IN_REVIEW, NOT_RECORDED
from screener.catalogs import (
    catalog_directories,
    fingerprint,
    found_codes,
    interface_messages,
    load_catalog,
    needed_messages,
    review_standing,
)
from screener.diff import Diff
from screener.resources import data_dir, default_rules_path
from screener.ruleset import AllOf, AnswerIn, AnyOf, Condition, Not, Ruleset
from screener.verify import Verification, summary

FORMATS = ("html", "md")


def question_name(ruleset: Ruleset, qid: str) -> str:
    """A question's id in words: ``fever_very_unwell`` → ``fever very unwell``."""
    return qid.replace("_", " ")


def describe(cond: Condition, ruleset: Ruleset, *, nested: bool = False) -> str:
    """A condition in plain words: 'fever is yes or not sure and severe pain is yes'."""
    if isinstance(cond, AnswerIn):
        question = ruleset.question_by_id[cond.question]
        labels = [o.label.lower() for o in question.options if o.value in cond.values]
        listed = labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} or {labels[-1]}"
        return f"{question_name(ruleset, cond.question)} is {listed}"
    if isinstance(cond, AllOf | AnyOf):
        joiner = " and " if isinstance(cond, AllOf) else " or "
        text = joiner.join(describe(p, ruleset, nested=True) for p in cond.parts)
        return f"({text})" if nested and len(cond.parts) > 1 else text
    if isinstance(cond, Not):
        return f"not ({describe(cond.part, ruleset)})"
    raise TypeError(f"unknown condition {cond!r}")


STATUS_WORDS = {
    APPROVED: "Approved by a clinical reviewer",
    CHANGED: "Draft again: changed since it was approved, so the approval no longer holds",
    IN_REVIEW: "In clinical review, not yet approved",
    DRAFT: "Draft: not reviewed by a clinician",
    NOT_RECORDED: "Not reviewed by a clinician: the rules file has no entry for it",
}


def review(ruleset: Ruleset) -> dict[str, Any]:
    """Where the rules' clinical review stands, for the report's first section: the
    state in words, the approval that holds or those that no longer do, the notes,
    and the fingerprint a clinician who approves this report records."""
    standing = ruleset.standing
    words = STATUS_WORDS[standing.state]
    if ruleset.review is None:
        words = "Draft: no review recorded; the rules file has no review block"
    approvals = ruleset.review.approvals if ruleset.review else ()
    holding = [a for a in approvals if a.fingerprint == ruleset.fingerprint]
    return {
        "state": standing.state,
        "words": words,
        "holding": holding if standing.state == APPROVED else [],
        "stale": standing.stale,
        "notes": ruleset.review.notes if ruleset.review else None,
        "fingerprint": ruleset.fingerprint,
    }


def translations(ruleset: Ruleset, extra_directories: list[str] | None = None) -> list[Any]:
    """Each translation: its review status, coverage, fingerprint and every text.

    A language counts if the rules file names it or a catalog for it exists. The rules
    texts and the pages' own texts (the emergency and privacy notices among them) are
    listed beside the originals, so a reviewer who reads both languages can check
    every one, and approve exactly what they read by recording the fingerprint.
    """
    directories = catalog_directories(extra_directories or [])
    texts = list({t.text: t for t in reversed(list(ruleset.texts()))}.values())[::-1]
    interface = sorted((m if isinstance(m, str) else m[0], m) for m in interface_messages())
    needed = needed_messages(ruleset)
    found = []
    for code in sorted((found_codes(directories) | set(ruleset.translations)) - {ruleset.language}):
        catalog = load_catalog(directories, code)
        known = catalog._catalog  # gettext's table of every translated message
        pairs = [(t, known.get(t.text)) for t in texts]
        entry = ruleset.translations.get(code)
        now = fingerprint(catalog, ruleset, needed)
        standing = review_standing(ruleset, code, now)
        found.append(
            {
                "code": code,
                "entry": entry,
                "status": STATUS_WORDS[standing.state],
                "approval": standing.approval,
                "stale": standing.stale,
                "fingerprint": now,
                "translated": sum(1 for _, tr in pairs if tr),
                "total": len(pairs),
                "pairs": pairs,
                "interface": [interface_text(catalog, code, key) for _, key in interface],
            }
        )
    return found


def beside(found: Sequence[Mapping[str, Any]]) -> Callable[[str], list[tuple[str, str | None]]]:
    """For a rules text, its translation into each language (None where it has none): what
    the HTML report prints right after each original, so every text is read beside it."""
    tables = [
        (t["code"], {text.text: translated for text, translated in t["pairs"]}) for t in found
    ]
    return lambda text: [(code, table.get(text)) for code, table in tables]


# The counts tried to show which numbers take each plural form: the first two hundred,
# then round numbers, which some languages give a form of their own (Spanish "millón").
_COUNTS = (*range(200), *(10**k for k in range(3, 10)), 2 * 10**6, 3 * 10**6)


def _english_plural(n: int) -> int:
    """gettext's plural rule for the English message ids: the singular for 1 only."""
    return int(n != 1)


def plural_labels(plural: Callable[[int], int], forms: int, code: str) -> list[str]:
    """A label for each of a language's ``forms`` plural forms, in gettext's order: its
    plural category where the language's CLDR rules agree, and the counts that take it,
    such as "one (1)", "many (1 000 000, …)" or "other (0, 2, 3, …)"."""
    try:
        category: Callable[[int], str] | None = Locale.parse(code.replace("-", "_")).plural_form
    except (ValueError, UnknownLocaleError):
        category = None
    labels = []
    for form in range(forms):
        counts = [n for n in _COUNTS if plural(n) == form]
        names = {category(n) for n in counts} if category else set()
        name = names.pop() if len(names) == 1 else f"form {form + 1}"
        examples = [f"{n:,}".replace(",", "\u202f") for n in counts[:3]]
        while len(examples) > 1 and len(", ".join(examples)) > 20:
            examples.pop()  # a few short examples, not a line of millions
        shown = ", ".join(examples)
        more = ", …" if len(counts) > len(examples) else ""
        labels.append(f"{name} ({shown}{more})" if counts else f"{name} (no count up to 10⁹)")
    return labels


@cache
def _plural_ids() -> dict[str, str]:
    """Each plural interface message's English singular id and its plural."""
    with open(data_dir("translations") / "messages.pot", "rb") as pot:
        template = read_po(pot)
    return {
        str(m.id[0]): str(m.id[1]) for m in template if m.pluralizable and isinstance(m.id, tuple)
    }


def interface_text(catalog: Translations, code: str, message: str | tuple[str, int]) -> Any:
    """One of the pages' own texts beside its translation. A plural message (gettext's
    ngettext) lists every form: the English singular and plural, and each of the
    language's forms (``msgstr[n]``), each labelled with its category and counts."""
    known = catalog._catalog  # gettext's table of every translated message
    if isinstance(message, str):
        return {
            "text": message,
            "original": [("", message)],
            "translated": [("", known.get(message))],
        }
    text = message[0]
    original = [text, _plural_ids().get(text, text)]
    plural = getattr(catalog, "plural", _english_plural)
    header = re.search(r"nplurals\s*=\s*(\d+)", catalog._info.get("plural-forms", ""))
    present = sum(1 for key in known if isinstance(key, tuple) and key[0] == text)
    forms = int(header.group(1)) if header else max(present, 2)
    # A form left empty in the .po file is compiled as the English text: not a translation.
    return {
        "text": text,
        "original": list(zip(plural_labels(_english_plural, 2, "en"), original, strict=True)),
        "translated": [
            (label, None if known.get((text, form)) in original else known.get((text, form)))
            for form, label in enumerate(plural_labels(plural, forms, code))
        ],
    }


# Where an identifier or a web address may wrap: after each of these, before a letter or digit.
_BREAK_AFTER = re.compile(r"(?<=[_\-/.])(?=\w)")


def breakable(text: object) -> Markup:
    """Text, escaped, with a line-break opportunity (``<wbr>``) after each "_", "-", "/"
    and ".", so that a rule id or an address wraps between its parts, never inside a word."""
    return Markup("<wbr>").join(escape(part) for part in _BREAK_AFTER.split(str(text)))


# A value the pages put into a text: ``%(num)d`` in the pages' own texts, ``{name}`` in the rules'.
_PLACEHOLDER = re.compile(r"(%\(\w+\)[sdfi]|\{\w+\})")


def placeholders(text: object) -> Markup:
    """Text, escaped, with each placeholder kept whole on one line (``<span class="ph">``):
    a translator sees it as one token to carry over, never broken after its "%"."""
    parts = _PLACEHOLDER.split(str(text))
    return Markup("").join(
        Markup('<span class="ph">{}</span>').format(part) if i % 2 else escape(part)
        for i, part in enumerate(parts)
    )


class ShownPath(NamedTuple):
    """A file's path as the report shows it, and a word on where it is when that helps."""

    path: str
    note: str = ""


def shown_path(filename: str, here: Path | None = None) -> ShownPath:
    """The rules file's path as the report shows it to a reviewer.

    Inside the folder the command ran in (usually the project's): the path from there,
    such as ``rules/prostate-massage.yaml``. Anywhere else: the file's name alone, since
    the folders of one computer mean nothing to a reviewer reading the printout and may
    name a person's home folder; the sha256 beside it identifies the file exactly.
    """
    path = Path(filename)
    start = (here or Path.cwd()).resolve()
    full = (start / path).resolve()
    if full.is_relative_to(start):
        return ShownPath(full.relative_to(start).as_posix())
    if full == default_rules_path().resolve():
        return ShownPath(path.name, "the default rules installed with Screener")
    return ShownPath(path.name, "outside the folder the report was made in")


def css_string(text: object) -> Markup:
    """Text as a quoted CSS string, safe inside a ``<style>`` element."""
    escaped = "".join(c if c.isalnum() or c in " .,:;_-()" else f"\\{ord(c):x} " for c in str(text))
    return Markup(f'"{escaped}"')  # noqa: S704 - every character that could end it is escaped


def _context(
    ruleset: Ruleset,
    verification: Verification,
    seconds: float,
    now: datetime,
    translation_directories: Sequence[str],
) -> dict[str, Any]:
    outcomes = ruleset.outcome_by_id
    cases = []
    for case in ruleset.cases:
        answers = engine.case_answers(ruleset, case)
        result = engine.evaluate(ruleset, answers)
        cases.append(
            {
                "case": case,
                "answers": ", ".join(
                    f"{question_name(ruleset, q)}: {v}" for q, v in case.answers.items()
                )
                or "none",
                "got": result.outcome,
                "passed": not engine.case_failures(ruleset, case),
            }
        )
    found = translations(ruleset, list(translation_directories))
    return {
        "ruleset": ruleset,
        "file": shown_path(ruleset.filename),
        "verification": verification,
        "summary": summary(verification),
        "seconds": seconds,
        "generated": now,
        "questions": [
            {
                "question": q,
                "asked": "first, to check who the screening is for; any answer but "
                + " or ".join(q.label(v) for v in q.values if v in (q.in_scope or ()))
                + " ends it on the out-of-scope page, with no outcome",
                "unanswered": "must be answered",
            }
            for q in ruleset.scope
        ]
        + [
            {
                "question": q,
                "asked": describe(q.when, ruleset) if q.when else "always",
                "unanswered": q.label(q.if_unanswered),
            }
            for q in ruleset.questions
        ],
        "rules": [
            {"rule": r, "condition": describe(r.when, ruleset), "outcome": outcomes[r.outcome]}
            for r in ruleset.rules
        ],
        "cases": cases,
        "translations": found,
        "beside": beside(found),
        "review": review(ruleset),
        "name": lambda qid: question_name(ruleset, qid),
    }


def _environment(fmt: str) -> jinja2.Environment:
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(data_dir("templates")),
        autoescape=fmt == "html",  # noqa: S701 - Markdown is not HTML; the HTML is escaped
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["cell"] = lambda text: str(text).replace("|", "\\|").replace("\n", " ")
    env.filters["example"] = example_words
    env.filters["breakable"] = breakable
    env.filters["placeholders"] = placeholders
    env.filters["css_string"] = css_string
    return env


def example_words(answers: Mapping[str, str]) -> str:
    """Example answers for a reader: the answers other than "no" first, then the rest
    summed up when they are all "no"."""
    notable = [f"{q}: {v}" for q, v in answers.items() if v != "no"]
    plain = [q for q, v in answers.items() if v == "no"]
    if not plain:
        return ", ".join(notable) or "no answers"
    rest = "every other question asked: no" if notable else "every question asked: no"
    return "; ".join([", ".join(notable), rest] if notable else [rest])


def render(
    ruleset: Ruleset,
    verification: Verification,
    *,
    fmt: str = "html",
    seconds: float = 0.0,
    now: datetime | None = None,
    extra: Mapping[str, Any] | None = None,
    translation_directories: Sequence[str] = (),
    since: Diff | None = None,
) -> str:
    """The report as one self-contained HTML page, or as Markdown; with ``since``, it
    also shows what changed from that earlier version (see :mod:`screener.diff`)."""
    env = _environment(fmt)
    when = now or datetime.now().astimezone()
    context = _context(ruleset, verification, seconds, when, translation_directories)
    return env.get_template(f"report.{fmt}").render(**context, diff=since, **(extra or {}))


def render_diff(found: Diff, fmt: str = "html") -> str:
    """What changes between two versions, as one self-contained HTML page or as Markdown."""
    return _environment(fmt).get_template(f"diff.{fmt}").render(diff=found)
