"""Shared fixtures: the app, a client that submits forms as a browser does, and rules files."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from bs4 import BeautifulSoup, Tag
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from screener import create_app, i18n
from screener.resources import default_rules_path, load_ruleset
from screener.ruleset import Ruleset

SECRET = "test secret key, not for production"

# Each scope question of the default rules, and the answer that keeps a person in scope
# (the helpers below give it unless told otherwise: "no" would end the screening).
IN_SCOPE = {q.id: sorted(q.in_scope or ())[0] for q in load_ruleset(default_rules_path()).scope}
LABEL_VALUES = {"Yes": "yes", "No": "no", "Not sure": "unsure"}

# Answers (by value; every other question "no", the scope question "yes") that lead to
# each outcome of the default rules.
OUTCOME_ANSWERS: dict[str, dict[str, str]] = {
    "info": {},
    "clinician": {"cancer_history": "yes"},
    "urgent": {"black_stool": "yes"},
    "emergency": {"cannot_urinate": "yes"},
}


@pytest.fixture(scope="session")
def ruleset() -> Ruleset:
    """The default ruleset."""
    return load_ruleset(default_rules_path())


def shown_rules(app: Flask, path: str = "/") -> Ruleset:
    """The rules as the app's pages at ``path`` show them: in that page's language, with
    the emergency number filled in."""
    with app.test_request_context(path):
        app.preprocess_request()
        return i18n.rules()


@pytest.fixture(scope="session")
def shown() -> Ruleset:
    """The default rules as the default app's English pages show them."""
    return shown_rules(create_app({"TESTING": True, "SECRET_KEY": SECRET}))


