"""The JSON API: questionnaire, evaluation, problem+json errors, CORS, and its OpenAPI document."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from flask.testing import FlaskClient
from hypothesis import settings

from screener import create_app
from screener.resources import default_rules_path, load_ruleset

HOST = "https://www.example.org"
APP = create_app({"TESTING": True, "SECRET_KEY": "api tests", "EMBED_ORIGINS": [HOST]})
RULESET = load_ruleset(default_rules_path())


@pytest.fixture
def api() -> FlaskClient:
    return APP.test_client()


def all_no() -> dict[str, str]:
    """A person the screening is for, who answers no to every question asked first."""
    return {"for_you": "yes", **{q.id: "no" for q in RULESET.questions if q.when is None}}


def test_questionnaire(api: FlaskClient) -> None:
    body = api.get("/api/v1/questionnaire").get_json()
    assert body["ruleset"] == {
        "id": RULESET.id,
        "version": RULESET.version,
        "sha256": RULESET.sha256,
        "title": RULESET.title,
    }
    assert [q["id"] for q in body["questions"]] == ["for_you"] + [q.id for q in RULESET.questions]
    scope = body["questions"][0]
    assert (scope["scope"], scope["in_scope"], scope["asked_when"]) == (True, ["yes"], None)
    assert [o["value"] for o in scope["options"]] == ["yes", "no", "unsure"]
    assert not any(q["scope"] or "in_scope" in q for q in body["questions"][1:])
    follow_up = next(q for q in body["questions"] if q["id"] == "fever_risk")
    assert follow_up["asked_when"] == {"question": "fever_recent", "in": ["unsure", "yes"]}
    assert follow_up["options"] == [
        {"value": "yes", "label": "Yes"},
        {"value": "no", "label": "No"},
        {"value": "unsure", "label": "Not sure"},
    ]
    assert [o["id"] for o in body["outcomes"]] == ["emergency", "urgent", "clinician", "info"]
    assert RULESET.outside is not None
    assert body["outside"] == {
        "title": RULESET.outside.title,
        "body": RULESET.outside.body,
        "next_steps": list(RULESET.outside.next_steps),
    }


def test_the_emergency_number_is_filled_in_everywhere(api: FlaskClient) -> None:
    """The rules are en_GB: 999 wherever the rules file says {emergency_number}."""
    raw = api.get("/api/v1/questionnaire").get_data(as_text=True)
    assert "{emergency_number}" not in raw
    body = api.get("/api/v1/questionnaire").get_json()
    assert RULESET.emergency is not None
    assert body["emergency"] == RULESET.emergency.replace("{emergency_number}", "999")
    emergency = next(o for o in body["outcomes"] if o["id"] == "emergency")
    assert "999" in emergency["title"] and "999" in emergency["body"]
    result = api.post(
        "/api/v1/evaluate", json={"answers": {**all_no(), "cannot_urinate": "yes"}}
    ).get_json()
    assert result["outcome"]["id"] == "emergency" and "999" in result["outcome"]["title"]


@pytest.mark.parametrize(
    ("answers", "outcome"),
    [
        (all_no(), "info"),
        ({**all_no(), "cancer_history": "yes"}, "clinician"),
        ({**all_no(), "new_severe_pain": "yes", "sudden_testicle_pain": "no"}, "urgent"),
        ({**all_no(), "cannot_urinate": "yes"}, "emergency"),
    ],
)
def test_evaluate_matches_the_command_line_shape(
    api: FlaskClient, answers: dict[str, str], outcome: str
) -> None:
    response = api.post("/api/v1/evaluate", json={"answers": answers})
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"outcome", "reasons", "scope", "ruleset", "language"}
    assert body["outcome"]["id"] == outcome and body["scope"] == "inside"
    assert body["ruleset"] == {
        "id": RULESET.id,
        "version": RULESET.version,
        "sha256": RULESET.sha256,
    }


def test_reasons_say_how_they_were_answered(api: FlaskClient) -> None:
    answers = {**all_no(), "new_severe_pain": "unsure", "sudden_testicle_pain": "no"}
    del answers["black_stool"]
    body = api.post("/api/v1/evaluate", json={"answers": answers}).get_json()
    answered = {r["rule"]: r["answered"] for r in body["reasons"]}
    assert answered == {"severe_pain_now": "unsure", "black_poo": "unanswered"}
    texts = {r["rule"]: r["text"] for r in body["reasons"]}
    rules = {r.id: r for r in RULESET.rules}
    assert texts == {rule: rules[rule].wording(basis) for rule, basis in answered.items()}


@pytest.mark.parametrize("answer", ["no", "unsure"])
def test_outside_the_scope_there_is_no_outcome(api: FlaskClient, answer: str) -> None:
    """Never info, nor any outcome: the screening is not for this person."""
    response = api.post("/api/v1/evaluate", json={"answers": {**all_no(), "for_you": answer}})
    assert response.status_code == 200
    body = response.get_json()
    assert body["outcome"] is None and body["reasons"] == []
    assert (body["scope"], body["question"]) == ("outside", "for_you")
    assert RULESET.outside is not None
    assert body["outside"]["title"] == RULESET.outside.title
    assert body["emergency"] == (RULESET.emergency or "").replace("{emergency_number}", "999")
    assert body["language"] == "en-GB" and body["ruleset"]["sha256"] == RULESET.sha256


@pytest.mark.parametrize("answers", [{}, {"cannot_urinate": "no"}])
def test_the_scope_question_must_be_answered(api: FlaskClient, answers: dict[str, str]) -> None:
    response = api.post("/api/v1/evaluate", json={"answers": answers})
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["errors"] == [
        "'for_you' must be answered: it says whether this screening is for the person"
    ]
    assert "'for_you' must be answered" in body["detail"]


@pytest.mark.parametrize(
    ("kwargs", "status", "detail"),
    [
        (
            {"json": {"answers": {"for_you": "yes", "fevr": "no"}}},
            422,
            "unknown question id 'fevr'",
        ),
        (
            {"json": {"answers": {"for_you": "yes", "fever_recent": "maybe"}}},
            422,
            "'fever_recent' cannot be 'maybe'",
        ),
        ({"json": {"answers": {"for_you": "maybe"}}}, 422, "'for_you' cannot be 'maybe'"),
        ({"json": {"answers": {"for_you": True}}}, 422, "must be an object of question ids"),
        ({"json": {"answers": ["for_you"]}}, 422, "must be an object of question ids"),
        ({"json": {"for_you": "yes"}}, 422, 'one key, "answers"'),
        ({"json": [1, 2]}, 422, 'one key, "answers"'),
        ({"data": "{not json", "content_type": "application/json"}, 400, "not valid JSON"),
        ({"data": b"\xff\xfe", "content_type": "application/json"}, 400, "not valid JSON"),
        (
            {"data": "answers=x", "content_type": "application/x-www-form-urlencoded"},
            400,
            "Content-Type: application/json",
        ),
        ({"data": "[" * 15000, "content_type": "application/json"}, 400, "nested too deeply"),
        ({"data": "x" * 20000, "content_type": "application/json"}, 413, "at most"),
        ({"data": "x" * 100_000, "content_type": "application/json"}, 413, "at most"),
    ],
)
def test_errors_are_problem_details(
    api: FlaskClient, kwargs: dict[str, Any], status: int, detail: str
) -> None:
    response = api.post("/api/v1/evaluate", **kwargs)
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and body["title"] and detail in body["detail"]


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", "/api/v1/evaluate", 405),
        ("get", "/api/v1/nothing", 404),
        ("delete", "/api/v1/questionnaire", 405),
    ],
)
def test_wrong_addresses_and_methods_are_problem_details(
    api: FlaskClient, method: str, path: str, status: int
) -> None:
    response = getattr(api, method)(path)
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"


def test_cors_only_for_the_allow_list(api: FlaskClient) -> None:
    answers = {"answers": {"for_you": "yes"}}
    allowed = api.post("/api/v1/evaluate", json=answers, headers={"Origin": HOST})
    assert allowed.headers["Access-Control-Allow-Origin"] == HOST
    assert "Origin" in allowed.headers["Vary"]
    other = api.post("/api/v1/evaluate", json=answers, headers={"Origin": "https://evil.example"})
    assert other.status_code == 200, "the API itself is public; the browser enforces CORS"
    assert "Access-Control-Allow-Origin" not in other.headers
    preflight = api.options(
        "/api/v1/evaluate", headers={"Origin": HOST, "Access-Control-Request-Method": "POST"}
    )
    assert preflight.headers["Access-Control-Allow-Origin"] == HOST
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]


def test_the_api_sets_no_cookie_and_is_not_cached(api: FlaskClient) -> None:
    response = api.post("/api/v1/evaluate", json={"answers": all_no()})
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"


def test_openapi_document(api: FlaskClient) -> None:
    document = api.get("/api/v1/openapi.json").get_json()
    assert document["openapi"] == "3.1.0"
    assert set(document["paths"]) == {"/api/v1/questionnaire", "/api/v1/evaluate"}
    schemas = document["components"]["schemas"]
    request = document["paths"]["/api/v1/evaluate"]["post"]["requestBody"]
    answers = request["content"]["application/json"]["schema"]["properties"]["answers"]
    assert answers["required"] == ["for_you"] and "for_you" in answers["properties"]
    screened = schemas["Screened"]["properties"]
    assert screened["outcome"]["properties"]["id"]["enum"] == [
        "emergency",
        "urgent",
        "clinician",
        "info",
    ]
    reason = screened["reasons"]["items"]["properties"]
    assert reason["answered"]["enum"] == ["told", "unsure", "unanswered"]
    assert schemas["OutsideScope"]["properties"]["outcome"] == {"type": "null"}


schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", APP)


@schema.parametrize()
@settings(max_examples=150, deadline=None)
def test_api_matches_its_openapi_document(case: Any) -> None:
    """Schemathesis: no server error, and every response fits the document."""
    case.call_and_validate()


# --------------------------------------------------------------------------- lang


def taking_lang(document: dict[str, Any]) -> list[tuple[str, str]]:
    """(method, path) of every operation the document says takes ``lang``."""
    return [
        (method, path)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if any(p["name"] == "lang" for p in operation.get("parameters", []))
    ]


def call(api: FlaskClient, method: str, path: str, **kwargs: Any) -> Any:
    if method == "post":
        return api.post(path, json={"answers": all_no()}, **kwargs)
    return api.open(path, method=method.upper(), **kwargs)


def test_lang_is_exactly_one_of_the_documented_tags(api: FlaskClient) -> None:
    """The tags the served document lists work as written; anything else, however
    close, is a 400 problem that names them (a 414 when the address is too long)."""
    document = api.get("/api/v1/openapi.json").get_json()
    tags = document["components"]["schemas"]["Language"]["enum"]
    assert tags == ["en-GB", "es"]
    operations = taking_lang(document)
    assert operations == [("get", "/api/v1/questionnaire"), ("post", "/api/v1/evaluate")]
    for method, path in operations:
        for tag in tags:
            response = call(api, method, path, query_string={"lang": tag})
            assert response.status_code == 200, (path, tag)
            assert response.get_json()["language"] == tag
            assert response.headers["Content-Language"] == tag
        for tag in ["en", "ES", "en-gb", "EN-GB", "es-ES", "es-MX", "", " es", "es ", "x" * 4000]:
            response = call(api, method, path, query_string={"lang": tag})
            assert response.status_code == 400, (path, tag)
            assert response.mimetype == "application/problem+json"
            body = response.get_json()
            assert body["title"] == "Unknown language"
            assert all(known in body["detail"] for known in tags), body["detail"]
        twice = call(api, method, path, query_string=[("lang", "es"), ("lang", "es")])
        assert twice.status_code == 400, "lang is given once"
        huge = call(api, method, path, query_string={"lang": "x" * 5000})
        assert huge.status_code == 414 and huge.mimetype == "application/problem+json"
        assert huge.get_json()["title"] == "Address too long"


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("es", "es"),
        ("es-MX", "es"),
        ("ES", "es"),
        ("en", "en-GB"),
        ("en-US, es;q=0.5", "en-GB"),
        ("fr, es;q=0.8", "es"),
        ("fr", "en-GB"),
        ("", "en-GB"),
    ],
)
def test_accept_language_is_still_matched_by_language(
    api: FlaskClient, header: str, language: str
) -> None:
    """Without ``lang``, the browser's Accept-Language picks the nearest offered language,
    as documented; ``lang`` itself is matched exactly."""
    for method in ("get", "post"):
        path = "/api/v1/questionnaire" if method == "get" else "/api/v1/evaluate"
        response = call(api, method, path, headers={"Accept-Language": header})
        assert response.status_code == 200
        assert response.get_json()["language"] == language


def test_the_document_says_lang_is_exact(api: FlaskClient) -> None:
    document = api.get("/api/v1/openapi.json").get_json()
    for method, path in taking_lang(document):
        operation = document["paths"][path][method]
        (parameter,) = [p for p in operation["parameters"] if p["name"] == "lang"]
        assert "case-sensitive" in parameter["description"]
        assert parameter["schema"] == {"$ref": "#/components/schemas/Language"}
        assert {"400", "413", "414", "431"} <= set(operation["responses"])
