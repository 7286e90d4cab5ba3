"""The review report: what a clinical safety officer reads and signs off, as HTML or Markdown."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import jinja2

from screener import engine
from screener.catalogs import (
    CHANGED,
    catalog_directories,
    fingerprint,
    found_codes,
    interface_messages,
    load_catalog,
    needed_messages,
    review_status,
)
from screener.diff import Diff
from screener.resources import data_dir
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
    "approved": "Approved by a clinical reviewer",
    CHANGED: "Not reviewed as it stands: approved, but its texts have changed since",
    "in-review": "In clinical review, not yet approved",
    "draft": "Draft: not reviewed by a clinician",
    "not recorded": "Not reviewed by a clinician: the rules file has no entry for it",
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
        now = fingerprint(catalog, needed)
        status = review_status(ruleset, code, now)
        found.append(
            {
                "code": code,
                "entry": entry,
                "status": STATUS_WORDS[status],
                "fingerprint": now,
                "translated": sum(1 for _, tr in pairs if tr),
                "total": len(pairs),
                "pairs": pairs,
                "interface": [(text, known.get(key)) for text, key in interface],
            }
        )
    return found


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
    return {
        "ruleset": ruleset,
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
        "translations": translations(ruleset, list(translation_directories)),
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
