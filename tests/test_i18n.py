"""Languages: choosing one, keeping it through the flow, and the same outcome in every one."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from flask import Flask
from flask.testing import FlaskClient

from screener import create_app, engine
from screener.catalogs import catalog_directories, fingerprint, load_catalog, needed_messages
from screener.config import ConfigError
from screener.forms import QuestionForm
from screener.i18n import Language, Languages
from screener.i18n_extract import extract_rules
from screener.resources import data_dir, default_rules_path
from screener.ruleset import Case, Ruleset, RulesetError
from tests import pseudo
from tests.conftest import SECRET, Browser

SPANISH = "es"
ENGLISH = "en-GB"
INSIDE = {"for_you": "yes"}  # the scope: a person the screening is for


def languages(app: Flask) -> Languages:
    found: Languages = app.extensions["screener_languages"]
    return found


def spanish(app: Flask) -> Language:
    language = languages(app).by_tag(SPANISH)
    assert language is not None
    return language


# --------------------------------------------------------------------------- choosing


def test_english_and_spanish_are_offered_english_first(app: Flask) -> None:
    offered = languages(app).offered
    found = [(lang.tag, lang.name, lang.direction) for lang in offered]
    assert found[0] == (ENGLISH, "English", "ltr") and offered[0].review == "source"
    assert (SPANISH, "Español", "ltr") in found and spanish(app).review == "draft"


@pytest.mark.parametrize(
    ("accept", "lang"),
    [
        (None, ENGLISH),
        ("es", SPANISH),
        ("es-MX,es;q=0.9,en;q=0.5", SPANISH),
        ("xx-YY,zz;q=0.8", ENGLISH),  # neither offered: the default
        ("en-US,es;q=0.5", ENGLISH),
        ("zz, es;q=0.3", SPANISH),
        ("es;q=0, en;q=0.1", ENGLISH),  # q=0: "not Spanish"
    ],
)
def test_the_browser_language_is_used_without_a_choice(
    client: FlaskClient, accept: str | None, lang: str
) -> None:
    headers = {"Accept-Language": accept} if accept else {}
    response = client.get("/", headers=headers)
    page = Browser(client, lang=lang)._load(response)
    assert response.headers["Content-Language"] == lang
    assert "Accept-Language" in response.headers["Vary"]
    want = "Antes de probar el masaje prostático" if lang == SPANISH else "Before you try"
    assert page.h1 is not None and page.h1.startswith(want)


def test_the_address_beats_the_browser(client: FlaskClient) -> None:
    response = client.get("/es/", headers={"Accept-Language": "en"})
    Browser(client, lang=SPANISH)._load(response)
    assert "Accept-Language" not in response.headers.get("Vary", "")
    response = client.get("/en-GB/", headers={"Accept-Language": "es"})
    Browser(client)._load(response)


@pytest.mark.parametrize("path", ["/xx/", "/xx/start", "/ES-es/", "/en/"])
def test_a_language_not_offered_is_not_found(client: FlaskClient, path: str) -> None:
    assert client.get(path).status_code == 404


def test_languages_setting_picks_and_orders() -> None:
    app = create_app({"SECRET_KEY": SECRET, "LANGUAGES": ["es", "en-GB"]})
    assert [lang.tag for lang in languages(app).offered] == [SPANISH, ENGLISH]
    Browser(app.test_client(), lang=SPANISH).get("/")  # no Accept-Language: Spanish
    only = create_app({"SECRET_KEY": SECRET, "LANGUAGES": ["en-GB"]})
    page = Browser(only.test_client()).get("/")
    assert page.soup is not None and not page.soup.select(".languages")


def test_languages_setting_refuses_a_language_without_a_catalog() -> None:
    with pytest.raises(ConfigError, match=r"'xx'.*has no catalog"):
        create_app({"SECRET_KEY": SECRET, "LANGUAGES": ["xx", "en-GB"]})


def test_languages_setting_matches_by_language_too() -> None:
    app = create_app({"SECRET_KEY": SECRET, "LANGUAGES": ["es-MX", "en"]})
    assert [lang.tag for lang in languages(app).offered] == [SPANISH, ENGLISH]


def test_a_catalog_keeps_its_own_plural_rule(tmp_path: Path) -> None:
    """Polish has three plural forms: 1 minuta, 2 minuty, 5 minut. Merging catalogs from
    several directories must not fall back to English's "one or many"."""
    catalog = Catalog(locale="pl")
    catalog.add(("%(num)d minute", "%(num)d minutes"), ("one", "few", "many"))
    target = tmp_path / "pl" / "LC_MESSAGES"
    target.mkdir(parents=True)
    with open(target / "messages.mo", "wb") as mo:
        write_mo(mo, catalog)
    for directories in ([tmp_path], [data_dir("translations"), tmp_path]):
        loaded = load_catalog(directories, "pl")
        forms = [loaded.ngettext("%(num)d minute", "%(num)d minutes", n) for n in (1, 2, 5)]
        assert forms == ["one", "few", "many"]


