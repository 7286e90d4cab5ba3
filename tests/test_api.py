"""The JSON API: questionnaire, evaluation, problem+json errors, CORS, and its OpenAPI document."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import jsonschema_rs
import pytest
import schemathesis
from flask.testing import FlaskClient
from hypothesis import settings
from werkzeug.test import TestResponse

from screener import create_app, engine, fhir
from screener.resources import default_rules_path, load_ruleset

HOST = "https://www.example.org"
PUBLIC = "https://screener.example.org"
APP = create_app(
    {"TESTING": True, "SECRET_KEY": "api tests", "EMBED_ORIGINS": [HOST], "PUBLIC_URL": PUBLIC}
)
RULESET = load_ruleset(default_rules_path())


@pytest.fixture
def api() -> FlaskClient:
    return APP.test_client()


def all_no() -> dict[str, str]:
    """A person the screening is for, who answers no to every question asked first."""
    return {"for_you": "yes", **{q.id: "no" for q in RULESET.questions if q.when is None}}


# The FHIR face: its Questionnaire's canonical url, and the evaluation's address.
CANONICAL = f"{PUBLIC}/api/v1/fhir/Questionnaire/prostate-massage"
FHIR_EVALUATE = "/api/v1/fhir/QuestionnaireResponse/$evaluate"
FHIR_PATHS = [
    "/api/v1/fhir/Questionnaire",
    "/api/v1/fhir/Questionnaire/{id}",
    FHIR_EVALUATE,
]


def questionnaire_response(answers: dict[str, str], *, flat: bool = False) -> dict[str, Any]:
    """A completed FHIR QuestionnaireResponse with these answers, as a renderer writes it:
    the scope question at the top, the others in the group it gates (``flat``: every
    answer at the top, which Screener reads too)."""
    items = [
        {"linkId": qid, "answer": [{"valueCoding": {"system": CANONICAL, "code": value}}]}
        for qid, value in answers.items()
    ]
    if not flat:
        inner = [item for item in items if item["linkId"] != "for_you"]
        items = [item for item in items if item["linkId"] == "for_you"]
        items += [{"linkId": "for_you-in-scope", "item": inner}] if inner else []
    return {
        "resourceType": "QuestionnaireResponse",
        "status": "completed",
        "questionnaire": f"{CANONICAL}|{RULESET.version}",
        "item": items,
    }


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
    assert set(document["paths"]) == {"/api/v1/questionnaire", "/api/v1/evaluate", *FHIR_PATHS}
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


def schema_validator(document: dict[str, Any], name: str) -> jsonschema.Draft202012Validator:
    """A validator for one of the document's component schemas, its references resolved."""
    root = {"$ref": f"#/components/schemas/{name}", "components": document["components"]}
    return jsonschema.Draft202012Validator(root)


