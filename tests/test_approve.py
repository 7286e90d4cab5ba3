"""Clinical sign-off tied to the file: `screener approve`, the fingerprint it records, and
what `screener check`, the pages and the report say when the file changes afterwards."""

from __future__ import annotations

import datetime
import difflib
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from babel.dates import format_date
from click.testing import CliRunner, Result
from flask import Flask

from screener import approvals, create_app
from screener.approvals import (
    APPROVED,
    CHANGED,
    DRAFT,
    Approval,
    RecordError,
    record,
    rules_fingerprint,
    standing,
)
from screener.catalogs import catalog_directories, fingerprint, load_catalog
from screener.cli import main
from screener.report import render, review
from screener.resources import default_rules_path, interface_texts, load_ruleset, schema
from screener.ruleset import Ruleset, RulesetError, load_yaml, parse
from screener.verify import verify
from tests.conftest import SECRET, Browser
from tests.test_ruleset import MINI

BY, ROLE = "Dr A Clinician", "Consultant urologist"
DEFAULT = default_rules_path().read_text("utf-8")
TODAY = datetime.datetime.now(datetime.UTC).date()  # what `screener approve` records
SPANISH_NOTE = "Esta traducción todavía no ha sido revisada por un profesional sanitario."
DRAFT_NOTE = "These questions and this advice have not yet been checked by a clinician."
# One real change to a condition: the testicle question is asked after new severe pain
# only, no longer after pain between the legs too.
CONDITION = (
    '        - {question: new_severe_pain, in: ["yes", unsure]}\n'
    '        - {question: pelvic_pain, in: ["yes", unsure]}\n'
    "    text: Have you had sudden, very bad pain in a testicle",
    '        - {question: new_severe_pain, in: ["yes", unsure]}\n'
    "    text: Have you had sudden, very bad pain in a testicle",
)
QUESTION = ("text: Was there blood in your pee?", "text: Was there any blood in your pee?")


def approve_text(
    text: str,
    *,
    lang: str | None = None,
    by: str = BY,
    role: str = ROLE,
    day: str = "2026-11-27",
    directories: list[Path] | None = None,
) -> str:
    """``text`` with an approval of its rules (or of its ``lang`` translation, by the
    catalogs in ``directories``) recorded, as `screener approve` records it."""
    ruleset = parse(text, filename="rules.yaml", schema=schema(), interface=interface_texts())
    if lang is None:
        now = ruleset.fingerprint
    else:
        catalog = load_catalog(directories or catalog_directories([]), lang)
        now = fingerprint(catalog, ruleset)
    return record(text, Approval(by, role, day, now), lang)


def approve(path: Path, *options: str) -> Result:
    return CliRunner().invoke(main, ["approve", str(path), *options])


def long_date(day: datetime.date, locale: str = "en_GB") -> str:
    return format_date(day, "long", locale=locale)


def pages(app: Flask, prefix: str = "", lang: str = "en-GB") -> Iterator[Browser]:
    """The start page, a question, and a result, as a person meets them."""
    browser = Browser(app.test_client(), lang=lang)
    yield browser.get(f"{prefix}/")
    yield browser.submit("/start")
    yield browser.answer_values({}).submit("/result")


def notices(browser: Browser) -> list[str]:
    assert browser.soup is not None
    return [n.get_text(" ", strip=True) for n in browser.soup.select(".review-notice")]


# --------------------------------------------------------------------------- fingerprint


def content(text: str) -> str:
    """The fingerprint of a rules file's text (what `parse` gives, without the checks)."""
    return rules_fingerprint(load_yaml(text))


CONTENT = content(DEFAULT)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("# The format is described", "# This file's format is described"),  # a comment
        ("    the live pages before sign-off.", "    the live pages before signing off."),
        ("    translator: Screener team", "    translator: The Screener team"),
        ('version: "2.0.0"\nlanguage', "version: '2.0.0'\nlanguage"),  # other quotes
        ('title: "Before you try', 'title:   "Before you try'),  # layout
    ],
)
def test_comments_layout_and_the_review_leave_the_fingerprint(old: str, new: str) -> None:
    assert DEFAULT.count(old) == 1
    assert content(DEFAULT.replace(old, new)) == CONTENT