def _partial_catalog(directory: Path, code: str) -> Path:
    """A catalog that translates a single message."""
    catalog = Catalog(locale=code)
    catalog.add("Start", "Commencer")
    (directory / code / "LC_MESSAGES").mkdir(parents=True)
    with open(directory / code / "LC_MESSAGES" / "messages.mo", "wb") as mo:
        write_mo(mo, catalog)
    return directory


def test_an_incomplete_translation_is_never_offered(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    extra = _partial_catalog(tmp_path, "eo")  # Esperanto: Screener ships none
    with caplog.at_level(logging.WARNING, logger="screener"):
        app = create_app({"SECRET_KEY": SECRET, "TRANSLATIONS": [str(extra)]})
    assert "eo" not in [lang.code for lang in languages(app).offered]
    assert re.search(r"Language eo is not offered: .* no translation for \d+ of \d+", caplog.text)
    assert app.test_client().get("/eo/").status_code == 404
    with pytest.raises(ConfigError, match=r"'eo'.*no translation for"):
        create_app({"SECRET_KEY": SECRET, "TRANSLATIONS": [str(extra)], "LANGUAGES": ["eo"]})


def test_a_translation_that_loses_the_emergency_number_is_never_offered(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A catalog whose emergency message drops {emergency_number} would tell a person in
    an emergency to call nobody: the language is not offered, and naming it is an error."""
    real = pseudo.pseudo
    monkeypatch.setattr(
        pseudo, "pseudo", lambda text: real(text).replace("{emergency_number}", "{numero}")
    )
    extra = pseudo.write_catalog(tmp_path)
    with caplog.at_level(logging.WARNING, logger="screener"):
        app = create_app({"SECRET_KEY": SECRET, "TRANSLATIONS": [str(extra)]})
    assert "he" not in [lang.code for lang in languages(app).offered]
    assert "Language he is not offered: its translation changes the placeholders of" in caplog.text
    assert "'emergency message' ({emergency_number} in the original)" in caplog.text
    with pytest.raises(ConfigError, match=r"'he'.*changes the placeholders"):
        create_app({"SECRET_KEY": SECRET, "TRANSLATIONS": [str(extra)], "LANGUAGES": ["he"]})


# --------------------------------------------------------------------------- the flow


def test_the_whole_flow_stays_in_the_chosen_language_without_a_cookie(
    app: Flask, client: FlaskClient
) -> None:
    es = spanish(app).ruleset
    page = Browser(client, lang=SPANISH)
    page.get("/es/")  # check_page: lang, dir, Content-Language and no Set-Cookie, every page
    page.submit("/start")
    assert page.h1 == es.flow[0].text == es.scope[0].text
    seen = 0
    while (qid := page.question_id()) is not None:
        assert page.soup is not None
        actions = [str(f["action"]) for f in page.soup.find_all("form")]
        assert actions and all(a.startswith("/es/") for a in actions), actions
        page.submit("/answer", {"answer": INSIDE.get(qid, "no")})
        seen += 1
    assert seen == 20 and page.h1 == "Revise sus respuestas"
    page.submit("/result")
    assert page.h1 == es.lowest.title


def test_switching_language_mid_flow_keeps_the_answers(client: FlaskClient) -> None:
    page = Browser(client)
    page.get("/").submit("/start")
    page.submit("/answer", {"answer": "yes"})  # for_you: inside the scope
    page.submit("/answer", {"answer": "no"})  # cannot_urinate
    page.submit("/answer", {"answer": "no"})  # very_unwell_now
    assert page.question_id() == "fever_recent"
    page.submit("/answer", {"answer": "yes"})  # fever_recent: yes brings its follow-ups
    page.submit("/answer", {"answer": "no"})  # fever_risk
    sixth = page.question_id()
    assert page.soup is not None
    switch = page.soup.select_one("nav.languages button[lang=es]")
    assert switch is not None and switch.get_text(strip=True) == "Español"
    assert page.soup.select_one("nav.languages [aria-current=true]").get_text() == "English"
    form = switch.find_parent("form")
    data = {str(i["name"]): str(i["value"]) for i in form.find_all("input")}
    assert switch["formaction"] == "/es/show" and data["question"] == sixth
    page.lang = SPANISH
    page._load(client.post(str(switch["formaction"]), data=data))
    assert page.question_id() == sixth
    assert page.soup.select_one(".caption").get_text().startswith("Pregunta 6 de unas ")
    page.submit("/back")
    assert page.question_id() == "fever_risk"
    checked = page.soup.select_one("input[name=answer][checked]")
    assert checked is not None and checked["value"] == "no", "the answer survived the switch"


def test_the_switch_posts_to_the_same_step_in_the_other_language(client: FlaskClient) -> None:
    page = Browser(client)
    page.get("/").submit("/start").answer_values(INSIDE)
    assert page.h1 == "Check your answers" and page.soup is not None
    button = page.soup.select_one("nav.languages button[lang=es]")
    assert button is not None and button["formaction"] == "/es/show"
    form = button.find_parent("form")
    data = {str(i["name"]): str(i["value"]) for i in form.find_all("input")}
    assert data["step"] == "check" and "answer" not in data
    spanish_page = Browser(client, lang=SPANISH)._load(client.post("/es/show", data=data))
    assert spanish_page.h1 == "Revise sus respuestas"
    assert spanish_page.soup is not None
    assert len(spanish_page.soup.select(".summary__row")) == 20


def test_the_result_page_has_no_switch_and_no_token(client: FlaskClient) -> None:
    page = Browser(client).get("/").submit("/start").answer_values(INSIDE).submit("/result")
    assert page.soup is not None
    assert not page.soup.select("nav.languages") and not page.soup.select("input[name=token]")


def test_errors_are_in_the_page_language(client: FlaskClient) -> None:
    page = Browser(client, lang=SPANISH).get("/es/").submit("/start")
    page.submit("/answer", {"answer": "yes"})  # for_you: inside the scope
    page.submit("/answer", {})
    assert page.soup is not None
    assert page.soup.select_one(".error-summary a").get_text() == "Seleccione sí, no o no lo sé"
    assert page.title.startswith("Error:")
    expired = client.post("/es/answer", data={"token": "nonsense", "question": "cannot_urinate"})
    assert expired.status_code == 400
    soup = Browser(client, lang=SPANISH)._load(expired).h1
    assert soup == "Sus respuestas han caducado"


def test_wtforms_own_messages_come_translated(app: Flask) -> None:
    with app.test_request_context("/es/"):
        app.preprocess_request()
        form = QuestionForm()
        translations = form.meta.get_translations(form)
        assert translations.gettext("This field is required.") == "Este campo es obligatorio."
    with app.test_request_context("/"):
        form = QuestionForm()
        translations = form.meta.get_translations(form)
        assert translations.gettext("This field is required.") == "This field is required."


NOT_CHECKED = "Esta traducción todavía no ha sido revisada por un profesional sanitario."


def test_spanish_pages_say_the_translation_is_not_clinically_reviewed(
    client: FlaskClient,
) -> None:
    """Once on each page: the start page, a question, the result (which prints it)."""
    page = Browser(client, lang=SPANISH).get("/es/")
    assert page.text.count(NOT_CHECKED) == 1
    page.submit("/start").answer_values(INSIDE)
    assert page.text.count(NOT_CHECKED) == 1
    assert page.submit("/result").text.count(NOT_CHECKED) == 1
    english = Browser(client).get("/").text
    assert "translation has not yet been checked" not in english


def _approved_rules(tmp_path: Path) -> Path:
    """The default rules with their Spanish translation approved, as Screener's own
    catalog translates them (the rules themselves stay a draft)."""
    from tests.test_approve import approve_text

    text = default_rules_path().read_text("utf-8")
    rules = tmp_path / "rules.yaml"
    rules.write_text(approve_text(text, lang="es"), "utf-8")
    return rules


def current_fingerprint(ruleset: Ruleset, directories: list[Path] | None = None) -> str:
    catalog = load_catalog(directories or catalog_directories([]), "es")
    return fingerprint(catalog, ruleset, needed_messages(ruleset))


def test_an_approved_translation_says_nothing_of_the_kind(tmp_path: Path) -> None:
    app = create_app({"SECRET_KEY": SECRET, "RULES": str(_approved_rules(tmp_path))})
    assert spanish(app).review == "approved"
    page = Browser(app.test_client(), lang=SPANISH).get("/es/")
    assert NOT_CHECKED not in page.text
    assert "Traducción revisada por Consultant urologist el 27 de noviembre de 2026." in page.text


def test_an_approval_lapses_when_a_translated_text_changes(
    tmp_path: Path, ruleset: Ruleset, caplog: pytest.LogCaptureFixture
) -> None:
    """A translator changes one Spanish text after a clinician approved them all: the
    approval no longer holds, the server says why, and the pages say it is unchecked."""
    rules = _approved_rules(tmp_path)
    catalog = Catalog(locale="es")
    catalog.add(ruleset.question_by_id["fever_recent"].text, "¿Ha tenido fiebre hace poco?")
    target = tmp_path / "changed" / "es" / "LC_MESSAGES"
    target.mkdir(parents=True)
    with open(target / "messages.mo", "wb") as mo:
        write_mo(mo, catalog)
    changed = [str(tmp_path / "changed")]
    with caplog.at_level(logging.WARNING, logger="screener"):
        app = create_app({"SECRET_KEY": SECRET, "RULES": str(rules), "TRANSLATIONS": changed})
    assert spanish(app).review == "changed since review" and spanish(app).approval is None
    now = current_fingerprint(ruleset, catalog_directories(changed))
    assert now != current_fingerprint(ruleset)
    assert "approved in" in caplog.text and now in caplog.text
    page = Browser(app.test_client(), lang=SPANISH).get("/es/")
    assert page.text.count(NOT_CHECKED) == 1 and "Traducción revisada" not in page.text


def test_an_approval_must_name_what_was_reviewed(tmp_path: Path) -> None:
    text = default_rules_path().read_text("utf-8")
    rules = tmp_path / "rules.yaml"
    rules.write_text(text.replace("  es:\n    status: draft\n", "  es:\n    status: approved\n"))
    with pytest.raises(
        RulesetError, match=r"translations es\.status: approved, but no approval is recorded"
    ):
        create_app({"SECRET_KEY": SECRET, "RULES": str(rules)})


def test_pages_under_a_language_stay_in_it_when_something_is_wrong(client: FlaskClient) -> None:
    for path, status in (("/es/nowhere", 404), ("/es/answer", 405), ("/embed/es/answer", 405)):
        response = client.get(path)
        assert response.status_code == status
        page = Browser(client, lang=SPANISH)._load(response)
        assert page.soup is not None
        start = page.soup.select_one("main a.button")
        assert start is not None and start["href"] in ("/es/", "/embed/es/")


def test_embedded_spanish_pages_say_the_translation_is_unreviewed(client: FlaskClient) -> None:
    page = Browser(client, lang=SPANISH).get("/embed/es/")
    assert page.text.count(NOT_CHECKED) == 1
    page.submit("/start")
    assert page.text.count(NOT_CHECKED) == 1
    page.answer_values(INSIDE).submit("/result")
    assert page.text.count(NOT_CHECKED) == 1


def test_the_api_takes_a_language_by_its_exact_tag_or_accept_language(
    client: FlaskClient,
) -> None:
    assert client.get("/api/v1/questionnaire?lang=en-GB").get_json()["language"] == ENGLISH
    body = client.get("/api/v1/questionnaire?lang=es").get_json()
    assert body["language"] == SPANISH and body["translation_review"] == "draft"
    for loose in ("en", "es-MX"):  # ?lang= is exact, as the OpenAPI document says
        assert client.get(f"/api/v1/questionnaire?lang={loose}").status_code == 400
    asked = client.get("/api/v1/questionnaire", headers={"Accept-Language": "es-MX"})
    assert asked.get_json()["language"] == SPANISH  # the browser's choice, matched loosely
    assert client.get("/api/v1/questionnaire").get_json()["translation_review"] == "source"


def test_the_kiosk_start_page_puts_the_language_choice_first() -> None:
    app = create_app({"SECRET_KEY": SECRET, "KIOSK": True})
    page = Browser(app.test_client()).get("/")
    assert page.soup is not None
    choice = page.soup.select_one(".languages--start")
    assert choice is not None and choice.find_next("h1") is not None
    assert choice.find_parent("main") is None, "before the page's content"
    links = {a["lang"]: a["href"] for a in choice.select("a")}
    others = languages(app).offered[1:]
    assert links == {lang.tag: f"/{lang.tag}/" for lang in others} and SPANISH in links
    assert len(page.soup.select("nav.languages")) == 1, "one switch on the start page"


def test_finishing_goes_back_to_the_default_language() -> None:
    app = create_app({"SECRET_KEY": SECRET, "KIOSK": True})
    response = app.test_client().get("/es/finish")
    assert response.status_code == 303 and response.headers["Location"] == "/"
    page = Browser(app.test_client(), lang=SPANISH).get("/es/")
    html = page.soup.find("html") if page.soup else None
    assert html is not None and html["data-kiosk-finish"] == "/finish"


def test_the_embed_keeps_its_host_and_language(app: Flask) -> None:
    host = "https://www.example.org"
    app = create_app({"SECRET_KEY": SECRET, "EMBED_ORIGINS": [host]})
    client = app.test_client()
    page = Browser(client, lang=SPANISH).get(f"/embed/es/?host={host}")
    page.submit("/start")
    assert page.soup is not None
    assert all(str(f["action"]).startswith("/embed/es/") for f in page.soup.find_all("form"))
    assert page.soup.select_one("input[name=host]")["value"] == host
    english = Browser(client).get(f"/embed/?host={host}")
    assert english.soup is not None
    link = english.soup.select_one(".languages a[lang=es]")
    assert link is not None and link["href"] == f"/embed/es/?host={host}"


# --------------------------------------------------------------------------- same outcome


def _outcome_on_the_page(page: Browser) -> str:
    assert page.soup is not None
    box = page.soup.select_one(".outcome")
    assert box is not None
    found = [c.removeprefix("outcome--") for c in box["class"] if c.startswith("outcome--")]
    return found[0]


def _cases() -> list[Case]:
    from screener.resources import load_ruleset

    return list(load_ruleset(default_rules_path()).cases)


@pytest.mark.parametrize("case", _cases(), ids=lambda c: c.id)
def test_every_case_gives_the_same_outcome_in_every_language(
    app: Flask, client: FlaskClient, ruleset: Ruleset, case: Case
) -> None:
    answers = engine.case_answers(ruleset, case)
    expected = engine.evaluate(ruleset, answers)
    assert expected.outcome.id == case.outcome
    # The pages answer every question asked: "not sure" where the case gives no answer.
    on_page = engine.evaluate(ruleset, engine.complete_answers(ruleset, answers))
    assert on_page.outcome.id == case.outcome
    for language in languages(app).offered:
        prefix = f"/{language.tag}"
        page = Browser(client, lang=language.tag).get(f"{prefix}/").submit("/start")
        page.answer_values({**INSIDE, **answers}, default="unsure").submit("/result")
        assert _outcome_on_the_page(page) == case.outcome, language.tag
        localized = language.ruleset
        assert page.h1 == localized.outcome_by_id[case.outcome].title
        assert page.soup is not None
        shown = [li.get_text(strip=True) for li in page.soup.select(".reasons li")]
        rules = {r.id: r for r in localized.rules}
        assert shown == [rules[r.rule].wording(r.basis) for r in on_page.reasons]
        api = client.post(
            f"/api/v1/evaluate?lang={language.tag}", json={"answers": {**INSIDE, **answers}}
        ).get_json()
        assert api["outcome"]["id"] == case.outcome and api["language"] == language.tag
        assert [(r["rule"], r["answered"], r["text"]) for r in api["reasons"]] == [
            (r.rule, r.basis, rules[r.rule].wording(r.basis)) for r in expected.reasons
        ]


# --------------------------------------------------------------------------- the API


def test_the_api_speaks_the_requested_language(client: FlaskClient, app: Flask) -> None:
    es = spanish(app).ruleset
    body = client.get("/api/v1/questionnaire?lang=es").get_json()
    assert body["language"] == SPANISH
    assert [q["text"] for q in body["questions"]] == [q.text for q in es.flow]
    assert body["questions"][1]["options"][0] == {"value": "yes", "label": "Sí"}
    assert es.outside is not None and body["outside"]["title"] == es.outside.title
    assert body["emergency"] == es.emergency and "999" in body["emergency"]
    response = client.get("/api/v1/questionnaire", headers={"Accept-Language": "es"})
    assert response.get_json()["language"] == SPANISH
    assert response.headers["Content-Language"] == SPANISH
    english = client.get("/api/v1/questionnaire").get_json()
    assert english["language"] == ENGLISH
    assert english["questions"][1]["options"][0]["label"] == "Yes"
    assert english["outside"]["title"] != body["outside"]["title"]


@pytest.mark.parametrize("path", ["/api/v1/questionnaire?lang=xx", "/api/v1/evaluate?lang=fr"])
def test_the_api_refuses_a_language_it_does_not_offer(client: FlaskClient, path: str) -> None:
    post = "evaluate" in path
    response = client.post(path, json={"answers": {}}) if post else client.get(path)
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    tags = ", ".join(lang.tag for lang in languages(client.application).offered)
    assert response.get_json()["detail"] == f"lang must be one of: {tags}."
    assert response.headers["Content-Language"] == "en"


# --------------------------------------------------------------------------- right to left


@pytest.fixture(scope="module")
def rtl_app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    catalogs = pseudo.write_catalog(tmp_path_factory.mktemp("catalogs"))
    return create_app({"SECRET_KEY": SECRET, "TRANSLATIONS": [str(catalogs)]})


def test_a_right_to_left_language_gets_dir_rtl_through_the_flow(
    rtl_app: Flask, ruleset: Ruleset
) -> None:
    client = rtl_app.test_client()
    page = Browser(client, lang="he", direction="rtl").get("/he/").submit("/start")
    page.answer_values({**INSIDE, "new_severe_pain": "yes"}).submit("/result")
    assert _outcome_on_the_page(page) == "urgent"
    assert page.h1 == pseudo.pseudo(ruleset.outcome_by_id["urgent"].title)


def test_the_stylesheet_uses_logical_properties_only() -> None:
    css = (Path(__file__).resolve().parents[1] / "screener/static/screener.css").read_text()
    physical = re.compile(
        r"(?<![-\w])(?:(?:margin|padding|border)-(?:left|right)"
        r"|left|right|float|clear|text-align)\s*:\s*[^;]*?(?:\b(?:left|right)\b|;)"
    )
    found = [
        m.group(0) for m in physical.finditer(css) if re.search(r"\b(left|right)\b", m.group(0))
    ]
    assert found == []
    assert "inset-inline-start" in css and "margin-inline" in css


# --------------------------------------------------------------------------- extraction


def test_the_rules_extractor_yields_every_text_with_its_line(ruleset: Ruleset) -> None:
    with open(default_rules_path(), "rb") as f:
        found = list(extract_rules(f, {}, [], {}))
    assert {message for _, _, message, _ in found} == {t.text for t in ruleset.texts()}
    fever = next(item for item in found if item[2] == ruleset.question_by_id["fever_recent"].text)
    assert fever[0] == ruleset.question_by_id["fever_recent"].line
    assert fever[3] == ["prostate_massage fever_recent: question"]
    assert ruleset.emergency in {m for _, _, m, _ in found}, "unfilled: {emergency_number}"
    quotes = {r.source.quote for r in ruleset.rules if r.source.quote}
    assert quotes, "the default rules quote their source"
    assert not quotes & {m for _, _, m, _ in found}, "source quotes are not translated"


def test_the_rules_extractor_refuses_a_broken_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("id: x\nversion: '1'\ntitle: T\n", "utf-8")
    with open(broken, "rb") as f, pytest.raises(RulesetError):
        list(extract_rules(f, {}, [], {}))


def test_the_translations_live_in_the_package() -> None:
    assert (data_dir("translations") / "es" / "LC_MESSAGES" / "messages.mo").is_file()


# --------------------------------------------------------------------------- emergency number


def test_every_language_has_the_emergency_number_filled_in(app: Flask) -> None:
    """The default rules are en_GB: 999 in every text that names the emergency number."""
    offered = languages(app).offered
    assert len(offered) > 1
    for language in offered:
        texts = [t.text for t in language.ruleset.texts()]
        assert not [t for t in texts if "{emergency_number}" in t], language.tag
        assert language.ruleset.emergency and "999" in language.ruleset.emergency
        assert "999" in language.ruleset.outcome_by_id["emergency"].title


def _regionless_rules(tmp_path: Path) -> Path:
    """The default rules, written in plain ``en``: a language with no region, so no number."""
    text = default_rules_path().read_text("utf-8")
    rules = tmp_path / "rules.yaml"
    rules.write_text(text.replace("\nlanguage: en_GB\n", "\nlanguage: en\n"), "utf-8")
    assert rules.read_text("utf-8") != text
    return rules


def test_without_a_number_each_language_says_its_local_emergency_number(tmp_path: Path) -> None:
    app = create_app({"SECRET_KEY": SECRET, "RULES": str(_regionless_rules(tmp_path))})
    english, es = languages(app).default, spanish(app)
    assert english.code == "en" and app.config["EMERGENCY_NUMBER"] == ""
    assert english.ruleset.emergency and "your local emergency number" in english.ruleset.emergency
    local = es.catalog.gettext("your local emergency number")
    assert local != "your local emergency number", "the Spanish catalog translates it"
    assert es.ruleset.emergency and local in es.ruleset.emergency
    assert "your local emergency number" not in es.ruleset.emergency
    for language in (english, es):
        assert not [t for t in language.ruleset.texts() if "{" in t.text], language.tag
    page = Browser(app.test_client(), lang=SPANISH).get("/es/").submit("/start")
    page.answer_values({**INSIDE, "cannot_urinate": "yes"}).submit("/result")
    assert page.h1 == es.ruleset.outcome_by_id["emergency"].title and local in page.h1


def test_the_number_does_not_change_what_translators_and_reviewers_match(
    tmp_path: Path, ruleset: Ruleset
) -> None:
    """Catalogs translate the texts as written, so any number keeps a translation complete
    and its approval valid."""
    assert ruleset.emergency is not None and "{emergency_number}" in ruleset.emergency
    rules = _approved_rules(tmp_path)
    for number in ("999", "112", "+1 555-0100"):
        app = create_app({"SECRET_KEY": SECRET, "RULES": str(rules), "EMERGENCY_NUMBER": number})
        es = spanish(app)
        assert es.review == "approved", number
        assert es.ruleset.emergency and number in es.ruleset.emergency