def test_the_document_describes_the_fhir_face(api: FlaskClient) -> None:
    """Three FHIR operations, their resources as application/fhir+json, and every error
    an OperationOutcome; every schema is JSON Schema 2020-12, as OpenAPI 3.1 has it."""
    document = api.get("/api/v1/openapi.json").get_json()
    for component in document["components"]["schemas"].values():
        jsonschema.Draft202012Validator.check_schema(component)
    operations = {
        (method, path): operation
        for path in FHIR_PATHS
        for method, operation in document["paths"][path].items()
    }
    assert {(m, p): o["operationId"] for (m, p), o in operations.items()} == {
        ("get", "/api/v1/fhir/Questionnaire"): "fhirQuestionnaire",
        ("get", "/api/v1/fhir/Questionnaire/{id}"): "fhirQuestionnaireById",
        ("post", FHIR_EVALUATE): "fhirEvaluate",
    }
    errors = {"400", "404", "405", "413", "414", "431"}
    resources = {"fhirQuestionnaire": "FhirQuestionnaire", "fhirEvaluate": "Observation"}
    for operation in operations.values():
        assert "SCREENER_PUBLIC_URL" in operation["description"]
        assert "SCREENER_PUBLIC_URL" in operation["responses"]["404"]["description"]
        statuses = set(operation["responses"])
        wanted = (
            {"200"}
            | errors
            | ({"415", "422"} if operation["operationId"] == "fhirEvaluate" else set())
        )
        assert statuses == wanted, operation["operationId"]
        for status, response in operation["responses"].items():
            (media,) = response["content"]
            assert media == "application/fhir+json"
            name = response["content"][media]["schema"]["$ref"].rpartition("/")[2]
            if status == "200":
                assert name == resources.get(operation["operationId"], "FhirQuestionnaire")
            else:
                assert name == "OperationOutcome", status
    body = operations["post", FHIR_EVALUATE]["requestBody"]
    assert body["required"] is True
    assert set(body["content"]) == {"application/fhir+json", "application/json"}
    request = body["content"]["application/fhir+json"]
    assert request["schema"] == {"$ref": "#/components/schemas/FhirQuestionnaireResponse"}
    response = document["components"]["schemas"]["FhirQuestionnaireResponse"]["properties"]
    assert response["questionnaire"]["const"] == f"{CANONICAL}|2.0.0"
    assert response["status"]["enum"] == ["in-progress", "completed", "amended", "stopped"]
    valid = schema_validator(document, "FhirQuestionnaireResponse")
    assert valid.is_valid(questionnaire_response(all_no()))
    assert valid.is_valid({**questionnaire_response(all_no()), "subject": {"reference": "x"}})
    flat = questionnaire_response(all_no(), flat=True)
    assert not valid.is_valid(flat), "the schema nests the items as the Questionnaire does"
    assert api.post(FHIR_EVALUATE, json=flat).status_code == 200, "Screener reads them flat too"
    for wrong in [
        {**questionnaire_response(all_no()), "status": "entered-in-error"},
        {**questionnaire_response(all_no()), "questionnaire": CANONICAL},
        questionnaire_response({"cannot_urinate": "no"}),
        questionnaire_response({**all_no(), "for_you": "maybe"}),
        {**questionnaire_response(all_no()), "modifierExtension": []},
        {**questionnaire_response(all_no()), "implicitRules": "https://x.org/rules"},
        {**questionnaire_response(all_no()), "subject": {"reference": "Practitioner/1"}},
        {**questionnaire_response(all_no()), "subject": {"reference": "#contained"}},
        {**questionnaire_response(all_no()), "encounter": {"type": "Patient"}},
        answered(all_no(), {"valueString": "no"}),
        answered(all_no(), {"display": "Yes"}),
        answered(all_no(), {"display": ["No"]}),
        with_hint_answered(all_no()),
    ]:
        assert not valid.is_valid(wrong), wrong
        evaluated = api.post(FHIR_EVALUATE, json=wrong)
        assert evaluated.status_code == 422, wrong
    for malformed in [
        {**questionnaire_response(all_no()), "subject": {}},
        {**questionnaire_response(all_no()), "subject": "Patient/1"},
        {**questionnaire_response(all_no()), "encounter": {"reference": ""}},
        {**questionnaire_response(all_no()), "id": "qr_1"},
        {**questionnaire_response(all_no()), "authored": "2026-02-30"},
        {**questionnaire_response(all_no()), "authored": "2026-12-03T09:30"},
    ]:
        assert not valid.is_valid(malformed), malformed
        evaluated = api.post(FHIR_EVALUATE, json=malformed)
        assert evaluated.status_code == 400, malformed
    for right in [
        {**questionnaire_response(all_no()), "subject": {"reference": "Patient/1/_history/2"}},
        {**questionnaire_response(all_no()), "subject": {"type": "Group", "display": "Ward 4"}},
        {**questionnaire_response(all_no()), "encounter": {"identifier": {"value": "v-1"}}},
        {**questionnaire_response(all_no()), "id": "qr-1", "authored": "2024-02-29"},
        {**questionnaire_response(all_no()), "id": None, "authored": None},
        answered(all_no(), {"display": "No"}),
        answered(all_no(), {"display": "No", "system": None}),
        answered({**all_no(), "fever_recent": "unsure"}, {"display": SPANISH_UNSURE}),
    ]:
        assert valid.is_valid(right), right
        evaluated = api.post(FHIR_EVALUATE, json=right)
        assert evaluated.status_code == 200, (right, evaluated.get_json())


