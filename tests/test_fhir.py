"""The FHIR face (/api/v1/fhir): the rules as an R4 SDC Questionnaire, a
QuestionnaireResponse evaluated into an Observation, and OperationOutcome errors.

Every document is checked by two independent sets of FHIR models: SMART on FHIR's
fhirclient (R4 4.0.1: no superfluous key, every required element, the right types)
and fhir.resources' R4B pydantic models (the formats of id, uri, code, instant ...),
and the codes of R4's required bindings against the value sets written out below.
"""

from __future__ import annotations

import functools
import io
import itertools
import json
import logging
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import fhirpathpy
import pytest
from click.testing import CliRunner
from fhir.resources.R4B import observation as r4b_observation
from fhir.resources.R4B import operationoutcome as r4b_operationoutcome
from fhir.resources.R4B import questionnaire as r4b_questionnaire
from fhir.resources.R4B import questionnaireresponse as r4b_questionnaireresponse
from fhirclient.models import observation as r4_observation
from fhirclient.models import operationoutcome as r4_operationoutcome
from fhirclient.models import questionnaire as r4_questionnaire
from fhirclient.models import questionnaireresponse as r4_questionnaireresponse
from fhirpathpy.models import models as fhirpath_models
from flask.testing import FlaskClient
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.test import TestResponse

from screener import config, create_app, engine, fhir, fhir_api
from screener.cli import main
from screener.config import ConfigError
from screener.resources import default_rules_path, load_ruleset, schema
from screener.ruleset import AllOf, AnswerIn, AnyOf, Condition, Not, Ruleset, parse
from tests.generated import generate

PUBLIC = "https://screener.example.org"
BASE = f"{PUBLIC}/api/v1/fhir"
URL = f"{BASE}/Questionnaire/prostate-massage"  # the canonical, and the answers' system
HOST = "https://www.example.org"  # on the embed allow-list
MEDIA = "application/fhir+json"
QUESTIONNAIRE = "/api/v1/fhir/Questionnaire"
EVALUATE = "/api/v1/fhir/QuestionnaireResponse/$evaluate"

TRANSLATION = "http://hl7.org/fhir/StructureDefinition/translation"
ITEM_CONTROL = "http://hl7.org/fhir/StructureDefinition/questionnaire-itemControl"
ITEM_CONTROL_CODES = "http://hl7.org/fhir/questionnaire-item-control"
ENABLE_WHEN_EXPRESSION = (
    "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-enableWhenExpression"
)
INSTANTIATES = "http://hl7.org/fhir/StructureDefinition/workflow-instantiatesCanonical"
DATA_ABSENT = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
OUTCOMES = f"{BASE}/CodeSystem/prostate-massage-outcome"
RULE_CODES = f"{BASE}/CodeSystem/prostate-massage-rule"
ANSWERED = f"{BASE}/StructureDefinition/reason-answered"
RULES_HASH = f"{BASE}/StructureDefinition/rules-sha256"
REVIEW = f"{BASE}/StructureDefinition/review"

APP = create_app(
    {"TESTING": True, "SECRET_KEY": "fhir tests", "EMBED_ORIGINS": [HOST], "PUBLIC_URL": PUBLIC}
)
RULESET = load_ruleset(default_rules_path())
LANGUAGES = {
    language.tag: language.ruleset for language in APP.extensions["screener_languages"].offered
}
VERSION = RULESET.version


@pytest.fixture(scope="module")
def api() -> FlaskClient:
    return APP.test_client()


def all_no() -> dict[str, str]:
    """A person the screening is for, who answers no to every question asked first."""
    return {"for_you": "yes", **{q.id: "no" for q in RULESET.questions if q.when is None}}


# --------------------------------------------------------------------------- validation


def codes(text: str) -> set[str]:
    return set(text.split())


# The codes of R4 (4.0.1) required bindings that these documents use, from the spec's
# value sets. Neither set of models checks them.
PUBLICATION_STATUS = {"draft", "active", "retired", "unknown"}
ITEM_TYPES = codes(
    "group display boolean decimal integer date dateTime time string text url choice "
    "open-choice attachment reference quantity"
)
ENABLE_OPERATORS = {"exists", "=", "!=", ">", "<", ">=", "<="}
ENABLE_BEHAVIORS = {"all", "any"}
IDENTIFIER_USES = {"usual", "official", "temp", "secondary", "old"}
RESPONSE_STATUSES = {"in-progress", "completed", "amended", "entered-in-error", "stopped"}
OBSERVATION_STATUSES = codes(
    "registered preliminary final amended corrected cancelled entered-in-error unknown"
)
ISSUE_SEVERITIES = {"fatal", "error", "warning", "information"}
ISSUE_TYPES = codes(
    "invalid structure required value invariant security login unknown expired forbidden "
    "suppressed processing not-supported duplicate multiple-matches not-found deleted "
    "too-long code-invalid extension too-costly business-rule conflict transient "
    "lock-error no-store exception timeout incomplete throttled informational"
)
REQUIRED_BINDINGS: dict[str, set[str]] = {
    "Questionnaire.status": PUBLICATION_STATUS,
    "Questionnaire.identifier.use": IDENTIFIER_USES,
    "Questionnaire.item.type": ITEM_TYPES,
    "Questionnaire.item.enableWhen.operator": ENABLE_OPERATORS,
    "Questionnaire.item.enableBehavior": ENABLE_BEHAVIORS,
    "QuestionnaireResponse.status": RESPONSE_STATUSES,
    "Observation.status": OBSERVATION_STATUSES,
    "OperationOutcome.issue.severity": ISSUE_SEVERITIES,
    "OperationOutcome.issue.code": ISSUE_TYPES,
}

MODELS: dict[str, tuple[Any, Any]] = {
    "Questionnaire": (r4_questionnaire.Questionnaire, r4b_questionnaire.Questionnaire),
    "QuestionnaireResponse": (
        r4_questionnaireresponse.QuestionnaireResponse,
        r4b_questionnaireresponse.QuestionnaireResponse,
    ),
    "Observation": (r4_observation.Observation, r4b_observation.Observation),
    "OperationOutcome": (
        r4_operationoutcome.OperationOutcome,
        r4b_operationoutcome.OperationOutcome,
    ),
}


def elements(node: Any, path: str) -> Iterator[tuple[str, Any]]:
    """Every primitive value with its element path (no indices; nested items collapsed
    to one ``item``, so ``Questionnaire.item.enableWhen.operator`` at any depth)."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from elements(value, re.sub(r"(\.item)+$", ".item", f"{path}.{key}"))
    elif isinstance(node, list):
        for value in node:
            yield from elements(value, path)
    else:
        yield path, node


def check_bindings(document: dict[str, Any]) -> set[str]:
    """Assert every code of a required binding is in R4's value set; the paths checked."""
    checked = set()
    for path, value in elements(document, document["resourceType"]):
        allowed = REQUIRED_BINDINGS.get(path)
        if allowed is not None:
            assert value in allowed, f"{path} = {value!r} is not in R4's value set"
            checked.add(path)
    return checked


def validate(document: dict[str, Any]) -> set[str]:
    """Check a document with both sets of models and the bindings; the binding paths seen."""
    r4, r4b = MODELS[document["resourceType"]]
    r4(json.loads(json.dumps(document)), strict=True)  # it may change what it reads
    r4b.model_validate(json.loads(json.dumps(document)))
    return check_bindings(document)


