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
    return {q.id: "no" for q in RULESET.questions if q.when is None}


def test_questionnaire(api: FlaskClient) -> None:
    body = api.get("/api/v1/questionnaire").get_json()
    assert body["ruleset"] == {
        "id": RULESET.id,
        "version": RULESET.version,
        "sha256": RULESET.sha256,
        "title": RULESET.title,
    }
    assert [q["id"] for q in body["questions"]] == [q.id for q in RULESET.questions]
    follow_up = next(q for q in body["questions"] if q["id"] == "fever_very_unwell")
    assert follow_up["asked_when"] == {"question": "fever", "in": ["unsure", "yes"]}
    assert follow_up["options"] == [
        {"value": "yes", "label": "Yes"},
        {"value": "no", "label": "No"},
        {"value": "unsure", "label": "Not sure"},
    ]
    assert [o["id"] for o in body["outcomes"]] == ["urgent", "clinician", "info"]


@pytest.mark.parametrize(
    ("answers", "outcome"),
    [
        (all_no(), "info"),
        ({**all_no(), "prostate_cancer": "yes"}, "clinician"),
        ({**all_no(), "fever": "yes"}, "urgent"),
    ],
)
def test_evaluate_matches_the_command_line_shape(
    api: FlaskClient, answers: dict[str, str], outcome: str
) -> None:
    response = api.post("/api/v1/evaluate", json={"answers": answers})
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"outcome", "reasons", "ruleset", "language"}
    assert body["outcome"]["id"] == outcome
    assert body["ruleset"] == {
        "id": RULESET.id,
        "version": RULESET.version,
        "sha256": RULESET.sha256,
    }


@pytest.mark.parametrize(
    ("kwargs", "status", "detail"),
    [
        ({"json": {"answers": {"fevr": "no"}}}, 422, "unknown question id 'fevr'"),
        ({"json": {"answers": {"fever": "maybe"}}}, 422, "'fever' cannot be 'maybe'"),
        ({"json": {"answers": {"fever": True}}}, 422, "must be an object of question ids"),
        ({"json": {"answers": ["fever"]}}, 422, "must be an object of question ids"),
        ({"json": {"fever": "no"}}, 422, 'one key, "answers"'),
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
    allowed = api.post("/api/v1/evaluate", json={"answers": {}}, headers={"Origin": HOST})
    assert allowed.headers["Access-Control-Allow-Origin"] == HOST
    assert "Origin" in allowed.headers["Vary"]
    other = api.post(
        "/api/v1/evaluate", json={"answers": {}}, headers={"Origin": "https://evil.example"}
    )
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


schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", APP)


@schema.parametrize()
@settings(max_examples=150, deadline=None)
def test_api_matches_its_openapi_document(case: Any) -> None:
    """Schemathesis: no server error, and every response fits the document."""
    case.call_and_validate()