SPANISH_UNSURE = next(
    language.ruleset.question_by_id["fever_recent"].label("unsure")
    for language in APP.extensions["screener_languages"].offered
    if language.tag == "es"
)


def answered(answers: dict[str, str], coding: dict[str, Any]) -> dict[str, Any]:
    """A response whose answer to fever_recent is changed by ``coding``: its keys go in
    the valueCoding, save a value* key, which goes beside it in the answer."""
    body = questionnaire_response(answers)
    (item,) = [i for i in body["item"][1]["item"] if i["linkId"] == "fever_recent"]
    for key, value in coding.items():
        if key.startswith("value"):
            item["answer"][0][key] = value
        else:
            item["answer"][0]["valueCoding"][key] = value
    return body


def with_hint_answered(answers: dict[str, str]) -> dict[str, Any]:
    """A response that answers fever_recent's hint, a display item, as though a question."""
    body = questionnaire_response(answers)
    (item,) = [i for i in body["item"][1]["item"] if i["linkId"] == "fever_recent"]
    coding = {"system": CANONICAL, "code": "no"}
    item["item"] = [{"linkId": "fever_recent-hint", "answer": [{"valueCoding": coding}]}]
    return body


@pytest.mark.parametrize(
    ("reference", "status"),
    [
        ("Patient/1", 200),
        ("Group/g", 200),
        ("https://x.org/fhir/Device/kiosk/_history/4", 200),
        ("Location/a/_history/", 200),
        ("urn:uuid:2f1c6b1e-0c1d-4a58-9c55-8a3d3f0e8c11", 200),
        ("example", 200),
        ("Patient/_history/2", 200),
        ("/_history/2", 200),
        ("//Patient/1", 200),
        ("Practitioner/1", 422),
        ("Patient/1/Practitioner/2", 422),
        ("https://x.org/fhir/Practitioner/1/_history/4", 422),
        ("Patient/1/_history/2/_history/3", 422),
        ("#p", 422),
        ("#Patient/1", 422),
        ("a/b", 422),
        ("/1", 422),
        ("", 400),
    ],
)
def test_the_subject_schema_is_what_the_server_reads(
    api: FlaskClient, reference: str, status: int
) -> None:
    """The document's pattern for a subject's reference says what the server does
    (fhir.py reads it in Python; the document's reader, in a JSON Schema validator)."""
    document = api.get("/api/v1/openapi.json").get_json()
    valid = schema_validator(document, "FhirQuestionnaireResponse")
    body = {**questionnaire_response(all_no()), "subject": {"reference": reference}}
    assert api.post(FHIR_EVALUATE, json=body).status_code == status
    assert valid.is_valid(body) is (status == 200)
    schema = document["components"]["schemas"]["FhirQuestionnaireResponse"]
    pattern = schema["properties"]["subject"]["properties"]["reference"]["pattern"]
    assert (jsonschema_rs.validator_for({"pattern": pattern}).is_valid(reference)) is (
        status != 422 and reference != ""
    )