def fhir_json(response: TestResponse, status: int = 200) -> dict[str, Any]:
    """A FHIR response's resource, checked: status, media type, both sets of models."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == MEDIA
    assert response.mimetype_params.get("charset") == "utf-8"
    document: dict[str, Any] = json.loads(response.get_data(as_text=True))
    validate(document)
    return document


@pytest.mark.parametrize(
    ("change", "caught_by"),
    [
        pytest.param(lambda d: d.update(extra="x"), "fhirclient", id="superfluous key"),
        pytest.param(lambda d: d["item"][1].pop("type"), "fhirclient", id="no item type"),
        pytest.param(lambda d: d.update(id="a_b"), "fhir.resources", id="id format"),
        pytest.param(lambda d: d.update(language="en  GB"), "fhir.resources", id="code format"),
        pytest.param(lambda d: d.update(version=""), "fhir.resources", id="empty string"),
        pytest.param(lambda d: d.update(status="published"), "binding", id="status"),
        pytest.param(lambda d: d["item"][1].update(type="question"), "binding", id="item type"),
        pytest.param(lambda d: d["identifier"][0].update(use="primary"), "binding", id="use"),
    ],
)
def test_the_validation_catches_what_it_is_for(
    api: FlaskClient, change: Callable[[dict[str, Any]], Any], caught_by: str
) -> None:
    """The checks below can fail: each kind of mistake is caught."""
    document = fhir_json(api.get(QUESTIONNAIRE))
    change(document)
    r4, r4b = MODELS["Questionnaire"]
    if caught_by == "fhirclient":
        with pytest.raises(Exception, match=r"Superfluous|Non-optional"):
            r4(document, strict=True)
    elif caught_by == "fhir.resources":
        r4(json.loads(json.dumps(document)), strict=True)  # R4's models miss it
        with pytest.raises(ValueError, match="validation error"):
            r4b.model_validate(document)
    else:
        with pytest.raises(AssertionError, match="not in R4's value set"):
            validate(document)


def test_the_bindings_of_an_operation_outcome_and_an_enable_when_are_checked() -> None:
    outcome = {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": "invalid-request", "diagnostics": "x"}],
    }
    with pytest.raises(AssertionError, match=r"OperationOutcome\.issue\.code"):
        check_bindings(outcome)
    nested = {
        "resourceType": "Questionnaire",
        "status": "draft",
        "item": [
            {
                "linkId": "a",
                "type": "group",
                "item": [
                    {
                        "linkId": "b",
                        "type": "choice",
                        "enableWhen": [{"question": "x", "operator": "==", "answerBoolean": True}],
                    }
                ],
            }
        ],
    }
    with pytest.raises(AssertionError, match=r"Questionnaire\.item\.enableWhen\.operator"):
        check_bindings(nested)


# --------------------------------------------------------------------------- the Questionnaire


def all_items(items: Sequence[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for item in items:
        yield item
        yield from all_items(item.get("item", []))


def translated(tag: str, text: str) -> dict[str, Any]:
    """The standard translation extension of one text, in one other language."""
    return {
        "extension": [
            {
                "url": TRANSLATION,
                "extension": [
                    {"url": "lang", "valueCode": tag},
                    {"url": "content", "valueString": text},
                ],
            }
        ]
    }


def item_control(item: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (coding["system"], coding["code"])
        for extension in item.get("extension", [])
        if extension["url"] == ITEM_CONTROL
        for coding in extension["valueCodeableConcept"]["coding"]
    ]


@pytest.mark.parametrize("lang", ["en-GB", "es"])
def test_the_questionnaire_in_each_language(api: FlaskClient, lang: str) -> None:
    response = api.get(QUESTIONNAIRE, query_string={"lang": lang})
    document = fhir_json(response)
    assert response.headers["Content-Language"] == lang
    assert "Questionnaire.item.enableWhen.operator" in validate(document)
    shown = LANGUAGES[lang]
    (other,) = set(LANGUAGES) - {lang}
    there = LANGUAGES[other]
    assert document["id"] == "prostate-massage"
    assert document["url"] == URL
    assert document["version"] == VERSION == "2.0.0"
    assert document["language"] == lang
    assert document["name"] == "ProstateMassage"
    assert re.fullmatch(r"[A-Z][A-Za-z0-9_]{0,254}", document["name"]), "que-0"
    assert document["identifier"][0]["system"] == f"{BASE}/NamingSystem/rules-sha256"
    assert document["identifier"][0]["value"] == RULESET.sha256
    assert document["status"] == "draft", "the default rules' review is a draft"
    assert document["title"] == shown.title
    assert document["_title"] == translated(other, there.title)
    # The description is not translated: it is given in the rules' own language only.
    assert RULESET.description
    if lang == "en-GB":
        assert document["description"] == shown.description == RULESET.description
    else:
        assert "description" not in document
    assert "_description" not in document

    link_ids = [item["linkId"] for item in all_items(document["item"])]
    assert len(link_ids) == len(set(link_ids)), "linkIds are unique"
    emergency, scope, gate = document["item"]
    assert emergency["type"] == "display" and "999" in emergency["text"]
    assert emergency["text"] == shown.emergency
    assert emergency["_text"] == translated(other, there.emergency or "")
    # The screening proper is a group the scope question gates, as the pages stop at an
    # answer outside the scope: enabled while it is unanswered or answered "yes".
    assert {k: v for k, v in gate.items() if k != "item"} == {
        "linkId": "for_you-in-scope",
        "type": "group",
        "enableWhen": [
            {"question": "for_you", "operator": "exists", "answerBoolean": False},
            {
                "question": "for_you",
                "operator": "=",
                "answerCoding": {"system": URL, "code": "yes"},
            },
        ],
        "enableBehavior": "any",
    }
    questions = [scope, *gate["item"]]
    assert [item["linkId"] for item in questions] == [q.id for q in shown.flow]
    for item, question in zip(questions, shown.flow, strict=True):
        same = there.question_by_id[question.id]
        assert item["type"] == "choice"
        assert item["text"] == question.text
        assert item["_text"] == translated(other, same.text)
        assert item_control(item) == [(ITEM_CONTROL_CODES, "radio-button")]
        assert item["answerOption"] == [
            {
                "valueCoding": {
                    "system": URL,
                    "code": option.value,
                    "display": option.label,
                    "_display": translated(other, same.label(option.value)),
                }
            }
            for option in question.options
        ]
        assert item.get("required", False) is (question.in_scope is not None)
        if question.hint:
            # Shown with the question, never behind a help button: a hint holds signs
            # that decide the answer.
            (hint,) = item["item"]
            assert hint == {
                "linkId": f"{question.id}-hint",
                "type": "display",
                "text": question.hint,
                "_text": translated(other, same.hint or ""),
            }
            assert item_control(hint) == []
        else:
            assert "item" not in item
    assert questions[0]["linkId"] == "for_you" and questions[0]["required"] is True
    assert sum("item" in item for item in questions) >= 3, "the default rules have hints"
    assert api.get(f"{QUESTIONNAIRE}/prostate-massage", query_string={"lang": lang}).get_json() == (
        document
    )


def test_the_questionnaire_follows_accept_language(api: FlaskClient) -> None:
    document = fhir_json(api.get(QUESTIONNAIRE, headers={"Accept-Language": "es-MX"}))
    assert document["language"] == "es" and document["title"] == LANGUAGES["es"].title


def test_addresses_come_from_the_public_url_never_the_host_header() -> None:
    app = create_app(
        {"TESTING": True, "SECRET_KEY": "fhir tests", "PUBLIC_URL": "https://x.org/screening"}
    )
    client = app.test_client()
    document = fhir_json(
        client.get(QUESTIONNAIRE, headers={"Host": "evil.example", "X-Forwarded-Host": "evil"})
    )
    url = "https://x.org/screening/api/v1/fhir/Questionnaire/prostate-massage"
    assert document["url"] == url
    assert "evil" not in json.dumps(document)
    assert {o["valueCoding"]["system"] for o in document["item"][1]["answerOption"]} == {url}
    body = response_for({"for_you": "yes"}, url=url)
    observation = fhir_json(client.post(EVALUATE, data=json.dumps(body), content_type=MEDIA))
    assert observation["extension"][0]["valueCanonical"] == f"{url}|{VERSION}"


def test_one_language_has_no_translations() -> None:
    app = create_app(
        {"TESTING": True, "SECRET_KEY": "fhir tests", "PUBLIC_URL": PUBLIC, "LANGUAGES": ["en-GB"]}
    )
    client = app.test_client()
    response = client.get(QUESTIONNAIRE)
    document = fhir_json(response)
    assert document["language"] == "en-GB"
    assert TRANSLATION not in response.get_data(as_text=True)
    assert not [path for path, _ in elements(document, "Questionnaire") if "._" in path]
    refused = client.get(QUESTIONNAIRE, query_string={"lang": "es"})
    assert fhir_json(refused, 400)["issue"][0]["diagnostics"] == "lang must be one of: en-GB."


def approved_rules(rules_file: Callable[[str], Path], *, spanish: bool = False) -> Path:
    """The default rules approved by a clinician; with ``spanish``, their Spanish
    translation too (for the texts its catalog holds now)."""
    from tests.test_approve import approve_text

    text = approve_text(default_rules_path().read_text(encoding="utf-8"))
    return rules_file(approve_text(text, lang="es") if spanish else text)


def app_with(rules: Path) -> FlaskClient:
    return create_app(
        {"TESTING": True, "SECRET_KEY": "fhir tests", "PUBLIC_URL": PUBLIC, "RULES": str(rules)}
    ).test_client()


def translation_languages(node: Any) -> set[str]:
    """The languages of every translation extension in a document."""
    if isinstance(node, list):
        return set().union(*map(translation_languages, node)) if node else set()
    if not isinstance(node, dict):
        return set()
    found = set().union(*map(translation_languages, node.values())) if node else set()
    if node.get("url") == TRANSLATION:
        found |= {e["valueCode"] for e in node["extension"] if e["url"] == "lang"}
    return found


def review_of(observation: dict[str, Any]) -> str:
    (review,) = [e["valueCode"] for e in observation["extension"] if e["url"] == REVIEW]
    return str(review)


def test_the_questionnaire_is_active_only_when_approved_in_its_language(
    rules_file: Callable[[str], Path],
) -> None:
    """Approved rules in the rules file's own language are active; the Spanish texts,
    a draft translation, keep the Questionnaire a draft. An active Questionnaire carries
    no translation a clinician has not checked (a renderer that shows one would not say
    so); a draft one carries them all, the source language's too."""
    client = app_with(approved_rules(rules_file))
    english = client.get(QUESTIONNAIRE, query_string={"lang": "en-GB"})
    document = fhir_json(english)
    assert document["status"] == "active"
    assert translation_languages(document) == set()
    assert TRANSLATION not in english.get_data(as_text=True)
    assert "_title" not in document and "_text" not in document["item"][0]
    assert document["description"] == RULESET.description
    spanish = fhir_json(client.get(QUESTIONNAIRE, query_string={"lang": "es"}))
    assert spanish["status"] == "draft"
    assert translation_languages(spanish) == {"en-GB"}
    assert spanish["_title"] == translated("en-GB", LANGUAGES["en-GB"].title)
    assert "description" not in spanish
    default = fhir_json(APP.test_client().get(QUESTIONNAIRE, query_string={"lang": "en-GB"}))
    assert default["status"] == "draft"
    assert translation_languages(default) == {"es"}, "a draft carries the draft translation"


def test_an_approved_translation_is_carried_by_an_active_questionnaire(
    rules_file: Callable[[str], Path],
) -> None:
    client = app_with(approved_rules(rules_file, spanish=True))
    english = fhir_json(client.get(QUESTIONNAIRE, query_string={"lang": "en-GB"}))
    spanish = fhir_json(client.get(QUESTIONNAIRE, query_string={"lang": "es"}))
    assert english["status"] == spanish["status"] == "active"
    assert translation_languages(english) == {"es"}
    assert english["_title"] == translated("es", LANGUAGES["es"].title)
    assert translation_languages(spanish) == {"en-GB"}
    assert spanish["item"][1]["_text"] == translated("en-GB", LANGUAGES["en-GB"].flow[0].text)


