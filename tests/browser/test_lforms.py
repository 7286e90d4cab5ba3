"""The FHIR Questionnaire filled in with LHC-Forms, the SDC renderer of the US National
Library of Medicine (npm ``lforms``), in Debian's Chromium.

``make lforms`` puts the pinned, integrity-checked package in .lforms/ and ``make
pytest`` names it in SCREENER_LFORMS. A server of this module's own on 127.0.0.1
serves LHC-Forms' files and a small harness page; nothing on the page comes from
another host. The Questionnaire comes from the live app's /api/v1/fhir/Questionnaire.

Each answer is a click on its label, as a person gives it. After every click the
questions LHC-Forms shows must be exactly those the HTML flow asks at that point
(:func:`screener.engine.asked_questions`); then LHC-Forms' own QuestionnaireResponse
goes to the live app's ``$evaluate``, and the Observation's outcome must be the
engine's.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import mimetypes
import os
import textwrap
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Route
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from screener import engine, fhir, fhir_api
from screener.resources import default_rules_path, load_ruleset
from screener.ruleset import Case, Question, Ruleset
from tests.browser.conftest import ARTIFACTS, LiveServer, Watched

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
LFORMS = ROOT / os.environ.get("SCREENER_LFORMS", ".lforms/package")  # or absolute
DIST = LFORMS / "dist" / "lforms"
FILES = (
    "webcomponent/assets/lib/zone.min.js",
    "webcomponent/styles.css",
    "webcomponent/lhc-forms.js",
    "fhir/R4/lformsFHIR.min.js",
)

DEFAULT = load_ruleset(default_rules_path())
SCOPE = DEFAULT.scope[0]  # for_you: the default rules have one scope question
IN_SCOPE = {SCOPE.id: "yes"}
assert SCOPE.in_scope == frozenset(IN_SCOPE.values())

HARNESS = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Screener's Questionnaire in LHC-Forms</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/lforms/webcomponent/styles.css">
</head>
<body>
<div id="form"></div>
<!-- LHC-Forms appends to document.body as it loads: its scripts go at the end. -->
<script src="/lforms/webcomponent/assets/lib/zone.min.js"></script>
<script src="/lforms/webcomponent/lhc-forms.js"></script>
<script src="/lforms/fhir/R4/lformsFHIR.min.js"></script>
<script>
"use strict";
const harness = {
  // Render a Questionnaire, replacing the form before; resolves when it is ready.
  load(questionnaire) {
    return LForms.Util.addFormToPage(questionnaire, "form");
  },
  // An item's element: its id is "item-" with its linkId and its path, "/1" a level.
  item(linkId) {
    return document.querySelector(`#form lhc-item[id^="item-${linkId}/"]`);
  },
  // The question items on show, by linkId, in page order (display items and groups
  // aside). LHC-Forms takes a disabled item out of the page.
  shown() {
    const items = "#form lhc-item:not(.lhc-datatype-TITLE):not(.lhc-datatype-SECTION)";
    return [...document.querySelectorAll(items)]
      .filter((item) => item.checkVisibility())
      .map((item) => item.id.replace(/^item-/, "").split("/")[0]);
  },
  // Where a person clicks to choose `label` for question `linkId`, brought into view;
  // null when the question shows no such answer, hit false when another element is on top.
  target(linkId, label) {
    const item = harness.item(linkId);
    const labels = item
      ? [...item.querySelectorAll("label.lhc-answer")].filter((l) => l.textContent.trim() === label)
      : [];
    if (labels.length !== 1) return null;
    labels[0].scrollIntoView({ block: "nearest" });
    const box = labels[0].getBoundingClientRect();
    const x = box.left + box.width / 2, y = box.top + box.height / 2;
    return { x, y, hit: labels[0].contains(document.elementFromPoint(x, y)) };
  },
  // The label of the answer chosen for `linkId`, or null.
  chosen(linkId) {
    const item = harness.item(linkId);
    const input = item && item.querySelector("input[type=radio]:checked");
    return input ? input.closest("label").textContent.trim() : null;
  },
  // Once LHC-Forms has done with a change: it runs its FHIRPath expressions in a timer
  // after the change, then asynchronously (lhcFormData._expressionProcessor, not an API:
  // the caller waits on the page as well).
  async settle(linkId) {
    const form = document.querySelector("#form wc-lhc-form");
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      const processor = form && form.lhcFormData && form.lhcFormData._expressionProcessor;
      const run = processor && processor._currentRunPromise;
      if (!run) break;
      await run.catch(() => {});
    }
    return { shown: harness.shown(), chosen: linkId ? harness.chosen(linkId) : null };
  },
  // A display item's text as shown on the page, or null when it is not on show.
  displayed(linkId) {
    const item = harness.item(linkId);
    return item && item.checkVisibility() ? item.textContent.trim() : null;
  },
  // How many help buttons the form has (LHC-Forms' rendering of itemControl "help").
  helpButtons() {
    return document.querySelectorAll("#form .lhc-help-button").length;
  },
  // LHC-Forms' own QuestionnaireResponse. Its third argument, given as text, is a CSS
  // selector (document.querySelector), unlike addFormToPage's element id.
  response() {
    return LForms.Util.getFormFHIRData("QuestionnaireResponse", "R4", "#form");
  },
};
</script>
</body>
</html>
"""