def test_the_date_time_schema_is_what_the_server_reads(api: FlaskClient) -> None:
    """Every day of four years (a common one, a leap one, 1900 and 2000) and a few
    more dateTimes: the document's pattern for authored and the server agree."""
    document = api.get("/api/v1/openapi.json").get_json()
    schema = document["components"]["schemas"]["FhirQuestionnaireResponse"]
    valid = jsonschema_rs.validator_for(schema["properties"]["authored"])
    days = [
        f"{year}-{month:02}-{day:02}"
        for year in ("2026", "2024", "1900", "2000")
        for month in range(1, 13)
        for day in range(0, 33)
    ]
    others = [
        "2026",
        "0001",
        "0000",
        "2026-00",
        "2026-12",
        "2026-13",
        "2026-12-03T09:30:00Z",
        "2026-12-03T09:30:00.5+14:00",
        "2026-12-03T09:30:00+14:01",
        "2026-12-03T23:59:60-01:00",
        "2026-12-03T24:00:00Z",
        "2026-12-03T09:30Z",
        "2026-12-03T09:30:00",
        "2026-12-03 09:30:00Z",
        "2026-12-03T09:30:00z",
        "2026-12-03\n",
        "2026-12-03Z",
    ]
    verdicts = {}
    for authored in days + others:
        body = {**questionnaire_response(all_no()), "authored": authored}
        status = api.post(FHIR_EVALUATE, json=body).status_code
        assert status in (200, 400), authored
        verdicts[authored] = status == 200
        assert valid.is_valid(authored) is verdicts[authored], authored
    assert sum(verdicts[day] for day in days) == 4 * 365 + 2, "366 days in 2024 and 2000"
    assert [other for other in others if verdicts[other]] == [
        "2026",
        "0001",
        "2026-12",
        "2026-12-03T09:30:00Z",
        "2026-12-03T09:30:00.5+14:00",
        "2026-12-03T23:59:60-01:00",
    ]


def test_the_observation_schema_says_what_is_new(api: FlaskClient) -> None:
    """The Observation's code is the Questionnaire's url, the same for every version;
    it says whether a clinician checked what decided it; authored is its
    effectiveDateTime; a subject is carried over as a Reference and nothing more."""
    document = api.get("/api/v1/openapi.json").get_json()
    observation = schema_validator(document, "Observation")
    body = {
        **questionnaire_response(all_no()),
        "authored": "2026-12-03",
        "subject": {"reference": "Patient/1", "display": "x" * 300, "extension": []},
    }
    result = api.post(FHIR_EVALUATE, json=body).get_json()
    observation.validate(result)
    assert result["effectiveDateTime"] == "2026-12-03"
    for change in [
        lambda r: r["code"]["coding"][0].update(code=f"{CANONICAL}|{RULESET.version}"),
        lambda r: r["extension"].pop(),
        lambda r: r["extension"][-1].update(valueCode="checked"),
        lambda r: r.update(effectiveDateTime="2026-12-03T09:30"),
        lambda r: r["subject"].update(display="x" * 201),
        lambda r: r["subject"].update(extension=[]),
    ]:
        wrong = json.loads(json.dumps(result))
        change(wrong)
        assert not observation.is_valid(wrong), wrong
    schemas = document["components"]["schemas"]
    properties = schemas["FhirQuestionnaireResponse"]["properties"]
    assert {"id", "authored", "subject", "encounter", "implicitRules"} <= set(properties)
    evaluate = document["paths"][FHIR_EVALUATE]["post"]["responses"]
    assert "32768 bytes" in evaluate["413"]["description"]
    assert f"At most {fhir.MAX_ISSUES} issues" in evaluate["422"]["description"]
    search = document["paths"]["/api/v1/fhir/Questionnaire"]["get"]["responses"]["400"]
    assert "not FHIR search" in search["description"]