@pytest.mark.parametrize(
    ("old", "new"),
    [
        QUESTION,
        CONDITION,
        ("hint: Answer yes even if it was only once", "hint: Answer yes if it was only once"),
        ('version: "2.0.0"', 'version: "2.0.1"'),
        ("    outcome: urgent\n", "    outcome: emergency\n"),  # a rule's outcome
        ("told: You told us you need to pee but cannot.", "told: You need to pee but cannot."),
        ("https://www.nhs.uk/", "https://www.nhs.uk/conditions/"),  # a source shown
        ("  - id: all_no\n", "  - id: all_no_at_all\n"),  # a case the reviewer read
    ],
)
def test_what_people_read_or_the_engine_uses_changes_the_fingerprint(old: str, new: str) -> None:
    assert old in DEFAULT
    assert content(DEFAULT.replace(old, new, 1)) != CONTENT


def test_the_fingerprint_is_of_the_content_without_its_review() -> None:
    data = load_yaml(DEFAULT)
    assert parse(DEFAULT, filename="r", schema=schema()).fingerprint == rules_fingerprint(data)
    del data["review"], data["translations"]
    assert rules_fingerprint(data) == rules_fingerprint(load_yaml(DEFAULT))


def test_the_pages_own_texts_and_the_engines_meaning_are_in_the_fingerprint(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A Screener upgrade that changes what people read around the rules, or what the
    rules mean, makes every approval stale."""
    data = load_yaml(DEFAULT)
    texts = interface_texts()
    assert "If you need help now" in texts and "Continue" in texts
    assert "Do you have a fever?" not in texts, "the rules' own texts are counted as data"
    assert load_ruleset(default_rules_path()).fingerprint == rules_fingerprint(data, texts)
    changed = [t.replace("If you need help now", "If you need help") for t in texts]
    assert rules_fingerprint(data, changed) != rules_fingerprint(data, texts)
    assert rules_fingerprint(data, texts[1:]) != rules_fingerprint(data, texts)
    assert rules_fingerprint(data, reversed(texts)) == rules_fingerprint(data, texts)
    before = rules_fingerprint(data, texts)
    monkeypatch.setattr(approvals, "ENGINE_MEANING", approvals.ENGINE_MEANING + 1)
    assert rules_fingerprint(data, texts) != before


def test_approve_checks_the_fingerprint_of_the_report_reviewed(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(DEFAULT, "utf-8")
    now = load_ruleset(path).fingerprint
    edited = DEFAULT.replace(*QUESTION, 1)
    path.write_text(edited, "utf-8")  # changed after the report was made
    refused = approve(path, "--by", BY, "--role", ROLE, "--fingerprint", now[:12])
    assert refused.exit_code == 1, refused.output
    assert "has changed since the report that was reviewed" in refused.output
    assert path.read_text("utf-8") == edited, "nothing is written"
    for bad in ("abc", "z" * 12, ""):
        done = approve(path, "--by", BY, "--role", ROLE, "--fingerprint", bad)
        assert done.exit_code == 2 and "at least 12 hex digits" in done.output, bad
    reviewed = load_ruleset(path).fingerprint
    done = approve(path, "--by", BY, "--role", ROLE, "--fingerprint", reviewed[:16].upper())
    assert done.exit_code == 0, done.output
    assert "check that" not in done.output
    assert load_ruleset(path).approval is not None
    unchecked = tmp_path / "unchecked.yaml"
    unchecked.write_text(DEFAULT, "utf-8")
    done = approve(unchecked, "--by", BY, "--role", ROLE)
    assert done.exit_code == 0 and f"check that {now[:12]} is the fingerprint" in done.output


def test_an_approval_holds_only_for_its_fingerprint() -> None:
    old, new = (
        Approval(BY, ROLE, "2026-01-02", "a" * 64),
        Approval(BY, ROLE, "2026-02-03", "b" * 64),
    )
    assert standing(APPROVED, [old, new], "b" * 64).approval == new
    assert standing(APPROVED, [old], "b" * 64) == standing(APPROVED, [old], "c" * 64)
    assert standing(APPROVED, [old], "b" * 64).state == CHANGED
    assert standing(DRAFT, [new], "b" * 64).approval is None, "a draft says what it is"


def test_the_default_rules_are_not_approved(ruleset: Ruleset) -> None:
    assert ruleset.review is not None and ruleset.review.approvals == ()
    assert ruleset.standing.state == DRAFT and ruleset.approval is None
    for entry in ruleset.translations.values():
        assert entry.status == DRAFT and entry.approvals == ()


# --------------------------------------------------------------------------- approve


@pytest.fixture(scope="module")
def approved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the default rules, approved by `screener approve`, rules and Spanish."""
    path = tmp_path_factory.mktemp("approved") / "rules.yaml"
    path.write_text(DEFAULT, "utf-8")
    done = approve(path, "--by", BY, "--role", ROLE, "--note", "Read against NICE CKS.")
    assert done.exit_code == 0, done.output
    assert f"recorded the approval of the rules by {BY} ({ROLE}) on {TODAY}" in done.output
    spanish = approve(path, "--lang", "es", "--by", "Dra B Médica", "--role", "Médica de familia")
    assert spanish.exit_code == 0, spanish.output
    return path


@pytest.fixture(scope="module")
def approved_app(approved: Path) -> Flask:
    return create_app({"SECRET_KEY": SECRET, "TESTING": True, "RULES": str(approved)})


def test_approve_changes_only_the_review_lines(approved: Path) -> None:
    text = approved.read_text("utf-8")
    changed = [
        line for line in difflib.ndiff(DEFAULT.splitlines(), text.splitlines()) if line[:1] in "+-"
    ]
    fingerprints = re.findall(r"fingerprint: ([0-9a-f]{64})", text)
    assert changed == [
        "-   status: draft",
        "+   status: approved",
        "+   approvals:",
        f"+     - by: {BY}",
        f"+       role: {ROLE}",
        f"+       date: '{TODAY}'",
        f"+       fingerprint: {fingerprints[0]}",
        "+       note: Read against NICE CKS.",
        "-     status: draft",
        "+     status: approved",
        "+     approvals:",
        "+       - by: Dra B Médica",
        "+         role: Médica de familia",
        f"+         date: '{TODAY}'",
        f"+         fingerprint: {fingerprints[1]}",
    ], "every comment and every other line is as it was"


def test_an_approved_file_checks_clean_and_says_who_reviewed_it(
    approved: Path, approved_app: Flask
) -> None:
    ruleset = load_ruleset(approved)
    assert ruleset.approval == Approval(
        BY, ROLE, str(TODAY), ruleset.fingerprint, "Read against NICE CKS."
    )
    checked = CliRunner().invoke(main, ["check", str(approved)])
    assert checked.exit_code == 0 and "[approval]" not in checked.output, checked.output
    said = f"Reviewed by {ROLE} on {long_date(TODAY)}."
    for page in pages(approved_app):
        assert notices(page) == [] and page.text.count(said) == 1, page.h1
    meta = page.soup.select_one("main .meta") if page.soup else None
    assert meta is not None and said in meta.get_text(" "), "the result prints who reviewed it"
    spanish = [
        f"Revisado por {ROLE} el {long_date(TODAY, 'es')}.",
        f"Traducción revisada por Médica de familia el {long_date(TODAY, 'es')}.",
    ]
    for page in pages(approved_app, "/es", "es"):
        assert notices(page) == [] and all(page.text.count(s) == 1 for s in spanish), page.h1
    html = render(ruleset, verify(ruleset))
    assert f"Reviewed by {ROLE} on {TODAY} ({BY}): Read against NICE CKS." in html
    assert "Médica de familia on" in html


def test_another_clinicians_approval_of_the_same_content_is_kept(approved: Path) -> None:
    """A second clinician signs the same content off beside the first; signing it off
    again replaces one's own approval rather than adding another."""
    text = approved.read_text("utf-8")
    second = approve_text(text, by="Dr C Safety", role="Clinical safety officer", day="2030-01-01")
    again = approve_text(second, by="Dr C Safety", role="Clinical safety officer", day="2030-02-02")
    for signed, day in ((second, "2030-01-01"), (again, "2030-02-02")):
        ruleset = parse(signed, filename="r", schema=schema(), interface=interface_texts())
        assert ruleset.review is not None
        assert [(a.by, a.date) for a in ruleset.review.approvals] == [
            (BY, str(TODAY)),
            ("Dr C Safety", day),
        ]
        assert ruleset.approval is not None and ruleset.approval.date == day


@pytest.mark.parametrize(
    "edit",
    [QUESTION, CONDITION, ("outcome: clinician\n", "outcome: urgent\n")],
    ids=["question", "condition", "outcome"],
)
def test_an_edit_after_approval_makes_it_stale(
    approved: Path, tmp_path: Path, edit: tuple[str, str]
) -> None:
    text = approved.read_text("utf-8")
    assert edit[0] in text
    path = tmp_path / "rules.yaml"
    path.write_text(text.replace(*edit, 1), "utf-8")
    checked = CliRunner().invoke(main, ["check", str(path)])
    assert checked.exit_code == 1
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if f"- by: {BY}" in ln)
    assert (
        f"{path}:{line}: [approval] review: the approval by {BY} ({ROLE}) on {TODAY} is stale"
        in checked.output
    ), checked.output
    assert "[approval] translations.es: the approval by Dra B Médica" in checked.output, (
        "a change to the rules makes the translation's approval stale too"
    )
    ruleset = load_ruleset(path)
    assert ruleset.standing.state == CHANGED and ruleset.approval is None
    said = review(ruleset)
    assert said["words"].startswith("Draft") and said["holding"] == []
    report = render(ruleset, verify(ruleset), fmt="md")
    assert "**Draft again" in report and f"Approved by {BY} ({ROLE}) on {TODAY}" in report