def test_the_observation_says_whether_a_clinician_checked_what_decided_it(
    api: FlaskClient, rules_file: Callable[[str], Path]
) -> None:
    """approved only when the rules and the language of the result both are, as the
    pages say it; the Questionnaire's status says the same."""
    body = response_for(all_no())
    for lang in ("en-GB", "es"):
        assert review_of(fhir_json(post(api, body, lang))) == "draft"
    rules_only = app_with(approved_rules(rules_file))
    assert review_of(fhir_json(post(rules_only, body, "en-GB"))) == "approved"
    assert review_of(fhir_json(post(rules_only, body, "es"))) == "draft"
    both = app_with(approved_rules(rules_file, spanish=True))
    for lang in ("en-GB", "es"):
        assert review_of(fhir_json(post(both, body, lang))) == "approved"
    outside = fhir_json(post(rules_only, response_for({"for_you": "no"}), "en-GB"))
    assert review_of(outside) == "approved"


def test_export_writes_the_served_document(
    api: FlaskClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in ("SCREENER_RULES", "SCREENER_LANGUAGES", "SCREENER_PUBLIC_URL"):
        monkeypatch.delenv(name, raising=False)
    out = tmp_path / "questionnaire.json"
    result = CliRunner().invoke(
        main, ["export", "--format", "fhir", "--lang", "es", "--public-url", PUBLIC, "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    exported = json.loads(out.read_text(encoding="utf-8"))
    validate(exported)
    assert exported == api.get(QUESTIONNAIRE, query_string={"lang": "es"}).get_json()


# --------------------------------------------------------------------------- enableWhen


def coding(system: str, code: str) -> dict[str, Any]:
    return {"valueCoding": {"system": system, "code": code}}


def response_of(answers: Mapping[str, str | None], system: str) -> dict[str, Any]:
    """A QuestionnaireResponse being filled in, with these answers (None: not answered)."""
    return {
        "resourceType": "QuestionnaireResponse",
        "status": "in-progress",
        "item": [
            {"linkId": qid, "answer": [coding(system, value)]}
            for qid, value in answers.items()
            if value is not None
        ],
    }


def enabled(item: dict[str, Any], answers: Mapping[str, str | None], system: str) -> bool:
    """R4's enableWhen and enableBehavior, for the coded answers these items have."""
    conditions = item["enableWhen"]
    results = []
    for condition in conditions:
        answer = answers.get(condition["question"])
        expected = condition["answerCoding"]
        if condition["operator"] == "=":
            results.append(
                answer is not None and (expected["system"], expected["code"]) == (system, answer)
            )
        elif condition["operator"] == "!=":
            results.append(answer is not None and expected["code"] != answer)
        elif condition["operator"] == "exists":
            results.append((answer is not None) is condition["answerBoolean"])
        else:
            raise AssertionError(f"unexpected operator {condition['operator']!r}")
    if len(conditions) > 1:
        behavior = item["enableBehavior"]  # que-12: required with more than one
    else:
        assert "enableBehavior" not in item or item["enableBehavior"] in ENABLE_BEHAVIORS
        behavior = "all"
    return all(results) if behavior == "all" else any(results)


@functools.cache
def compiled(expression: str) -> Callable[..., list[Any]]:
    """A FHIRPath expression parsed once, evaluated with R4's model."""
    return fhirpathpy.compile(expression, fhirpath_models["r4"])


def fhirpath_holds(expression: str, answers: Mapping[str, str | None], system: str) -> bool:
    """The FHIRPath expression on the response with these answers, as %resource."""
    resource = response_of(answers, system)
    result = compiled(expression)(resource, {"resource": resource})
    assert result in ([True], [False]), f"{expression} gives {result!r}, not a boolean"
    return bool(result[0])


def combinations(
    condition: Condition, values: Mapping[str, Sequence[str]]
) -> Iterator[dict[str, str | None]]:
    """Every combination of answers (or none) to the questions a condition looks at."""
    ids = sorted(condition.questions())
    for chosen in itertools.product(*[[None, *values[qid]] for qid in ids]):
        yield dict(zip(ids, chosen, strict=True))


def given_answers(answers: Mapping[str, str | None]) -> dict[str, str]:
    return {qid: value for qid, value in answers.items() if value is not None}


def enable_means_when(document: dict[str, Any], ruleset: Ruleset, system: str) -> tuple[int, int]:
    """Assert each question's enableWhen (or enableWhenExpression) holds on exactly the
    answers its ``when`` holds on; the numbers of each kind checked."""
    items = {item["linkId"]: item for item in all_items(document["item"])}
    order = [item["linkId"] for item in all_items(document["item"])]
    values = {q.id: q.values for q in ruleset.flow}
    counts = [0, 0]
    for question in ruleset.flow:
        item = items[question.id]
        expressions = [
            e["valueExpression"]
            for e in item.get("extension", [])
            if e["url"] == ENABLE_WHEN_EXPRESSION
        ]
        if question.when is None:
            assert "enableWhen" not in item and not expressions, question.id
            continue
        for referenced in question.when.questions():
            assert order.index(referenced) < order.index(question.id), "asked before"
        if "enableWhen" in item:
            assert not expressions, f"{question.id}: enableWhen or an expression, not both"
            for entry in item["enableWhen"]:
                assert entry["question"] in items
            for answers in combinations(question.when, values):
                assert enabled(item, answers, system) is question.when.holds(
                    given_answers(answers)
                ), (question.id, answers)
            counts[0] += 1
        else:
            (expression,) = expressions
            assert expression["language"] == "text/fhirpath"
            for answers in combinations(question.when, values):
                assert fhirpath_holds(expression["expression"], answers, system) is (
                    question.when.holds(given_answers(answers))
                ), (question.id, answers)
            counts[1] += 1
    return counts[0], counts[1]


def test_enable_when_means_exactly_the_engines_when(api: FlaskClient) -> None:
    document = fhir_json(api.get(QUESTIONNAIRE))
    follow_ups = [q for q in RULESET.flow if q.when is not None]
    assert enable_means_when(document, RULESET, URL) == (len(follow_ups), 0)
    assert any(
        item.get("enableBehavior") == "any" and len({e["question"] for e in item["enableWhen"]}) > 1
        for item in all_items(document["item"])
        if "enableWhen" in item
    ), "the default rules have a follow-up of two questions"


def test_generated_rules_need_enable_when_expressions_and_keep_their_meaning() -> None:
    """Rules clinics write: custom options, follow-ups of follow-ups, and ``not``."""
    ruleset = parse(generate(60, seed=3), filename="generated", schema=schema())
    canonical = fhir.Canonical.of("https://x.org", ruleset)
    document = fhir.questionnaire(ruleset, canonical, language="en", approved=False)
    validate(document)
    assert document["id"] == "generated-60"
    url = "https://x.org/api/v1/fhir/Questionnaire/generated-60"
    assert document["url"] == url
    assert document["name"] == "Generated60"
    with_enable_when, with_expression = enable_means_when(document, ruleset, url)
    assert with_enable_when > 0 and with_expression > 0
    custom = next(q for q in ruleset.flow if q.values != ("yes", "no", "unsure"))
    item = next(i for i in document["item"] if i["linkId"] == custom.id)
    assert [o["valueCoding"]["code"] for o in item["answerOption"]] == list(custom.values)


def test_a_rules_file_with_not_and_all_gets_an_expression(
    rules_file: Callable[[str], Path],
) -> None:
    from tests.test_ruleset import MINI

    text = MINI.replace(
        "    when: {question: a, in: [yes, unsure]}",
        "    when: {all: [{question: a, in: [yes, unsure]}, {not: {question: a, is: unsure}}]}",
    )
    ruleset = load_ruleset(rules_file(text))
    canonical = fhir.Canonical.of(PUBLIC, ruleset)
    document = fhir.questionnaire(ruleset, canonical, language="en", approved=True)
    validate(document)
    assert document["status"] == "active"
    follow_up = document["item"][1]
    assert "enableWhen" not in follow_up
    assert enable_means_when(document, ruleset, f"{BASE}/Questionnaire/mini") == (0, 1)


QUESTION_VALUES = {
    "a": ("yes", "no", "unsure"),
    "b": ("yes", "no", "unsure"),
    "c": ("mild", "severe"),
}
ANSWER_TESTS = st.sampled_from(sorted(QUESTION_VALUES)).flatmap(
    lambda qid: st.sets(st.sampled_from(QUESTION_VALUES[qid]), min_size=1).map(
        lambda values: AnswerIn(qid, frozenset(values))
    )
)
CONDITIONS = st.recursive(
    ANSWER_TESTS,
    lambda inner: st.one_of(
        st.lists(inner, min_size=1, max_size=3).map(lambda parts: AllOf(tuple(parts))),
        st.lists(inner, min_size=1, max_size=3).map(lambda parts: AnyOf(tuple(parts))),
        inner.map(Not),
    ),
    max_leaves=6,
)


def any_form(condition: Condition) -> bool:
    """Answer tests joined by ``any``: what enableWhen says with enableBehavior any."""
    if isinstance(condition, AnswerIn):
        return True
    return isinstance(condition, AnyOf) and all(any_form(p) for p in condition.parts)


def all_form(condition: Condition) -> bool:
    """Tests of one value each joined by ``all``: enableWhen with enableBehavior all."""
    if isinstance(condition, AnswerIn):
        return len(condition.values) == 1
    return isinstance(condition, AllOf) and all(all_form(p) for p in condition.parts)


CANONICAL = fhir.Canonical.of(PUBLIC, RULESET)


def check_condition(condition: Condition) -> None:
    """The FHIRPath of any condition, and the enableWhen of one it can say, hold on
    exactly the answers the engine's condition holds on."""
    expression = fhir.fhirpath(condition)
    entries = fhir.enable_when(condition, CANONICAL)
    if any_form(condition) or all_form(condition):
        assert entries is not None
    for answers in combinations(condition, QUESTION_VALUES):
        holds = condition.holds(given_answers(answers))
        assert fhirpath_holds(expression, answers, URL) is holds, (expression, answers)
        if entries is not None:
            conditions, behavior = entries
            item = {"enableWhen": conditions, "enableBehavior": behavior}
            assert enabled(item, answers, URL) is holds, (conditions, behavior, answers)


@pytest.mark.parametrize(
    "condition",
    [
        Not(AnswerIn("a", frozenset({"no"}))),
        AllOf((AnswerIn("a", frozenset({"yes", "unsure"})), AnswerIn("b", frozenset({"yes"})))),
        AllOf((AnswerIn("a", frozenset({"yes"})), AnyOf((AnswerIn("b", frozenset({"no"})),)))),
        AnyOf((AllOf((AnswerIn("a", frozenset({"yes"})), AnswerIn("c", frozenset({"mild"})))),)),
        Not(AnyOf((AnswerIn("a", frozenset({"no"})), AnswerIn("b", frozenset({"no"}))))),
        Not(Not(AnswerIn("c", frozenset({"severe"})))),
    ],
)
def test_conditions_enable_when_cannot_say(condition: Condition) -> None:
    assert fhir.enable_when(condition, CANONICAL) is None, "needs enableWhenExpression"
    check_condition(condition)


@pytest.mark.parametrize(
    "condition",
    [
        AnswerIn("a", frozenset({"yes", "unsure"})),
        AnyOf((AnswerIn("a", frozenset({"yes"})), AnswerIn("b", frozenset({"yes", "unsure"})))),
        AllOf((AnswerIn("a", frozenset({"yes"})), AnswerIn("c", frozenset({"mild"})))),
    ],
)
def test_conditions_enable_when_can_say(condition: Condition) -> None:
    assert fhir.enable_when(condition, CANONICAL) is not None
    check_condition(condition)


@given(CONDITIONS)
@settings(max_examples=150, deadline=None)
def test_random_conditions_keep_their_meaning(condition: Condition) -> None:
    check_condition(condition)


# --------------------------------------------------------------------------- $evaluate


def response_for(
    answers: Mapping[str, str],
    *,
    lang: str = "en-GB",
    status: str = "completed",
    url: str = URL,
    **extra: Any,
) -> dict[str, Any]:
    """A completed QuestionnaireResponse with these answers, in the Questionnaire's order."""
    shown = LANGUAGES[lang]
    return {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": f"{url}|{VERSION}",
        "status": status,
        **extra,
        "item": [
            {
                "linkId": question.id,
                "text": question.text,
                "answer": [
                    {
                        "valueCoding": {
                            "system": url,
                            "code": answers[question.id],
                            "display": question.label(answers[question.id]),
                        }
                    }
                ],
            }
            for question in shown.flow
            if question.id in answers
        ],
    }


def post(client: FlaskClient, body: Any, lang: str | None = None, **kwargs: Any) -> TestResponse:
    query = {"lang": lang} if lang else {}
    return client.post(
        EVALUATE,
        data=body if isinstance(body, str | bytes) else json.dumps(body),
        content_type=kwargs.pop("content_type", MEDIA),
        query_string=query,
        **kwargs,
    )


def evaluated(
    client: FlaskClient, answers: Mapping[str, str], lang: str = "en-GB", **extra: Any
) -> dict[str, Any]:
    """The Observation for these answers, the response and the result checked."""
    body = response_for(answers, lang=lang, **extra)
    assert "QuestionnaireResponse.status" in validate(body)
    return fhir_json(post(client, body, lang))


def json_api(client: FlaskClient, answers: Mapping[str, str], lang: str = "en-GB") -> Any:
    """The JSON API's result for the same answers, which is the engine's."""
    response = client.post(
        "/api/v1/evaluate", json={"answers": dict(answers)}, query_string={"lang": lang}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    result = response.get_json()
    shown = LANGUAGES[lang]
    screened = engine.screen(shown, answers)
    if isinstance(screened, engine.OutsideScope):
        assert result == engine.outside_json(shown, screened)
    else:
        assert result == engine.result_json(shown, screened)
    return result


INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")


def assert_same_result(
    observation: dict[str, Any], result: dict[str, Any], title: str, review: str = "draft"
) -> None:
    """The Observation says what the JSON API says: outcome, every reason, rules version,
    and whether a clinician has checked the rules and texts that decided it."""
    assert observation["resourceType"] == "Observation"
    extensions = {e["url"]: e for e in observation["extension"]}
    assert len(extensions) == len(observation["extension"])
    assert set(extensions) == {INSTANTIATES, RULES_HASH, REVIEW}
    version = result["ruleset"]["version"]
    assert extensions[INSTANTIATES]["valueCanonical"] == f"{URL}|{version}"
    assert extensions[RULES_HASH]["valueString"] == result["ruleset"]["sha256"] == RULESET.sha256
    assert extensions[REVIEW] == {"url": REVIEW, "valueCode": review}
    # The code names what was measured, the same for every version of the rules; the
    # version is in the instantiates extension and on each outcome and rule code.
    assert observation["code"]["coding"] == [
        {"system": "urn:ietf:rfc:3986", "code": URL, "display": title}
    ]
    assert observation["category"][0]["coding"][0]["code"] == "survey"
    assert observation["language"] == result["language"]
    assert INSTANT.fullmatch(observation["issued"])
    issued = datetime.fromisoformat(observation["issued"])
    assert abs(datetime.now(UTC) - issued) < timedelta(minutes=5)
    if result["scope"] == "outside":
        assert "valueCodeableConcept" not in observation and "component" not in observation
        assert observation["dataAbsentReason"]["coding"][0]["code"] == "not-applicable"
        return
    assert "dataAbsentReason" not in observation
    outcome = result["outcome"]
    assert observation["valueCodeableConcept"] == {
        "coding": [
            {
                "system": OUTCOMES,
                "version": version,
                "code": outcome["id"],
                "display": outcome["title"],
            }
        ],
        "text": outcome["title"],
    }
    components = [
        (
            c["code"]["coding"][0]["system"],
            c["code"]["coding"][0]["code"],
            c["code"]["text"],
            c["valueCodeableConcept"]["coding"][0]["system"],
            c["valueCodeableConcept"]["coding"][0]["code"],
            [(e["url"], e["valueCode"]) for e in c["extension"]],
        )
        for c in observation.get("component", [])
    ]
    assert components == [
        (RULE_CODES, r["rule"], r["text"], OUTCOMES, r["outcome"], [(ANSWERED, r["answered"])])
        for r in result["reasons"]
    ]


@pytest.mark.parametrize("case", RULESET.cases, ids=lambda case: case.id)
def test_every_case_gives_the_json_apis_result(api: FlaskClient, case: Any) -> None:
    answers = {"for_you": "yes", **engine.case_answers(RULESET, case)}
    observation = evaluated(api, answers)
    result = json_api(api, answers)
    assert result["outcome"]["id"] == case.outcome
    assert_same_result(observation, result, LANGUAGES["en-GB"].title)
    assert observation["status"] == "final"


def test_the_outcomes_in_spanish(api: FlaskClient) -> None:
    answers = {**all_no(), "fever_recent": "yes", "fever_risk": "unsure", "black_stool": "unsure"}
    observation = evaluated(api, answers, lang="es")
    result = json_api(api, answers, lang="es")
    assert result["language"] == "es" and len(result["reasons"]) >= 2
    assert_same_result(observation, result, LANGUAGES["es"].title)
    assert observation["valueCodeableConcept"]["text"] != json_api(api, answers)["outcome"]["title"]


FLOW = RULESET.flow
RANDOM_ANSWERS = st.fixed_dictionaries(
    {"for_you": st.sampled_from(["yes", "yes", "yes", "no", "unsure"])},
    optional={q.id: st.sampled_from(q.values) for q in FLOW if q.id != "for_you"},
)


@given(
    answers=RANDOM_ANSWERS,
    lang=st.sampled_from(sorted(LANGUAGES)),
    status=st.sampled_from(["completed", "amended", "in-progress", "stopped"]),
)
@settings(max_examples=120, deadline=None)
def test_random_answers_give_the_json_apis_result(
    answers: dict[str, str], lang: str, status: str
) -> None:
    client = APP.test_client()
    observation = evaluated(client, answers, lang, status=status)
    assert_same_result(observation, json_api(client, answers, lang), LANGUAGES[lang].title)
    assert observation["status"] == (
        "final" if status in ("completed", "amended") else "preliminary"
    )


@pytest.mark.parametrize("answer", ["no", "unsure"])
def test_outside_the_scope_there_is_no_value(api: FlaskClient, answer: str) -> None:
    """No outcome at all, never the lowest one: data absent, not applicable."""
    answers = {**all_no(), "for_you": answer, "cannot_urinate": "yes"}
    response = post(api, response_for(answers))
    observation = fhir_json(response)
    assert_same_result(observation, json_api(api, answers), LANGUAGES["en-GB"].title)
    assert "valueCodeableConcept" not in observation and "component" not in observation
    assert observation["dataAbsentReason"]["coding"] == [
        {"system": DATA_ABSENT, "code": "not-applicable", "display": "Not Applicable"}
    ]
    outside = RULESET.outside
    assert outside is not None
    assert observation["dataAbsentReason"]["text"] == outside.title
    notes = [note["text"] for note in observation["note"]]
    assert notes[:2] == [outside.body, *outside.next_steps][:2]
    assert LANGUAGES["en-GB"].emergency in notes
    raw = response.get_data(as_text=True)
    assert OUTCOMES not in raw and RULESET.lowest.title not in raw
    assert '"info"' not in raw and '"emergency"' not in raw


def test_a_stale_follow_up_answer_is_dropped(api: FlaskClient) -> None:
    """A follow-up answered although its question's answer does not ask it counts for
    nothing: the same result as without it, though asked it would change the result."""
    found = 0
    for question in RULESET.questions:
        when = question.when
        if not isinstance(when, AnswerIn) or question.values != ("yes", "no", "unsure"):
            continue
        parent = when.question
        asked = {**all_no(), parent: sorted(when.values)[0]}
        if json_api(api, {**asked, question.id: "yes"}) == json_api(
            api, {**asked, question.id: "no"}
        ):
            continue
        not_asked = {**all_no(), parent: "no"}
        stale = evaluated(api, {**not_asked, question.id: "yes"})
        clean = evaluated(api, not_asked)
        for observation in (stale, clean):
            observation.pop("issued")
        assert stale == clean, question.id
        assert_same_result(
            evaluated(api, {**not_asked, question.id: "yes"}),
            json_api(api, not_asked),
            LANGUAGES["en-GB"].title,
        )
        found += 1
    assert found >= 2


def test_items_left_out_are_unanswered(api: FlaskClient) -> None:
    """Left out, or an item with no answer: not answered, which counts as not sure."""
    only_scope = evaluated(api, {"for_you": "yes"})
    result = json_api(api, {"for_you": "yes"})
    assert_same_result(only_scope, result, LANGUAGES["en-GB"].title)
    assert result["outcome"]["id"] != RULESET.lowest.id
    assert {r["answered"] for r in result["reasons"]} == {"unanswered"}
    body = response_for({"for_you": "yes"})
    body["item"] += [{"linkId": q.id, "text": q.text} for q in FLOW if q.id != "for_you"]
    body["item"] += [{"linkId": "emergency-message"}, {"linkId": "fever_recent-hint"}]
    validate(body)
    empty_items = fhir_json(post(api, body))
    for observation in (only_scope, empty_items):
        observation.pop("issued")
    assert empty_items == only_scope


def test_references_are_copied_and_nothing_else(api: FlaskClient) -> None:
    subject = {"reference": "Patient/example"}
    encounter = {"reference": "Encounter/visit-1"}
    observation = evaluated(
        api, all_no(), id="qr-1", subject=subject, encounter=encounter, authored="2026-01-31"
    )
    assert observation["subject"] == subject and observation["encounter"] == encounter
    assert observation["derivedFrom"] == [{"reference": "QuestionnaireResponse/qr-1"}]
    assert observation["effectiveDateTime"] == "2026-01-31"
    assert "id" not in observation, "the Observation is not stored, so it has no id"


@pytest.mark.parametrize(
    "authored",
    ["2026", "2026-12", "2024-02-29", "2026-12-03T09:30:00Z", "2026-12-03T09:30:00.123+01:00"],
)
def test_authored_is_when_the_result_applies(api: FlaskClient, authored: str) -> None:
    """The response's authored, as it gives it, is the Observation's effectiveDateTime;
    issued stays the instant of the evaluation."""
    observation = evaluated(api, all_no(), authored=authored)
    assert observation["effectiveDateTime"] == authored
    assert observation["issued"] != authored and INSTANT.fullmatch(observation["issued"])
    assert "effectiveDateTime" not in evaluated(api, all_no())


def test_a_reference_is_carried_over_only_as_a_reference(api: FlaskClient) -> None:
    """Its reference, type, identifier (system and value) and display; nothing else of
    it, and not the rest of the identifier: the result is stored by others, and holds
    only what points at the person."""
    subject = {
        "id": "s1",
        "extension": [{"url": "https://x.org/note", "valueString": "kept out"}],
        "reference": "Patient/1/_history/2",
        "type": "Patient",
        "identifier": {
            "use": "official",
            "type": {"text": "Hospital number"},
            "system": "https://x.org/mrn",
            "value": "12345",
            "assigner": {"display": "kept out"},
        },
        "display": "A" * 300,
    }
    identifier = {
        "use": "official",
        "system": "urn:ietf:rfc:3986",
        "value": "urn:uuid:2f1c6b1e-0c1d-4a58-9c55-8a3d3f0e8c11",
        "period": {"start": "2026-01-31"},
    }
    observation = evaluated(api, all_no(), subject=subject, identifier=identifier)
    assert observation["subject"] == {
        "reference": "Patient/1/_history/2",
        "type": "Patient",
        "identifier": {"system": "https://x.org/mrn", "value": "12345"},
        "display": "A" * 200,
    }
    assert "kept out" not in json.dumps(observation)
    assert observation["derivedFrom"] == [
        {
            "type": "QuestionnaireResponse",
            "identifier": {"system": identifier["system"], "value": identifier["value"]},
        }
    ]


@pytest.mark.parametrize(
    "subject",
    [
        {"reference": "Group/g1"},
        {"reference": "Device/kiosk-4"},
        {"reference": "Location/clinic.2"},
        {"reference": "https://fhir.example.org/r4/Patient/9"},
        {"reference": "urn:uuid:2f1c6b1e-0c1d-4a58-9c55-8a3d3f0e8c11", "type": "Patient"},
        {"type": "Patient", "identifier": {"system": "https://x.org/mrn", "value": "7"}},
        {"display": "A person at the front desk"},
    ],
)
def test_each_kind_of_subject_an_observation_can_have(
    api: FlaskClient, subject: dict[str, Any]
) -> None:
    assert evaluated(api, all_no(), subject=subject)["subject"] == subject


# --------------------------------------------------------------------------- errors


def changed(change: Callable[[dict[str, Any]], Any]) -> dict[str, Any]:
    body = response_for(all_no())
    change(body)
    return {"data": json.dumps(body), "content_type": MEDIA}


def item_index(body: dict[str, Any], link_id: str) -> int:
    return [item["linkId"] for item in body["item"]].index(link_id)


FEVER = item_index(response_for(all_no()), "fever_recent")
N_ITEMS = len(response_for(all_no())["item"])
ANSWER = f"QuestionnaireResponse.item[{FEVER}].answer"


def set_answer(body: dict[str, Any], *answers: dict[str, Any]) -> None:
    body["item"][FEVER]["answer"] = list(answers)


SPANISH_FEVER = LANGUAGES["es"].question_by_id["fever_recent"]
assert SPANISH_FEVER.label("yes") != LANGUAGES["en-GB"].question_by_id["fever_recent"].label("yes")


def labelled(code: str, display: Any) -> dict[str, Any]:
    """An answer coded ``code`` whose display is ``display``."""
    return {"valueCoding": {"system": URL, "code": code, "display": display}}


# What a 413 on the FHIR face says, whichever limit refused the body: $evaluate's own,
# or the app's larger one for every address (a body over 64 KB is not read at all).
TOO_LARGE = "Send at most 32768 bytes of JSON."


def chunked(body: bytes) -> dict[str, Any]:
    return {
        "input_stream": io.BytesIO(body),
        "content_type": MEDIA,
        "headers": {"Transfer-Encoding": "chunked"},
        "environ_overrides": {"wsgi.input_terminated": True},
    }


ERRORS: dict[str, tuple[dict[str, Any], int, str, str, str | None]] = {
    # name: (request, status, issue type, in the diagnostics, expression)
    "malformed JSON": (
        {"data": "{not json", "content_type": MEDIA},
        400,
        "structure",
        "not valid JSON",
        None,
    ),
    "not UTF-8": (
        {"data": b"\xff\xfe", "content_type": MEDIA},
        400,
        "structure",
        "not valid JSON",
        None,
    ),
    "nested too deeply": (
        {"data": "[" * 15000, "content_type": MEDIA},
        400,
        "structure",
        "nested too deeply",
        None,
    ),
    "a JSON array": (
        {"data": json.dumps([response_for(all_no())]), "content_type": MEDIA},
        400,
        "structure",
        '"resourceType": "QuestionnaireResponse"',
        None,
    ),
    "the JSON API's body": (
        {"data": json.dumps({"answers": all_no()}), "content_type": "application/json"},
        400,
        "structure",
        "must be a FHIR QuestionnaireResponse",
        None,
    ),
    "another resource": (
        {"data": json.dumps({"resourceType": "Patient", "id": "p"}), "content_type": MEDIA},
        400,
        "structure",
        "must be a FHIR QuestionnaireResponse",
        None,
    ),
    "a status R4 does not have": (
        changed(lambda b: b.update(status="done")),
        400,
        "value",
        "status must be one of amended, completed, entered-in-error, in-progress, stopped",
        "QuestionnaireResponse.status",
    ),
    "no status": (
        changed(lambda b: b.pop("status")),
        400,
        "required",
        "status must be one of",
        "QuestionnaireResponse.status",
    ),
    "items that are not a list": (
        changed(lambda b: b.update(item={"linkId": "for_you"})),
        400,
        "structure",
        "item must be a list",
        "QuestionnaireResponse.item",
    ),
    "another questionnaire": (
        changed(
            lambda b: b.update(questionnaire=f"https://other.example/Questionnaire/x|{VERSION}")
        ),
        422,
        "not-supported",
        f"evaluates answers to '{URL}|{VERSION}', not to 'https://other.example/",
        "QuestionnaireResponse.questionnaire",
    ),
    "another version": (
        changed(lambda b: b.update(questionnaire=f"{URL}|1.0.0")),
        422,
        "not-supported",
        f"version '1.0.0' of the questionnaire; this server has version '{VERSION}'",
        "QuestionnaireResponse.questionnaire",
    ),
    "no version": (
        changed(lambda b: b.update(questionnaire=URL)),
        422,
        "not-supported",
        f"no version of the questionnaire; this server has version '{VERSION}'",
        "QuestionnaireResponse.questionnaire",
    ),
    "no questionnaire": (
        changed(lambda b: b.pop("questionnaire")),
        422,
        "required",
        f"questionnaire must name '{URL}|{VERSION}'",
        "QuestionnaireResponse.questionnaire",
    ),
    "an unknown linkId": (
        changed(lambda b: b["item"].append({"linkId": "fevr", "answer": [coding(URL, "no")]})),
        422,
        "not-found",
        "No question of this questionnaire has linkId 'fevr'",
        f"QuestionnaireResponse.item[{N_ITEMS}].linkId",
    ),
    "a value that is not an option": (
        changed(lambda b: set_answer(b, coding(URL, "maybe"))),
        422,
        "code-invalid",
        "'fever_recent' cannot be 'maybe'; its answers are 'yes', 'no', 'unsure'",
        f"{ANSWER}[0].value.ofType(Coding).code",
    ),
    "a valueString": (
        changed(lambda b: set_answer(b, {"valueString": "no"})),
        422,
        "value",
        "answered with a Coding of one of its options ('yes', 'no', 'unsure'); this answer has valueString",
        f"{ANSWER}[0]",
    ),
    "a valueBoolean": (
        changed(lambda b: set_answer(b, {"valueBoolean": False})),
        422,
        "value",
        "this answer has valueBoolean",
        f"{ANSWER}[0]",
    ),
    "two answers to one question": (
        changed(lambda b: set_answer(b, coding(URL, "no"), coding(URL, "yes"))),
        422,
        "value",
        "'fever_recent' takes one answer; this item has 2",
        ANSWER,
    ),
    "a duplicate item": (
        changed(lambda b: b["item"].append(dict(b["item"][FEVER]))),
        422,
        "duplicate",
        "'fever_recent' has more than one item",
        f"QuestionnaireResponse.item[{N_ITEMS}]",
    ),
    "another code system": (
        changed(lambda b: set_answer(b, coding("http://snomed.info/sct", "373066001"))),
        422,
        "code-invalid",
        f"'fever_recent''s answers are coded in '{URL}', not 'http://snomed.info/sct'",
        f"{ANSWER}[0].value.ofType(Coding).system",
    ),
    "two values in one answer": (
        changed(lambda b: set_answer(b, {**coding(URL, "no"), "valueString": "no"})),
        422,
        "structure",
        "An answer has one value; this one has 2 (valueCoding, valueString)",
        f"{ANSWER}[0]",
    ),
    "two values, neither a Coding": (
        changed(lambda b: set_answer(b, {"valueBoolean": False, "valueString": "no"})),
        422,
        "structure",
        "this one has 2 (valueBoolean, valueString)",
        f"{ANSWER}[0]",
    ),
    "a display that is another option's label": (
        changed(lambda b: set_answer(b, labelled("no", "Yes"))),
        422,
        "value",
        "'fever_recent' is answered 'no', but its display says something else than that "
        "option's label",
        f"{ANSWER}[0].value.ofType(Coding).display",
    ),
    "a display that is another option's label in Spanish": (
        changed(lambda b: set_answer(b, labelled("no", SPANISH_FEVER.label("yes")))),
        422,
        "value",
        "'fever_recent' is answered 'no', but its display says something else",
        f"{ANSWER}[0].value.ofType(Coding).display",
    ),
    "a display that is not text": (
        changed(lambda b: set_answer(b, labelled("no", ["No"]))),
        422,
        "value",
        "'fever_recent' is answered 'no', but its display says something else",
        f"{ANSWER}[0].value.ofType(Coding).display",
    ),
    "an answer to a hint": (
        changed(
            lambda b: b["item"].append(
                {"linkId": "fever_recent-hint", "answer": [coding(URL, "no")]}
            )
        ),
        422,
        "structure",
        "'fever_recent-hint' is not a question: it takes no answer",
        f"QuestionnaireResponse.item[{N_ITEMS}].answer",
    ),
    "an answer to the emergency message": (
        changed(
            lambda b: b["item"].insert(
                0, {"linkId": "emergency-message", "answer": [coding(URL, "yes")]}
            )
        ),
        422,
        "structure",
        "'emergency-message' is not a question: it takes no answer",
        "QuestionnaireResponse.item[0].answer",
    ),
    "an answer to the group the scope question gates": (
        changed(
            lambda b: b["item"].append(
                {"linkId": "for_you-in-scope", "answer": [coding(URL, "yes")]}
            )
        ),
        422,
        "structure",
        "'for_you-in-scope' is not a question: it takes no answer",
        f"QuestionnaireResponse.item[{N_ITEMS}].answer",
    ),
    "implicitRules": (
        changed(lambda b: b.update(implicitRules="https://x.org/our-rules")),
        422,
        "not-supported",
        "Screener cannot follow implicitRules",
        "QuestionnaireResponse.implicitRules",
    ),
    "a subject that is an empty object": (
        changed(lambda b: b.update(subject={})),
        400,
        "structure",
        "subject must be a Reference.",
        "QuestionnaireResponse.subject",
    ),
    "a subject that is text": (
        changed(lambda b: b.update(subject="Patient/1")),
        400,
        "structure",
        "subject must be a Reference.",
        "QuestionnaireResponse.subject",
    ),
    "a subject with none of a Reference's parts": (
        changed(lambda b: b.update(subject={"id": "s", "extension": []})),
        400,
        "structure",
        "subject must be a Reference.",
        "QuestionnaireResponse.subject",
    ),
    "a subject whose reference is not text": (
        changed(lambda b: b.update(subject={"reference": {"id": "1"}})),
        400,
        "structure",
        "subject must be a Reference.",
        "QuestionnaireResponse.subject",
    ),
    "a subject whose reference is empty": (
        changed(lambda b: b.update(subject={"reference": ""})),
        400,
        "structure",
        "subject must be a Reference.",
        "QuestionnaireResponse.subject",
    ),
    "a subject whose identifier is not an Identifier": (
        changed(lambda b: b.update(subject={"reference": "Patient/1", "identifier": "7"})),
        400,
        "structure",
        "subject must be a Reference.",
        "QuestionnaireResponse.subject",
    ),
    "an encounter that is a list": (
        changed(lambda b: b.update(encounter=[{"reference": "Encounter/1"}])),
        400,
        "structure",
        "encounter must be a Reference.",
        "QuestionnaireResponse.encounter",
    ),
    "a contained subject": (
        changed(lambda b: b.update(subject={"reference": "#person"})),
        422,
        "not-supported",
        "subject points into the response (a contained resource)",
        "QuestionnaireResponse.subject.reference",
    ),
    "a contained encounter": (
        changed(lambda b: b.update(encounter={"reference": "#visit", "type": "Encounter"})),
        422,
        "not-supported",
        "encounter points into the response (a contained resource)",
        "QuestionnaireResponse.encounter.reference",
    ),
    "a Practitioner as the subject": (
        changed(lambda b: b.update(subject={"reference": "Practitioner/1"})),
        422,
        "not-supported",
        "An Observation's subject refers to one of Device, Group, Location, Patient; this one "
        "refers to Practitioner",
        "QuestionnaireResponse.subject",
    ),
    "a Practitioner as the subject, by its type": (
        changed(lambda b: b.update(subject={"type": "Practitioner", "display": "Dr A"})),
        422,
        "not-supported",
        "this one refers to Practitioner",
        "QuestionnaireResponse.subject",
    ),
    "a Practitioner as the subject, at an address with a version": (
        changed(
            lambda b: b.update(
                subject={"reference": "https://x.org/fhir/Practitioner/1/_history/3"}
            )
        ),
        422,
        "not-supported",
        "this one refers to Practitioner",
        "QuestionnaireResponse.subject",
    ),
    "a Practitioner as the subject, said to be a Patient": (
        changed(lambda b: b.update(subject={"type": "Patient", "reference": "Practitioner/1"})),
        422,
        "not-supported",
        "this one refers to Practitioner",
        "QuestionnaireResponse.subject",
    ),
    "a Patient as the encounter": (
        changed(lambda b: b.update(encounter={"reference": "Patient/1"})),
        422,
        "not-supported",
        "An Observation's encounter refers to one of Encounter; this one refers to Patient",
        "QuestionnaireResponse.encounter",
    ),
    "an id with an underscore": (
        changed(lambda b: b.update(id="qr_1")),
        400,
        "value",
        "id must be a FHIR id: 1 to 64 of A-Z a-z 0-9 - .",
        "QuestionnaireResponse.id",
    ),
    "an id of 65 characters": (
        changed(lambda b: b.update(id="x" * 65)),
        400,
        "value",
        "id must be a FHIR id",
        "QuestionnaireResponse.id",
    ),
    "an id that is a number": (
        changed(lambda b: b.update(id=1)),
        400,
        "value",
        "id must be a FHIR id",
        "QuestionnaireResponse.id",
    ),
    "authored that is not a dateTime": (
        changed(lambda b: b.update(authored="yesterday")),
        400,
        "value",
        "authored must be a FHIR dateTime, such as 2026-12-03T09:30:00Z.",
        "QuestionnaireResponse.authored",
    ),
    "authored with a time and no zone": (
        changed(lambda b: b.update(authored="2026-12-03T09:30:00")),
        400,
        "value",
        "authored must be a FHIR dateTime",
        "QuestionnaireResponse.authored",
    ),
    "authored on a day the calendar does not have": (
        changed(lambda b: b.update(authored="2026-02-29")),
        400,
        "value",
        "authored must be a FHIR dateTime",
        "QuestionnaireResponse.authored",
    ),
    "authored as a number": (
        changed(lambda b: b.update(authored=20261203)),
        400,
        "value",
        "authored must be a FHIR dateTime",
        "QuestionnaireResponse.authored",
    ),
    "a name twice": (
        {
            "data": json.dumps(response_for(all_no()))[:-1] + ', "status": "stopped"}',
            "content_type": MEDIA,
        },
        400,
        "structure",
        "The name 'status' appears twice in one object.",
        None,
    ),
    "a name twice in a nested object": (
        {
            "data": json.dumps(response_for(all_no())).replace(
                '"code": "no"', '"code": "yes", "code": "no"', 1
            ),
            "content_type": MEDIA,
        },
        400,
        "structure",
        "The name 'code' appears twice in one object.",
        None,
    ),
    "the scope question unanswered": (
        changed(lambda b: b["item"].pop(0)),
        422,
        "required",
        "'for_you' must be answered: it says whether this screening is for the person",
        "QuestionnaireResponse.item",
    ),
    "entered in error": (
        changed(lambda b: b.update(status="entered-in-error")),
        422,
        "business-rule",
        "entered in error has no answers",
        "QuestionnaireResponse.status",
    ),
    "over 32 KB": (
        changed(lambda b: b.update(text={"status": "generated", "div": "x" * 33000})),
        413,
        "too-long",
        TOO_LARGE,
        None,
    ),
    "over 32 KB chunked": (chunked(b" " * 33000), 413, "too-long", TOO_LARGE, None),
    "over 64 KB": (
        {"data": b" " * (65 * 1024), "content_type": MEDIA},
        413,
        "too-long",
        TOO_LARGE,
        None,
    ),
    "over 64 KB chunked": (chunked(b" " * (65 * 1024)), 413, "too-long", TOO_LARGE, None),
    "plain text": (
        {"data": json.dumps(response_for(all_no())), "content_type": "text/plain"},
        415,
        "not-supported",
        'Content-Type: application/fhir+json"',
        None,
    ),
    "a form": (
        {"data": {"resourceType": "QuestionnaireResponse"}},
        415,
        "not-supported",
        "Send the QuestionnaireResponse as JSON",
        None,
    ),
}


@pytest.mark.parametrize("name", ERRORS)
def test_errors_are_operation_outcomes(api: FlaskClient, name: str) -> None:
    request, status, code, diagnostics, expression = ERRORS[name]
    if "input_stream" in request:  # a fresh stream for each run
        request = {**request, "input_stream": io.BytesIO(request["input_stream"].getvalue())}
    response = api.post(EVALUATE, **request)
    outcome = fhir_json(response, status)
    assert response.headers["Content-Language"] == "en"
    assert outcome["resourceType"] == "OperationOutcome"
    issue = next(i for i in outcome["issue"] if diagnostics in i["diagnostics"])
    assert (issue["severity"], issue["code"]) == ("error", code), issue
    assert issue.get("expression") == ([expression] if expression else None), issue
    if status == 413:
        assert outcome["issue"] == [issue] and issue["diagnostics"] == TOO_LARGE


def test_a_body_without_a_length_is_still_limited(api: FlaskClient) -> None:
    """A body the server hands on with no length (the stream simply ends) is read
    whole, and refused past 32 KB."""

    def send(body: bytes) -> TestResponse:
        return api.post(
            EVALUATE,
            input_stream=io.BytesIO(body),
            content_type=MEDIA,
            environ_overrides={"CONTENT_LENGTH": "", "wsgi.input_terminated": True},
        )

    fits = json.dumps(response_for(all_no())).encode()
    assert fhir_json(send(fits))["valueCodeableConcept"]["coding"][0]["code"] == "info"
    padded = fits + b" " * (fhir_api.MAX_BODY - len(fits))
    assert len(padded) == 32768
    assert fhir_json(send(padded))["valueCodeableConcept"]["coding"][0]["code"] == "info"
    (issue,) = fhir_json(send(padded + b" "), 413)["issue"]
    assert issue["code"] == "too-long" and issue["diagnostics"] == TOO_LARGE


def test_a_body_of_32_kb_is_read(api: FlaskClient) -> None:
    """The limit is 32 KB, with a length given too: one byte more is refused. (The
    app's own limit, for every address, is twice that.)"""
    assert fhir_api.MAX_BODY == 32 * 1024 < APP.config["MAX_CONTENT_LENGTH"] == 64 * 1024
    fits = json.dumps(response_for(all_no())).encode()
    padded = fits + b" " * (32 * 1024 - len(fits))
    observation = fhir_json(post(api, padded))
    assert observation["valueCodeableConcept"]["coding"][0]["code"] == "info"
    (issue,) = fhir_json(post(api, padded + b" "), 413)["issue"]
    assert issue["diagnostics"] == TOO_LARGE


def lforms_response(lang: str, answers: Mapping[str, str]) -> dict[str, Any]:
    """A response as LHC-Forms 40 writes it (tests/browser/test_lforms.py has it fill
    one in): its meta and authored, and each question's text and each answer's display
    copied in, the questions the scope question gates inside its group."""
    shown = LANGUAGES[lang]

    def item(question: Any) -> dict[str, Any]:
        value = answers[question.id]
        coding = {"system": URL, "code": value, "display": question.label(value)}
        return {"answer": [{"valueCoding": coding}], "linkId": question.id, "text": question.text}

    scope, *inner = shown.flow
    return {
        "resourceType": "QuestionnaireResponse",
        "meta": {
            "profile": ["http://hl7.org/fhir/4.0/StructureDefinition/QuestionnaireResponse"],
            "tag": [{"code": "lformsVersion: 40.1.3"}],
        },
        "status": "completed",
        "authored": "2026-12-03T17:22:08.325Z",
        "questionnaire": f"{URL}|{VERSION}",
        "item": [item(scope), {"linkId": "for_you-in-scope", "item": [item(q) for q in inner]}],
    }


def test_the_largest_honest_response_fits_twice_over(api: FlaskClient) -> None:
    """The limit holds twice the largest response a renderer honestly sends: every
    question answered (with its longest label, "not sure", which asks every follow-up),
    in Spanish, indented by four, with every text and display LHC-Forms copies in."""
    shown = LANGUAGES["es"]
    answers = {q.id: max(q.values, key=lambda v: len(q.label(v))) for q in shown.flow}
    answers["for_you"] = "yes"
    assert [q.id for q in engine.asked_questions(shown, answers)] == [q.id for q in shown.flow]
    body = lforms_response("es", answers)
    validate(body)
    data = json.dumps(body, indent=4).encode()
    assert len(data) > 15 * 1024, "the measure the limit was set by"
    assert 2 * len(data) <= fhir_api.MAX_BODY, len(data)
    observation = fhir_json(post(api, data, "es"))
    assert_same_result(observation, json_api(api, answers, "es"), shown.title)
    assert observation["effectiveDateTime"] == body["authored"]


def test_at_most_20_issues_are_returned(api: FlaskClient) -> None:
    """Enough to fix a response by, and never an echo of a whole large body: the first
    twenty, in the order of the items."""
    body = response_for(all_no())
    body["item"] += [{"linkId": f"unknown_{i}", "answer": [coding(URL, "no")]} for i in range(25)]
    outcome = fhir_json(post(api, body), 422)
    assert fhir.MAX_ISSUES == 20
    assert [i["expression"] for i in outcome["issue"]] == [
        [f"QuestionnaireResponse.item[{N_ITEMS + i}].linkId"] for i in range(20)
    ]
    assert {i["code"] for i in outcome["issue"]} == {"not-found"}
    nineteen = response_for(all_no())
    nineteen["item"] += [{"linkId": f"unknown_{i}"} for i in range(19)]
    assert len(fhir_json(post(api, nineteen), 422)["issue"]) == 19


def test_every_problem_in_a_response_is_named(api: FlaskClient) -> None:
    body = response_for(all_no())
    set_answer(body, coding(URL, "maybe"))
    body["item"].append({"linkId": "fevr", "answer": [coding(URL, "no")]})
    outcome = fhir_json(post(api, body), 422)
    assert [(i["code"], i["expression"]) for i in outcome["issue"]] == [
        ("code-invalid", [f"{ANSWER}[0].value.ofType(Coding).code"]),
        ("not-found", [f"QuestionnaireResponse.item[{N_ITEMS}].linkId"]),
    ]


def test_a_display_in_any_offered_language_is_read(api: FlaskClient) -> None:
    """A record system shows an answer's display: it must name the option the code
    does, in any language this server offers; or there is none."""
    spanish = LANGUAGES["es"].question_by_id["fever_recent"]
    english = LANGUAGES["en-GB"].question_by_id["fever_recent"]
    for display in (spanish.label("yes"), english.label("yes"), None):
        body = response_for(all_no())
        set_answer(body, labelled("yes", display))
        if display is None:
            del body["item"][FEVER]["answer"][0]["valueCoding"]["display"]
        observation = fhir_json(post(api, body))
        assert observation["valueCodeableConcept"]["coding"][0]["code"] != "info"


def test_display_and_group_items_without_an_answer_are_ignored(api: FlaskClient) -> None:
    body = response_for(all_no())
    body["item"] = [
        {"linkId": "emergency-message", "text": LANGUAGES["en-GB"].emergency},
        body["item"][0],
        {"linkId": "for_you-in-scope", "answer": [], "item": body["item"][1:]},
        {"linkId": "fever_recent-hint", "text": "A hint"},
    ]
    observation = fhir_json(post(api, body))
    assert observation["valueCodeableConcept"]["coding"][0]["code"] == "info"


def test_answers_nested_in_items_are_read(api: FlaskClient) -> None:
    """Items may be nested (under a group, or under an answer); each is read."""
    body = response_for({**all_no(), "cancer_history": "yes"})
    cancer = body["item"].pop(item_index(body, "cancer_history"))
    body["item"][0]["answer"][0]["item"] = [cancer]
    observation = fhir_json(post(api, body))
    assert observation["valueCodeableConcept"]["coding"][0]["code"] == "clinician"
    body["item"][0]["answer"][0]["item"] = [{"linkId": "group", "item": [cancer]}]
    outcome = fhir_json(post(api, body), 422)
    assert "'group'" in outcome["issue"][0]["diagnostics"]


@pytest.mark.parametrize(
    "query",
    [
        {"url": URL},
        {"url": f"{URL}|{VERSION}", "lang": "es"},
        {"_format": "json"},
        {"name": "ProstateMassage"},
        {"_id": "prostate-massage"},
        {"status": "active", "_summary": "true"},
    ],
)
def test_the_questionnaire_is_not_a_search(api: FlaskClient, query: dict[str, str]) -> None:
    """A client that searches gets a 400, not the Questionnaire as though it matched
    (FHIR's search answers a Bundle, and this server does not search)."""
    (issue,) = fhir_json(api.get(QUESTIONNAIRE, query_string=query), 400)["issue"]
    assert issue["code"] == "not-supported"
    first = sorted(set(query) - {"lang"})[0]
    assert issue["diagnostics"] == (
        f"This address takes no {first!r}: it is not FHIR search. It gives the one "
        f"Questionnaire this server has, also at its canonical address, {URL}; only lang "
        "picks its language."
    )
    # The read at the canonical address is not a search: it is as it was.
    read = fhir_json(api.get(f"{QUESTIONNAIRE}/prostate-massage", query_string=query))
    assert read["resourceType"] == "Questionnaire"


def test_an_unknown_questionnaire_is_not_found(api: FlaskClient) -> None:
    outcome = fhir_json(api.get(f"{QUESTIONNAIRE}/prostate_massage"), 404)
    (issue,) = outcome["issue"]
    assert issue["code"] == "not-found"
    assert issue["diagnostics"] == (
        "No Questionnaire 'prostate_massage'; this server has 'prostate-massage'."
    )


@pytest.mark.parametrize("path", ["/api/v1/fhir/Patient/1", "/api/v1/fhir", "/api/v1/fhir/"])
def test_other_fhir_addresses_are_not_found(api: FlaskClient, path: str) -> None:
    outcome = fhir_json(api.get(path), 404)
    assert outcome["issue"][0]["code"] == "not-found"


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("GET", EVALUATE, "POST"),
        ("PUT", EVALUATE, "POST"),
        ("POST", QUESTIONNAIRE, "GET"),
        ("DELETE", f"{QUESTIONNAIRE}/prostate-massage", "GET"),
    ],
)
def test_a_wrong_method_is_an_operation_outcome(
    api: FlaskClient, method: str, path: str, allow: str
) -> None:
    response = api.open(path, method=method)
    outcome = fhir_json(response, 405)
    assert outcome["issue"][0]["code"] == "not-supported"
    assert allow in response.headers["Allow"]


@pytest.mark.parametrize("path", [QUESTIONNAIRE, f"{QUESTIONNAIRE}/prostate-massage", EVALUATE])
def test_an_unknown_language_is_an_operation_outcome(api: FlaskClient, path: str) -> None:
    method = "POST" if path == EVALUATE else "GET"
    for tag in ("xx", "en", "ES"):
        response = api.open(
            path,
            method=method,
            query_string={"lang": tag},
            data=json.dumps(response_for(all_no())),
            content_type=MEDIA,
        )
        (issue,) = fhir_json(response, 400)["issue"]
        assert issue["code"] == "invalid"
        assert issue["diagnostics"] == "lang must be one of: en-GB, es."


def test_without_a_public_url_the_fhir_face_is_off() -> None:
    app = create_app({"TESTING": True, "SECRET_KEY": "fhir tests", "PUBLIC_URL": ""})
    client = app.test_client()
    for response in (
        client.get(QUESTIONNAIRE),
        client.get(f"{QUESTIONNAIRE}/prostate-massage"),
        client.post(EVALUATE, data=json.dumps(response_for(all_no())), content_type=MEDIA),
    ):
        (issue,) = fhir_json(response, 404)["issue"]
        assert issue["code"] == "not-found"
        assert "Set SCREENER_PUBLIC_URL" in issue["diagnostics"]
    assert client.get("/api/v1/questionnaire").status_code == 200, "the JSON API stays on"


def test_a_failure_is_an_operation_outcome_that_logs_no_answer(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app({"SECRET_KEY": "fhir tests", "PUBLIC_URL": PUBLIC})  # not TESTING

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("answers: cannot_urinate=yes")

    monkeypatch.setattr(engine, "screen", broken)
    with caplog.at_level(logging.DEBUG):
        response = post(app.test_client(), response_for({**all_no(), "cannot_urinate": "yes"}))
    (issue,) = fhir_json(response, 500)["issue"]
    assert issue["code"] == "exception"
    assert "unhandled RuntimeError on POST /api/v1/fhir/QuestionnaireResponse/$evaluate" in (
        caplog.text
    )
    assert "cannot_urinate" not in caplog.text


# --------------------------------------------------------------------------- CORS and logs


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", QUESTIONNAIRE), ("GET", f"{QUESTIONNAIRE}/prostate-massage"), ("POST", EVALUATE)],
)
def test_cors_only_for_the_embed_allow_list(api: FlaskClient, method: str, path: str) -> None:
    body: dict[str, Any] = {"data": json.dumps(response_for(all_no())), "content_type": MEDIA}
    allowed = api.open(path, method=method, headers={"Origin": HOST}, **body)
    assert allowed.status_code == 200
    assert allowed.headers["Access-Control-Allow-Origin"] == HOST
    assert "Origin" in allowed.headers["Vary"]
    other = api.open(path, method=method, headers={"Origin": "https://evil.example"}, **body)
    assert other.status_code == 200, "the API itself is public; the browser enforces CORS"
    assert "Access-Control-Allow-Origin" not in other.headers
    preflight = api.options(path, headers={"Origin": HOST, "Access-Control-Request-Method": method})
    assert preflight.headers["Access-Control-Allow-Origin"] == HOST
    assert method in preflight.headers["Access-Control-Allow-Methods"]
    error = api.open(path, method=method, headers={"Origin": HOST}, query_string={"lang": "xx"})
    assert error.status_code == 400 and error.headers["Access-Control-Allow-Origin"] == HOST


def test_no_cookie_and_no_caching(api: FlaskClient) -> None:
    for response in (api.get(QUESTIONNAIRE), post(api, response_for(all_no()))):
        assert response.status_code == 200
        assert "Set-Cookie" not in response.headers
        assert response.headers["Cache-Control"] == "no-store"


def test_nothing_a_person_answers_is_logged(
    api: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    answers = {**all_no(), "cannot_urinate": "yes", "fever_recent": "unsure"}
    subject = {"reference": "Patient/sentinel-8c1f", "display": "Sentinel Person"}
    with caplog.at_level(logging.DEBUG), caplog.at_level(logging.DEBUG, logger="screener"):
        logging.getLogger("screener").debug("capturing")
        ok = post(api, response_for(answers, subject=subject))
        unknown = response_for(answers)
        unknown["item"].append({"linkId": "secret_question_7", "answer": [coding(URL, "yes")]})
        bad = post(api, unknown)
        malformed = post(api, '{"linkId": "sentinel-8c1f" ')
        outside = post(api, response_for({**answers, "for_you": "no"}, subject=subject))
    assert [r.status_code for r in (ok, bad, malformed, outside)] == [200, 422, 400, 200]
    assert "capturing" in caplog.text, "the log is captured"
    logged = caplog.text + "".join(str(r.args) for r in caplog.records)
    for question in FLOW:
        assert question.id not in logged
    for rule in RULESET.rules:
        assert rule.id not in logged and rule.reason not in logged
    for secret in ("sentinel", "Sentinel", "secret_question_7", "unsure"):
        assert secret not in logged


# --------------------------------------------------------------------------- the setting


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://x.org", "https://x.org"),
        ("https://x.org/", "https://x.org"),
        ("https://x.org/prefix", "https://x.org/prefix"),
        ("https://x.org:8443/a/b", "https://x.org:8443/a/b"),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
        ("http://localhost:8000", "http://localhost:8000"),
    ],
)
def test_public_url_accepts(value: str, expected: str) -> None:
    assert config.public_url(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "http://example.org",
        "ftp://x.org",
        "https://x.org/?a=1",
        "https://x.org?",
        "https://x.org/#top",
        "https://user@x.org",
        "https://user:secret@x.org",
        "https://",
        "https:///path",
        "x.org",
        "",
        "https://x.org:99999",
        "https://x.org/a b",
    ],
)
def test_public_url_refuses(value: str) -> None:
    with pytest.raises(ConfigError):
        config.public_url(value)


def test_public_url_from_the_environment() -> None:
    assert config.from_environ({"SCREENER_PUBLIC_URL": "https://x.org/"}) == {
        "PUBLIC_URL": "https://x.org"
    }
    with pytest.raises(ConfigError, match=r"^SCREENER_PUBLIC_URL: .* uses http"):
        config.from_environ({"SCREENER_PUBLIC_URL": "http://example.org"})