@pytest.fixture
def app() -> Flask:
    """An app serving the default rules with a fixed key."""
    return create_app({"TESTING": True, "SECRET_KEY": SECRET})


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A plain test client."""
    return app.test_client()


@pytest.fixture
def browser(client: FlaskClient) -> Browser:
    """A client that reads each page and submits its forms like a browser without JavaScript."""
    return Browser(client)


@pytest.fixture
def rules_file(tmp_path: Path) -> Callable[[str], Path]:
    """Write a rules file from (dedented) text and return its path."""

    def write(text: str, name: str = "rules.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
        return path

    return write


def check_page(
    response: TestResponse, lang: str = "en-GB", direction: str = "ltr"
) -> BeautifulSoup:
    """Parse a page and check what every page must have: lang, a title, one h1, unique ids."""
    assert response.mimetype == "text/html"
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    html = soup.find("html")
    assert isinstance(html, Tag)
    assert (html.get("lang"), html.get("dir")) == (lang, direction)
    assert response.headers["Content-Language"] == lang
    assert soup.title and soup.title.get_text(strip=True)
    assert len(soup.find_all("h1")) == 1, "every page has exactly one h1"
    ids = [t["id"] for t in soup.find_all(id=True)]
    assert len(ids) == len(set(ids)), f"duplicate ids: {ids}"
    for form in soup.find_all("form"):
        assert form.get("method") == "post" and form.has_attr("novalidate")
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers, "Screener never sets a cookie"
    return soup


class Browser:
    """Follows the forms on each page, as a person with JavaScript switched off would."""

    def __init__(self, client: FlaskClient, lang: str = "en-GB", direction: str = "ltr") -> None:
        self.client = client
        self.lang = lang
        self.direction = direction
        self.response: TestResponse | None = None
        self.soup: BeautifulSoup | None = None

    def _load(self, response: TestResponse) -> Browser:
        self.response = response
        self.soup = check_page(response, self.lang, self.direction)
        return self

    def submit(self, action: str, data: dict[str, str] | None = None) -> Browser:
        """Send the form whose address ends with ``action``, with its hidden fields and ``data``.

        Unlike :meth:`press` it needs no button text, so it works in any language.
        """
        assert self.soup is not None
        forms = [f for f in self.soup.find_all("form") if str(f.get("action")).endswith(action)]
        assert forms, f"no form sending to {action!r} on {self.h1!r}"
        fields = {
            str(i["name"]): str(i.get("value", ""))
            for i in forms[-1].find_all("input", type="hidden")
        }
        return self._load(
            self.client.post(str(forms[-1]["action"]), data={**fields, **(data or {})})
        )

    def answer_values(self, answers: dict[str, str], default: str = "no") -> Browser:
        """Answer questions until the check page, by answer value: from ``answers``, else
        the in-scope answer to a scope question, else ``default``."""
        for _ in range(100):
            qid = self.question_id()
            if qid is None:
                return self
            self.submit("/answer", {"answer": answers.get(qid, IN_SCOPE.get(qid, default))})
        raise AssertionError("the questions never ended")

    def get(self, path: str) -> Browser:
        """Open a page by its address."""
        return self._load(self.client.get(path))

    @property
    def status(self) -> int:
        assert self.response is not None
        return self.response.status_code

    @property
    def h1(self) -> str:
        assert self.soup is not None
        h1 = self.soup.find("h1")
        assert h1 is not None
        return h1.get_text(" ", strip=True)

    @property
    def title(self) -> str:
        assert self.soup is not None and self.soup.title is not None
        return self.soup.title.get_text(strip=True)

    @property
    def text(self) -> str:
        assert self.soup is not None
        return self.soup.get_text(" ", strip=True)

    @property
    def html(self) -> str:
        assert self.response is not None
        return self.response.get_data(as_text=True)

    def question_id(self) -> str | None:
        """The id of the question on this page, if it is a question page."""
        assert self.soup is not None
        field = self.soup.select_one("form[action$='/answer'] input[name=question]")
        return str(field["value"]) if field else None

    def press(
        self,
        label: str,
        *,
        choose: str | None = None,
        extra: dict[str, str] | None = None,
        value: str | None = None,
    ) -> Browser:
        """Press the button with this text (and value), after choosing the radio labelled ``choose``."""
        assert self.soup is not None
        buttons = [
            b
            for b in self.soup.find_all("button")
            if b.get_text(" ", strip=True).startswith(label)
            and (value is None or b.get("value") == value)
        ]
        assert buttons, f"no button {label!r} on {self.h1!r}"
        button = buttons[0]
        form = button.find_parent("form")
        assert isinstance(form, Tag)
        data: dict[str, str] = {}
        for field in form.find_all("input"):
            kind = field.get("type", "text")
            if kind == "radio":
                continue
            data[str(field["name"])] = str(field.get("value", ""))
        radios = form.find_all("input", type="radio")
        for radio in radios:
            if radio.has_attr("checked"):
                data[str(radio["name"])] = str(radio["value"])
        if choose is not None:
            label_tag = next(
                (lab for lab in form.find_all("label") if lab.get_text(strip=True) == choose), None
            )
            assert label_tag is not None, f"no answer {choose!r} on {self.h1!r}"
            radio = form.find(id=label_tag["for"])
            assert isinstance(radio, Tag)
            data[str(radio["name"])] = str(radio["value"])
        if button.get("name"):
            data[str(button["name"])] = str(button.get("value", ""))
        data.update(extra or {})
        action = str(button.get("formaction") or form.get("action"))
        return self._load(self.client.post(action, data=data))

    def answer(self, choice: str) -> Browser:
        """Choose an answer and continue."""
        return self.press("Continue", choose=choice)

    def choose(self, value: str) -> Browser:
        """Choose the answer with this value (by its radio, whatever its label) and continue."""
        assert self.soup is not None
        radio = self.soup.select_one(f"form[action$='/answer'] input[type=radio][value='{value}']")
        assert radio is not None, f"no answer {value!r} on {self.h1!r}"
        label = self.soup.find("label", attrs={"for": radio["id"]})
        assert label is not None and label.get_text(strip=True), "every answer has a label"
        return self.press("Continue", choose=label.get_text(strip=True))

    def answer_until(self, qid: str, default: str = "no") -> Browser:
        """Answer ``default`` (the scope question in scope) until question ``qid`` is asked."""
        for _ in range(100):
            now = self.question_id()
            assert now is not None, f"{qid!r} was never asked"
            if now == qid:
                return self
            self.choose(IN_SCOPE.get(now, default))
        raise AssertionError("the questions never ended")

    def answer_all(self, answers: dict[str, str], default: str = "No") -> Browser:
        """Answer questions until the check page (or the page a scope answer leads to): by
        value from ``answers`` by id, else the in-scope answer to a scope question, else
        the answer labelled ``default``."""
        for _ in range(100):
            qid = self.question_id()
            if qid is None:
                return self
            self.choose(answers.get(qid) or IN_SCOPE.get(qid) or LABEL_VALUES[default])
        raise AssertionError("the questions never ended")

    def token(self) -> str:
        """The answers token in the page's main form."""
        assert self.soup is not None
        field = self.soup.select_one("main input[name=token]")
        assert field is not None
        return str(field["value"])