def test_the_fhir_examples_are_the_rules_cases(api: FlaskClient) -> None:
    """The document's example QuestionnaireResponses are the rules file's own cases, one
    for each outcome, and one outside the scope: each is evaluated to its outcome."""
    document = api.get("/api/v1/openapi.json").get_json()
    operation = document["paths"][FHIR_EVALUATE]["post"]
    examples = operation["requestBody"]["content"]["application/fhir+json"]["examples"]
    cases = {f"case-{case.id}": case for case in RULESET.cases}
    reached = set()
    valid = schema_validator(document, "FhirQuestionnaireResponse")
    observation = schema_validator(document, "Observation")
    for name, example in examples.items():
        body = example["value"]
        valid.validate(body)
        assert body["questionnaire"] == f"{CANONICAL}|{RULESET.version}"
        response = api.post(
            FHIR_EVALUATE, data=json.dumps(body), content_type="application/fhir+json"
        )
        assert response.status_code == 200, (name, response.get_json())
        result = response.get_json()
        observation.validate(result)
        if "subject" in body:
            assert (result["subject"], result["encounter"]) == (body["subject"], body["encounter"])
            assert result["derivedFrom"] == [{"reference": f"QuestionnaireResponse/{body['id']}"}]
            assert result["effectiveDateTime"] == body["authored"]
        if name == "outside-for_you":
            assert "valueCodeableConcept" not in result
            assert result["dataAbsentReason"]["coding"][0]["code"] == "not-applicable"
            assert result["status"] == "preliminary", "the response is in progress"
            continue
        case = cases[name]
        (coding,) = result["valueCodeableConcept"]["coding"]
        assert coding["code"] == case.outcome, name
        expected = engine.screen(RULESET, {"for_you": "yes", **engine.case_answers(RULESET, case)})
        assert isinstance(expected, engine.Result) and expected.outcome.id == case.outcome
        reached.add(case.outcome)
    assert reached == {o.id for o in RULESET.outcomes}
    assert "outside-for_you" in examples
    copied = [e["value"] for e in examples.values() if "subject" in e["value"]]
    assert copied, "one example has the elements copied to the Observation"


# A body over 32 KB is refused (413) whatever it holds, and the QuestionnaireResponse
# allows any other FHIR element, so schemathesis's random extra elements sometimes
# make one that large: 413 is then the right answer to valid and invalid bodies alike.
# Otherwise a valid response is evaluated (200) and an invalid one refused as the
# document says.
SCHEMATHESIS = schemathesis.Config.from_dict(
    {
        "operations": [
            {
                "include-operation-id": "fhirEvaluate",
                "checks": {
                    "positive_data_acceptance": {"expected-statuses": ["200", "413"]},
                    "negative_data_rejection": {"expected-statuses": ["400", "413", "415", "422"]},
                },
            }
        ]
    }
)
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", APP, config=SCHEMATHESIS)


@schema.parametrize()
@settings(max_examples=150, deadline=None)
def test_api_matches_its_openapi_document(case: Any) -> None:
    """Schemathesis: no server error, and every response fits the document."""
    case.call_and_validate()


# Without a public address the FHIR face is off: each of its operations answers 404,
# whatever is sent (a 400 for an unknown language first, as everywhere in the API).
OFF = create_app({"TESTING": True, "SECRET_KEY": "api tests", "PUBLIC_URL": ""})
FHIR_OFF = schemathesis.Config.from_dict(
    {
        "phases": {"coverage": {"enabled": False}},
        "checks": {
            "positive_data_acceptance": {"expected-statuses": ["404"]},
            "negative_data_rejection": {"expected-statuses": ["400", "404"]},
        },
    }
)
schema_off = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", OFF, config=FHIR_OFF).include(
    path_regex="^/api/v1/fhir/"
)


@schema_off.parametrize()
@settings(max_examples=25, deadline=None)
def test_fhir_off_matches_the_openapi_document(case: Any) -> None:
    """Schemathesis on a server with no SCREENER_PUBLIC_URL: the FHIR operations are
    still described, and every answer fits the document: a 404 OperationOutcome."""
    response = case.call_and_validate()
    if response.status_code == 404:
        assert "SCREENER_PUBLIC_URL" in response.json()["issue"][0]["diagnostics"]


def test_the_documents_are_valid_openapi_3_1() -> None:
    """Checked against OpenAPI 3.1's own schema, with the FHIR face on and off."""
    schema.validate()
    schemathesis.openapi.from_wsgi("/api/v1/openapi.json", OFF).validate()