def test_pages_say_draft_again_once_the_file_has_changed(approved: Path, tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(approved.read_text("utf-8").replace(*QUESTION), "utf-8")
    app = create_app({"SECRET_KEY": SECRET, "TESTING": True, "RULES": str(path)})
    for page in pages(app):
        assert notices(page) == [f"Draft : {DRAFT_NOTE}"], page.h1
        assert "Reviewed by" not in page.text


def test_the_api_says_whether_the_rules_are_reviewed(
    approved: Path, approved_app: Flask, tmp_path: Path
) -> None:
    """An app built on Screener's JSON API can show the same notice the pages show."""
    body = approved_app.test_client().get("/api/v1/questionnaire").get_json()
    assert body["rules_review"] == {
        "state": "approved",
        "approval": {"role": ROLE, "date": str(TODAY)},
    }
    path = tmp_path / "rules.yaml"
    path.write_text(approved.read_text("utf-8").replace(*QUESTION), "utf-8")
    app = create_app({"SECRET_KEY": SECRET, "TESTING": True, "RULES": str(path)})
    body = app.test_client().get("/api/v1/questionnaire").get_json()
    assert body["rules_review"] == {"state": CHANGED, "approval": None}
    draft = create_app({"SECRET_KEY": SECRET, "TESTING": True}).test_client()
    body = draft.get("/api/v1/questionnaire").get_json()
    assert body["rules_review"] == {"state": DRAFT, "approval": None}


def test_a_changed_translation_makes_its_approval_stale(approved: Path, tmp_path: Path) -> None:
    """A translator changes one Spanish text after the approval: the Spanish pages say
    the translation has not been checked, and `screener check` says why."""
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo

    ruleset = load_ruleset(approved)
    question = ruleset.question_by_id["blood_in_urine"].text
    catalog = Catalog(locale="es")
    catalog.add(question, "¿Ha visto sangre en la orina?")
    target = tmp_path / "es" / "LC_MESSAGES"
    target.mkdir(parents=True)
    with open(target / "messages.mo", "wb") as mo:
        write_mo(mo, catalog)
    env = {"SCREENER_TRANSLATIONS": str(tmp_path)}
    checked = CliRunner().invoke(main, ["check", str(approved)], env=env)
    assert checked.exit_code == 1
    assert "[approval] translations.es: the approval by Dra B Médica" in checked.output
    assert "[approval] review" not in checked.output, "the rules' own approval still holds"
    app = create_app(
        {
            "SECRET_KEY": SECRET,
            "TESTING": True,
            "RULES": str(approved),
            "TRANSLATIONS": [str(tmp_path)],
        }
    )
    for page in pages(app, "/es", "es"):
        assert notices(page) == [f"Borrador : {SPANISH_NOTE}"], page.h1
        assert "Traducción revisada" not in page.text and "Revisado por" in page.text


def test_comments_and_notes_leave_an_approval_standing(approved: Path, tmp_path: Path) -> None:
    text = approved.read_text("utf-8")
    edited = (
        text.replace("note: Read against NICE CKS.", "note: Read against NICE CKS and the BNF.")
        .replace("    Drafted by the Screener team", "    Drafted by the Screener team (edited)")
        .replace("\nquestions:\n", "\n# The questions, in the order they are asked.\nquestions:\n")
    )
    assert edited.count("edited") == 1 and "and the BNF" in edited and "in the order they" in edited
    path = tmp_path / "rules.yaml"
    path.write_text(edited, "utf-8")
    checked = CliRunner().invoke(main, ["check", str(path)])
    assert checked.exit_code == 0 and "[approval]" not in checked.output, checked.output
    assert load_ruleset(path).approval is not None


def test_approving_again_replaces_a_stale_approval(approved: Path, tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(approved.read_text("utf-8").replace(*QUESTION), "utf-8")
    again = approve(path, "--by", "Dr D Other", "--role", ROLE)
    assert again.exit_code == 0, again.output
    assert f"removed the approval of earlier content by {BY} on {TODAY}" in again.output
    ruleset = load_ruleset(path)
    assert ruleset.review is not None and [a.by for a in ruleset.review.approvals] == ["Dr D Other"]
    assert ruleset.approval is not None


# --------------------------------------------------------------------------- refusals


def test_approve_refuses_what_it_cannot_approve(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(DEFAULT, "utf-8")
    for options, code, said in [
        (["--by", " ", "--role", ROLE], 2, "--by must not be blank"),
        (["--by", BY, "--role", ""], 2, "--role must not be blank"),
        (["--by", "A\nB", "--role", ROLE], 2, "--by must be one line"),
        (["--lang", "xx", "--by", BY, "--role", ROLE], 2, "--lang xx: no such translation"),
        (
            ["--lang", "en-GB", "--by", BY, "--role", ROLE],
            2,
            "the language the rules file is written in",
        ),
    ]:
        result = approve(path, *options)
        assert (result.exit_code, said in result.output) == (code, True), result.output
    assert path.read_text("utf-8") == DEFAULT, "nothing is written"
    missing = approve(tmp_path / "nowhere.yaml", "--by", BY, "--role", ROLE)
    assert missing.exit_code == 2 and "nowhere.yaml: no such file" in missing.output


@pytest.mark.parametrize(
    ("old", "new", "said"),
    [
        ("    outcome: urgent\n", "    outcome: urgnet\n", "did you mean 'urgent'?"),  # unusable
        ("    outcome: urgent\n", "    outcome: info\n", "[cases] "),  # a case no longer passes
    ],
)
def test_approve_refuses_a_file_that_does_not_pass_the_check(
    tmp_path: Path, old: str, new: str, said: str
) -> None:
    broken = DEFAULT.replace(old, new, 1)
    path = tmp_path / "rules.yaml"
    path.write_text(broken, "utf-8")
    result = approve(path, "--by", BY, "--role", ROLE)
    assert result.exit_code == 1
    assert said in result.output and "nothing is approved" in result.output, result.output
    assert path.read_text("utf-8") == broken


def test_approved_status_needs_a_recorded_approval(rules_file: Callable[[str], Path]) -> None:
    text = MINI.replace("questions:\n", "review: {status: approved}\nquestions:\n", 1)
    with pytest.raises(
        RulesetError, match=r"approved, but no approval is recorded.*screener approve"
    ):
        load_ruleset(rules_file(text))
    old = MINI.replace("questions:\n", "review: {status: approved, reviewer: X}\nquestions:\n", 1)
    with pytest.raises(RulesetError, match=r"'reviewer' is no longer used.*screener approve"):
        load_ruleset(rules_file(old))


# --------------------------------------------------------------------------- record


def test_record_adds_a_review_block_where_there_is_none() -> None:
    text = approve_text(MINI)
    assert text.startswith(MINI.split("questions:")[0] + "review:\n  status: approved\n")
    ruleset = parse(text, filename="m", schema=schema(), interface=interface_texts())
    assert ruleset.approval is not None and ruleset.approval.by == BY
    assert text.endswith(MINI.split("title: Mini screening\n")[1])


def test_record_writes_out_a_flow_review_and_keeps_line_endings() -> None:
    text = MINI.replace(
        "questions:\n", "review: {status: draft, notes: 'Yes: read it.'}\nquestions:\n", 1
    )
    crlf = text.replace("\n", "\r\n")
    done = approve_text(crlf)
    assert "\r\n" in done and "\n" not in done.replace("\r\n", "")
    ruleset = parse(
        done.replace("\r\n", "\n"), filename="m", schema=schema(), interface=interface_texts()
    )
    assert ruleset.review is not None and ruleset.review.notes == "Yes: read it."
    assert ruleset.approval is not None


def test_record_fills_an_empty_list_of_approvals() -> None:
    review = "review:\n  status: in-review  # waiting\n  approvals: []\n"
    text = approve_text(MINI.replace("questions:\n", review + "questions:\n", 1))
    assert "  status: approved  # waiting\n  approvals:\n    - by: Dr A Clinician\n" in text
    assert (
        parse(text, filename="m", schema=schema(), interface=interface_texts()).approval is not None
    )


@pytest.mark.parametrize(
    "value", ["yes", "2026-01-01", "#1", "O'Brien: urology", 'a "b"', "Ünïcode"]
)
def test_record_quotes_what_yaml_would_misread(value: str) -> None:
    text = approve_text(MINI, by=value, role=value)
    ruleset = parse(text, filename="m", schema=schema(), interface=interface_texts())
    assert ruleset.approval is not None and (ruleset.approval.by, ruleset.approval.role) == (
        value,
        value,
    )


def test_record_refuses_a_translation_the_file_does_not_name() -> None:
    with pytest.raises(RecordError, match="no translations entry for 'fr'"):
        record(MINI, Approval(BY, ROLE, "2026-01-01", "a" * 64), "fr")