class Site:
    """This module's own server on 127.0.0.1: the harness page at /, and LHC-Forms'
    files (only those under dist/lforms) at /lforms/."""

    def __init__(self) -> None:
        root = DIST.resolve()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                if path == "/":
                    self.send(200, HARNESS.encode(), "text/html; charset=utf-8")
                    return
                if path.startswith("/lforms/"):
                    file = (root / path.removeprefix("/lforms/")).resolve()
                    if file.is_relative_to(root) and file.is_file():
                        kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
                        self.send(200, file.read_bytes(), kind)
                        return
                self.send(404, b"not found", "text/plain")

            def send(self, status: int, body: bytes, kind: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "max-age=3600")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                """Keep the test output quiet."""

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Site:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(10)


class FHIRServer(LiveServer):
    """The app on a free loopback port with its FHIR face on: its public address is the
    one it is served at, so the Questionnaire's canonical resolves."""

    def __init__(self, config: dict[str, Any] | None = None) -> None:
        super().__init__(config)
        self.server.app.config["PUBLIC_URL"] = self.url  # known once the port is

    def questionnaire(self, lang: str | None = None) -> dict[str, Any]:
        query = f"?lang={lang}" if lang else ""
        address = self.url + "/api/v1/fhir/Questionnaire" + query
        with urllib.request.urlopen(address, timeout=10) as r:
            assert r.status == 200
            assert r.headers.get_content_type() == fhir.MEDIA_TYPE
            document: dict[str, Any] = json.load(r)
        assert document["resourceType"] == "Questionnaire"
        return document

    def evaluate(
        self, response: Mapping[str, Any] | bytes, lang: str | None = None
    ) -> dict[str, Any]:
        """POST a QuestionnaireResponse (or its JSON, as it is) to $evaluate; the
        Observation it answers."""
        query = f"?lang={lang}" if lang else ""
        request = urllib.request.Request(
            self.url + "/api/v1/fhir/QuestionnaireResponse/$evaluate" + query,
            data=response if isinstance(response, bytes) else json.dumps(response).encode(),
            headers={"Content-Type": fhir.MEDIA_TYPE},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as r:
                observation: dict[str, Any] = json.load(r)
        except urllib.error.HTTPError as e:
            with e:
                pytest.fail(f"$evaluate answered {e.code}: {e.read().decode()}")
        assert observation["resourceType"] == "Observation"
        return observation


class Form:
    """One page running LHC-Forms, reused for every form of the module."""

    def __init__(self, watched: Watched) -> None:
        self.watched = watched
        self.page: Page = watched.page

    def load(self, questionnaire: Mapping[str, Any]) -> None:
        self.page.evaluate("q => harness.load(q)", questionnaire)

    def settle(self, question: str | None = None) -> dict[str, Any]:
        state: dict[str, Any] = self.page.evaluate("id => harness.settle(id)", question)
        return state

    def click(self, question: Question, value: str) -> None:
        """Choose an answer as a person does: a click on its label."""
        label = question.label(value)
        spot = self.page.evaluate(
            "([id, label]) => harness.target(id, label)", [question.id, label]
        )
        assert spot is not None, f"LHC-Forms shows no answer {label!r} to {question.id}"
        assert spot["hit"], f"something covers {label!r} of {question.id}"
        self.page.mouse.click(spot["x"], spot["y"])

    def expect(
        self, ruleset: Ruleset, answers: Mapping[str, str], question: Question | None = None
    ) -> None:
        """The questions on show are those the HTML flow asks given ``answers``, and the
        answer just given to ``question`` is the one chosen."""
        expected = [q.id for q in engine.asked_questions(ruleset, answers)]
        state = self.settle(question.id if question else None)
        if state["shown"] != expected:  # give the page time to catch up, then judge
            with contextlib.suppress(PlaywrightTimeout):
                self.page.wait_for_function(
                    "ids => JSON.stringify(harness.shown()) === JSON.stringify(ids)",
                    arg=expected,
                    timeout=3000,
                )
            state = self.settle(question.id if question else None)
        where = f"after {dict(answers)}"
        assert state["shown"] == expected, where
        if question is not None:
            assert state["chosen"] == question.label(answers[question.id]), where

    def answer(
        self, ruleset: Ruleset, answers: dict[str, str], question: Question, value: str
    ) -> None:
        """Click an answer, record it in ``answers`` (what the form holds), and check the
        questions on show."""
        self.click(question, value)
        answers[question.id] = value
        self.expect(ruleset, answers, question)

    def response(self) -> dict[str, Any]:
        response: dict[str, Any] = self.page.evaluate("harness.response()")
        assert response["resourceType"] == "QuestionnaireResponse"
        return response


def answered(response: Mapping[str, Any]) -> dict[str, str]:
    """The codes a QuestionnaireResponse answers, by linkId, nested items included."""
    found: dict[str, str] = {}

    def walk(items: list[dict[str, Any]]) -> None:
        for item in items:
            for answer in item.get("answer", []):
                assert item["linkId"] not in found
                found[item["linkId"]] = answer["valueCoding"]["code"]
                walk(answer.get("item", []))
            walk(item.get("item", []))

    walk(response.get("item", []))
    return found


def outcome(observation: Mapping[str, Any]) -> str:
    """The outcome id an Observation gives."""
    assert "dataAbsentReason" not in observation
    codes = observation["valueCodeableConcept"]["coding"]
    assert len(codes) == 1
    code: str = codes[0]["code"]
    return code


# ---- Fixtures ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    missing = [name for name in FILES if not (DIST / name).is_file()]
    if missing:
        pytest.fail(f"LHC-Forms is missing from {LFORMS} ({missing[0]}): run `make lforms`")
    with Site() as server:
        yield server


@pytest.fixture(scope="module")
def fhir_server() -> Iterator[FHIRServer]:
    """The default rules, with the FHIR face on."""
    with FHIRServer() as server:
        yield server


@pytest.fixture(scope="module")
def questionnaire(fhir_server: FHIRServer) -> dict[str, Any]:
    return fhir_server.questionnaire()


@pytest.fixture(scope="module")
def module_form(chromium: Browser, site: Site) -> Iterator[Form]:
    context = chromium.new_context(viewport={"width": 1280, "height": 1000})

    def only_this_site(route: Route) -> None:
        if route.request.url.startswith((site.url + "/", "data:")):
            route.continue_()
        else:
            route.abort()  # and Watched records it as a foreign host

    context.route("**/*", only_this_site)
    watched = Watched(context, site.url + "/")
    watched.page.goto(site.url + "/")
    watched.page.wait_for_function("window.LForms && LForms.Util && LForms.FHIR && LForms.FHIR.R4")
    yield Form(watched)
    context.close()


@pytest.fixture
def form(module_form: Form) -> Iterator[Form]:
    """The module's page; each test ends with no console error, no failed request and
    nothing asked of another host."""
    yield module_form
    watched = module_form.watched
    try:
        watched.assert_clean()
    finally:
        watched.errors.clear()
        watched.failed.clear()
        watched.foreign.clear()


# ---- The default rules' worked cases -----------------------------------------------


def fill(form: Form, ruleset: Ruleset, given: Mapping[str, str]) -> dict[str, str]:
    """Fill the form in flow order with ``given``, leaving every other question blank;
    check the questions on show before the first answer and after each."""
    answers: dict[str, str] = {}
    form.expect(ruleset, answers)
    for question in ruleset.flow:
        if question.id in given:
            form.answer(ruleset, answers, question, given[question.id])
    assert answers == dict(given), "every answer was to a question on show"
    return answers


@pytest.mark.parametrize("case", DEFAULT.cases, ids=lambda case: case.id)
def test_every_worked_case_in_lhc_forms(
    form: Form, fhir_server: FHIRServer, questionnaire: dict[str, Any], case: Case
) -> None:
    """The case's answers, and yes to the scope question, clicked in flow order; the
    response LHC-Forms makes of them gives the case's outcome, the engine's."""
    given = {**IN_SCOPE, **engine.case_answers(DEFAULT, case)}
    form.load(questionnaire)
    answers = fill(form, DEFAULT, given)
    response = form.response()
    assert response["questionnaire"] == f"{questionnaire['url']}|{questionnaire['version']}"
    assert answered(response) == answers
    observation = fhir_server.evaluate(response)
    assert outcome(observation) == case.outcome
    assert outcome(observation) == engine.evaluate(DEFAULT, answers).outcome.id
    assert observation["effectiveDateTime"] == response["authored"]


def test_a_follow_up_goes_when_its_parent_changes(
    form: Form, fhir_server: FHIRServer, questionnaire: dict[str, Any]
) -> None:
    """No to everything, then yes to a fever and to its follow-ups (urgent), then no to
    the fever again: the follow-ups go from the form and from its response, and the
    outcome is the engine's on the final answers (info)."""
    questions = DEFAULT.question_by_id
    form.load(questionnaire)
    answers = fill(
        form, DEFAULT, {**IN_SCOPE, **{q.id: "no" for q in DEFAULT.questions if q.when is None}}
    )
    form.answer(DEFAULT, answers, questions["fever_recent"], "yes")
    form.answer(DEFAULT, answers, questions["fever_risk"], "yes")  # 75 or over, or diabetes
    form.answer(DEFAULT, answers, questions["fever_pain"], "no")
    assert engine.evaluate(DEFAULT, answers).outcome.id == "urgent"
    assert outcome(fhir_server.evaluate(form.response())) == "urgent"

    form.answer(DEFAULT, answers, questions["fever_recent"], "no")
    shown = form.settle()["shown"]
    assert "fever_risk" not in shown
    assert "fever_pain" not in shown
    response = form.response()
    assert "fever_risk" in answers  # still held by the form, as in LHC-Forms
    assert answered(response) == engine.relevant_answers(DEFAULT, answers)
    assert {"fever_risk", "fever_pain"}.isdisjoint(answered(response))
    assert engine.evaluate(DEFAULT, answers).outcome.id == "info"
    assert outcome(fhir_server.evaluate(response)) == "info"

    # Back to yes: the follow-ups are asked again. LHC-Forms shows them with the answers
    # it kept, and sends those; the HTML flow dropped them and asks afresh.
    form.answer(DEFAULT, answers, questions["fever_recent"], "yes")
    response = form.response()
    assert answered(response) == engine.relevant_answers(DEFAULT, answers)
    assert outcome(fhir_server.evaluate(response)) == "urgent"


def test_outside_the_scope_there_is_no_outcome(
    form: Form, fhir_server: FHIRServer, questionnaire: dict[str, Any]
) -> None:
    """Yes to "for you" and to a red flag, then no to "for you": the Observation has no
    value, only the reason it is absent, never the lowest outcome (nor the red flag's)."""
    form.load(questionnaire)
    answers: dict[str, str] = {}
    form.answer(DEFAULT, answers, SCOPE, "yes")
    form.answer(DEFAULT, answers, DEFAULT.question_by_id["cannot_urinate"], "yes")
    assert outcome(fhir_server.evaluate(form.response())) == "emergency"
    form.click(SCOPE, "no")  # what LHC-Forms shows then: the test below
    assert form.settle(SCOPE.id)["chosen"] == SCOPE.label("no")
    response = form.response()
    assert answered(response)[SCOPE.id] == "no"
    assert isinstance(engine.screen(DEFAULT, answered(response)), engine.OutsideScope)
    observation = fhir_server.evaluate(response)
    assert "valueCodeableConcept" not in observation
    assert "component" not in observation
    assert observation["dataAbsentReason"]["coding"][0]["code"] == "not-applicable"


def test_outside_the_scope_no_more_is_asked(form: Form, questionnaire: dict[str, Any]) -> None:
    """After an answer outside the scope the HTML flow asks nothing more; nor should
    LHC-Forms show any more questions."""
    form.load(questionnaire)
    answers: dict[str, str] = {}
    form.answer(DEFAULT, answers, SCOPE, "no")


def hints_on_show(form: Form, ruleset: Ruleset) -> dict[str, str | None]:
    """Each hinted question on show, and its hint's text as the page shows it."""
    shown = form.settle()["shown"]
    return {
        q.id: form.page.evaluate("id => harness.displayed(id)", fhir.hint_link_id(q))
        for q in ruleset.flow
        if q.hint and q.id in shown
    }


def test_hints_are_shown_with_their_questions(form: Form, questionnaire: dict[str, Any]) -> None:
    """A hint holds signs that decide the answer, so it is on show with its question,
    not behind a help button; as an SDC help item it would be hidden behind one."""
    form.load(questionnaire)
    answers: dict[str, str] = {}
    form.answer(DEFAULT, answers, SCOPE, "yes")
    shown = hints_on_show(form, DEFAULT)
    assert len(shown) >= 3, "the default rules have hints"
    for question_id, text in shown.items():
        assert text == DEFAULT.question_by_id[question_id].hint, question_id
    assert form.page.evaluate("harness.helpButtons()") == 0

    as_help = json.loads(json.dumps(questionnaire))  # what the check is for
    help_control = {
        "url": fhir.ITEM_CONTROL,
        "valueCodeableConcept": {"coding": [{"system": fhir.ITEM_CONTROL_CODES, "code": "help"}]},
    }

    def put_behind_help(items: list[dict[str, Any]]) -> None:
        for item in items:
            if item["linkId"].endswith("-hint"):
                item["extension"] = [help_control]
            put_behind_help(item.get("item", []))

    put_behind_help(as_help["item"])
    form.load(as_help)
    form.answer(DEFAULT, {}, SCOPE, "yes")
    assert set(hints_on_show(form, DEFAULT).values()) == {None}
    assert form.page.evaluate("harness.helpButtons()") == len(shown)


def test_a_full_response_in_spanish_fits_twice_over(form: Form, fhir_server: FHIRServer) -> None:
    """Every question answered in Spanish, with the answer that asks the most and has
    the longest label: LHC-Forms' response, indented by four, is evaluated, and the
    limit on a body is at least twice its size."""
    language = fhir_server.server.app.extensions["screener_languages"].by_tag("es")
    assert language is not None
    spanish = language.ruleset
    form.load(fhir_server.questionnaire("es"))
    answers: dict[str, str] = {}
    for question in spanish.flow:
        if question.id == SCOPE.id:
            form.answer(spanish, answers, question, IN_SCOPE[SCOPE.id])
            continue
        assert question in engine.asked_questions(spanish, answers), question.id
        value = max(
            question.values,
            key=lambda v: (
                len(engine.asked_questions(spanish, {**answers, question.id: v})),
                len(question.label(v)),
            ),
        )
        form.answer(spanish, answers, question, value)
    assert set(answers) == {q.id for q in spanish.flow}, "every question answered"
    response = form.response()
    assert answered(response) == answers
    body = json.dumps(response, indent=4).encode()
    assert 2 * len(body) <= fhir_api.MAX_BODY, len(body)
    observation = fhir_server.evaluate(body, lang="es")
    assert outcome(observation) == engine.evaluate(spanish, answers).outcome.id
    assert observation["language"] == "es"


def test_screenshot(form: Form, questionnaire: dict[str, Any]) -> None:
    """LHC-Forms' rendering, with a follow-up on show, kept in test-artifacts/."""
    form.load(questionnaire)
    answers = fill(form, DEFAULT, {**IN_SCOPE, "fever_recent": "yes"})
    assert "fever_risk" in form.settle()["shown"]
    form.page.evaluate("window.scrollTo(0, 0)")
    ARTIFACTS.mkdir(exist_ok=True)  # with the radio buttons' transitions finished
    path = ARTIFACTS / "lforms-questionnaire.png"
    form.page.screenshot(path=str(path), full_page=True, animations="disabled")
    assert answers == {**IN_SCOPE, "fever_recent": "yes"}


# ---- enableWhenExpression: follow-ups behind not, all and any ------------------------

LOGIC = """\
id: logic_check
version: "1.0"
title: Follow-ups behind not, all and any
questions:
  - id: a
    text: Question A?
  - id: b
    text: Question B?
  - id: c
    text: Question C?
  - id: not_a_no
    text: Asked unless A is no, so also when A is not answered?
    when: {not: {question: a, is: "no"}}
  - id: a_and_b_or_c
    text: Asked when A is yes or not sure, and B is yes or C is yes or not sure?
    when:
      all:
        - {question: a, in: ["yes", unsure]}
        - any:
            - {question: b, is: "yes"}
            - {question: c, in: ["yes", unsure]}
  - id: either_or_neither
    text: Asked when A is yes and B is no, or when B is not yes and C is not no?
    when:
      any:
        - all: [{question: a, is: "yes"}, {question: b, is: "no"}]
        - not:
            any: [{question: b, is: "yes"}, {question: c, is: "no"}]
  - id: both_yes
    text: Asked when A and B are both yes (plain enableWhen, all)?
    when: {all: [{question: a, is: "yes"}, {question: b, is: "yes"}]}
  - id: unless_not_a_no_is_no
    text: Asked unless not_a_no is asked and answered no (FHIRPath on FHIRPath)?
    when: {not: {question: not_a_no, is: "no"}}
  - id: after_not_a_no
    text: Asked when not_a_no is asked and answered no (enableWhen on FHIRPath)?
    when: {question: not_a_no, is: "no"}
  - id: after_both_yes
    text: Asked when both_yes is asked and answered no (enableWhen on enableWhen)?
    when: {question: both_yes, is: "no"}
outcomes:
  - {id: high, severity: 2, title: High, body: Go now.}
  - {id: low, severity: 1, title: Low, body: Fine.}
rules:
  - id: r1
    when:
      any:
        - {question: both_yes, in: ["yes", unsure]}
        - {question: either_or_neither, in: ["yes", unsure]}
    outcome: high
    reason: You told us so.
    source: {section: Test}
cases:
  - {id: none, answers: {a: "no", b: "yes"}, others: "no", outcome: low}
  - {id: high, answers: {a: "yes", b: "yes", both_yes: "yes"}, others: "no", outcome: high}
"""
PARENTS = ("a", "b", "c")


@pytest.fixture(scope="module")
def logic_rules(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("lforms") / "logic.yaml"
    path.write_text(textwrap.dedent(LOGIC), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def logic(logic_rules: Path) -> Iterator[tuple[Ruleset, FHIRServer, dict[str, Any]]]:
    """The synthetic rules, their own app, and their Questionnaire."""
    with FHIRServer({"RULES": str(logic_rules)}) as server:
        yield load_ruleset(logic_rules), server, server.questionnaire()


def test_the_synthetic_rules_need_enable_when_expression(
    logic: tuple[Ruleset, FHIRServer, dict[str, Any]],
) -> None:
    """The follow-ups behind not or mixed all/any are FHIRPath; both_yes is plain."""
    _, _, questionnaire = logic
    items = {item["linkId"]: item for item in questionnaire["item"]}
    for link_id in ("not_a_no", "a_and_b_or_c", "either_or_neither", "unless_not_a_no_is_no"):
        urls = [e["url"] for e in items[link_id]["extension"]]
        assert fhir.ENABLE_WHEN_EXPRESSION in urls, link_id
        assert "enableWhen" not in items[link_id]
    assert items["both_yes"]["enableBehavior"] == "all"


def test_expressions_over_every_combination(
    form: Form, logic: tuple[Ruleset, FHIRServer, dict[str, Any]]
) -> None:
    """Every combination of answers to A, B and C, blank included (4 x 4 x 4): after
    each click the follow-ups on show are those the engine asks, and the outcome of
    LHC-Forms' response is the engine's."""
    ruleset, server, questionnaire = logic
    questions = ruleset.question_by_id
    seen: set[tuple[str | None, ...]] = set()
    for blank in itertools.product((False, True), repeat=len(PARENTS)):
        answered_parents = [p for p, b in zip(PARENTS, blank, strict=True) if not b]
        form.load(questionnaire)  # a fresh form: a blank answer cannot be clicked back
        answers: dict[str, str] = {}
        form.expect(ruleset, answers)
        choices = [questions[p].values for p in answered_parents]
        for combination in itertools.product(*choices):
            for parent, value in zip(answered_parents, combination, strict=True):
                if answers.get(parent) != value:
                    form.answer(ruleset, answers, questions[parent], value)
            seen.add(tuple(answers.get(p) for p in PARENTS))
            response = form.response()
            assert answered(response) == answers
            observation = server.evaluate(response)
            assert outcome(observation) == engine.evaluate(ruleset, answers).outcome.id
    assert len(seen) == 4 ** len(PARENTS)


def test_a_stale_answer_does_not_count_under_enable_when(
    form: Form, logic: tuple[Ruleset, FHIRServer, dict[str, Any]]
) -> None:
    """both_yes answered no asks after_both_yes; once A is no, both_yes is not asked,
    its answer no longer counts, and after_both_yes goes too."""
    ruleset, server, questionnaire = logic
    questions = ruleset.question_by_id
    form.load(questionnaire)
    answers: dict[str, str] = {}
    form.answer(ruleset, answers, questions["a"], "yes")
    form.answer(ruleset, answers, questions["b"], "yes")
    form.answer(ruleset, answers, questions["both_yes"], "no")
    assert "after_both_yes" in form.settle()["shown"]
    form.answer(ruleset, answers, questions["after_both_yes"], "yes")
    form.answer(ruleset, answers, questions["a"], "no")
    assert {"both_yes", "after_both_yes"}.isdisjoint(form.settle()["shown"])
    response = form.response()
    assert (
        answered(response) == engine.relevant_answers(ruleset, answers) == {"a": "no", "b": "yes"}
    )
    assert outcome(server.evaluate(response)) == engine.evaluate(ruleset, answers).outcome.id


def test_a_stale_answer_does_not_count_under_enable_when_expression(
    form: Form, logic: tuple[Ruleset, FHIRServer, dict[str, Any]]
) -> None:
    """not_a_no answered no hides unless_not_a_no_is_no and asks after_not_a_no; once A
    is no, not_a_no is not asked and its answer must no longer count: the first is
    asked again and the second goes."""
    ruleset, server, questionnaire = logic
    questions = ruleset.question_by_id
    form.load(questionnaire)
    answers: dict[str, str] = {}
    form.answer(ruleset, answers, questions["a"], "yes")
    form.answer(ruleset, answers, questions["not_a_no"], "no")
    shown = form.settle()["shown"]
    assert "unless_not_a_no_is_no" not in shown
    assert "after_not_a_no" in shown
    form.answer(ruleset, answers, questions["a"], "no")
    shown = form.settle()["shown"]
    assert "unless_not_a_no_is_no" in shown
    assert "after_not_a_no" not in shown
    observation = server.evaluate(form.response())
    assert outcome(observation) == engine.evaluate(ruleset, answers).outcome.id