def test_the_fhir_face_is_off_without_a_public_url() -> None:
    client = OFF.test_client()
    document = client.get("/api/v1/openapi.json").get_json()
    assert set(FHIR_PATHS) <= set(document["paths"])
    response = document["components"]["schemas"]["FhirQuestionnaireResponse"]["properties"]
    assert response["questionnaire"] == {
        "type": "string",
        "description": response["questionnaire"]["description"],
    }
    requests = [
        client.get("/api/v1/fhir/Questionnaire"),
        client.get("/api/v1/fhir/Questionnaire/prostate-massage"),
        client.post(FHIR_EVALUATE, json=questionnaire_response(all_no())),
    ]
    for answer in requests:
        assert answer.status_code == 404 and answer.mimetype == "application/fhir+json"
        (issue,) = answer.get_json()["issue"]
        assert issue["code"] == "not-found" and "SCREENER_PUBLIC_URL" in issue["diagnostics"]


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
    """A request that succeeds, on the operation at ``path`` of the document."""
    path = path.replace("{id}", "prostate-massage")
    if path == FHIR_EVALUATE:
        body = json.dumps(questionnaire_response(all_no()))
        return api.post(path, data=body, content_type="application/fhir+json", **kwargs)
    if method == "post":
        return api.post(path, json={"answers": all_no()}, **kwargs)
    return api.open(path, method=method.upper(), **kwargs)


def refusal(response: TestResponse) -> tuple[str, str]:
    """What an error says: a problem's title and detail, or, on the FHIR face, the
    OperationOutcome's one issue's code and diagnostics."""
    body = response.get_json()
    if response.request.path.startswith("/api/v1/fhir/"):
        assert response.mimetype == "application/fhir+json"
        assert body["resourceType"] == "OperationOutcome"
        (issue,) = body["issue"]
        return issue["code"], issue["diagnostics"]
    assert response.mimetype == "application/problem+json"
    return body["title"], body["detail"]


def test_lang_is_exactly_one_of_the_documented_tags(api: FlaskClient) -> None:
    """The tags the served document lists work as written; anything else, however
    close, is a 400 problem that names them (a 414 when the address is too long)."""
    document = api.get("/api/v1/openapi.json").get_json()
    tags = document["components"]["schemas"]["Language"]["enum"]
    assert tags == ["en-GB", "es"]
    operations = taking_lang(document)
    assert operations == [
        ("get", "/api/v1/questionnaire"),
        ("post", "/api/v1/evaluate"),
        ("get", "/api/v1/fhir/Questionnaire"),
        ("get", "/api/v1/fhir/Questionnaire/{id}"),
        ("post", FHIR_EVALUATE),
    ]
    for method, path in operations:
        fhir = path.startswith("/api/v1/fhir/")
        for tag in tags:
            response = call(api, method, path, query_string={"lang": tag})
            assert response.status_code == 200, (path, tag)
            assert response.get_json()["language"] == tag
            assert response.headers["Content-Language"] == tag
        for tag in ["en", "ES", "en-gb", "EN-GB", "es-ES", "es-MX", "", " es", "es ", "x" * 4000]:
            response = call(api, method, path, query_string={"lang": tag})
            assert response.status_code == 400, (path, tag)
            kind, detail = refusal(response)
            assert kind == ("invalid" if fhir else "Unknown language")
            assert all(known in detail for known in tags), detail
        twice = call(api, method, path, query_string=[("lang", "es"), ("lang", "es")])
        assert twice.status_code == 400, "lang is given once"
        huge = call(api, method, path, query_string={"lang": "x" * 5000})
        assert huge.status_code == 414
        assert refusal(huge)[0] == ("too-long" if fhir else "Address too long")


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
    for method, path in [
        ("get", "/api/v1/questionnaire"),
        ("post", "/api/v1/evaluate"),
        ("get", "/api/v1/fhir/Questionnaire"),
        ("post", FHIR_EVALUATE),
    ]:
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
