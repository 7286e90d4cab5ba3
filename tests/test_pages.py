"""Pages drawn at start-up are the pages Jinja would draw for the request, slot for slot."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from screener import create_app, engine, pages
from screener.ruleset import Ruleset
from tests.conftest import SECRET

HOST = "https://www.example.org"


def same_page(html: str) -> str:
    """The page with this request's nonce and answers token blanked out."""
    html = re.sub(r'nonce="[^"]+"', 'nonce="N"', html)
    html = re.sub(r"'nonce-[^']+'", "'nonce-N'", html)
    return re.sub(r'name="token" value="[^"]+"', 'name="token" value="T"', html)


@pytest.fixture(scope="module")
def apps() -> tuple[Flask, Flask]:
    """The same app twice: one with the pre-drawn pages, one that draws every page."""
    drawn = create_app({"SECRET_KEY": SECRET, "EMBED_ORIGINS": [HOST], "KIOSK": False})
    plain = create_app({"SECRET_KEY": SECRET, "EMBED_ORIGINS": [HOST], "KIOSK": False})
    del plain.extensions["screener_pages"]
    return drawn, plain


def answers_reaching(ruleset: Ruleset, qid: str) -> dict[str, str]:
    """Answers under which a question is asked: the scope answered in scope (unless it is
    the question), and for a follow-up, its reason."""
    answers = {q.id: sorted(q.in_scope or ())[0] for q in ruleset.scope if q.id != qid}
    question = ruleset.question_by_id[qid]
    if question.when is not None:
        for other in ruleset.questions:
            if other.id != qid and other.when is None:
                answers[other.id] = "yes"
    return answers


def all_but(ruleset: Ruleset, qid: str) -> dict[str, str]:
    """Every other question asked answered "no" (the scope in scope), so that for most
    questions the number of questions left is known exactly."""
    answers = answers_reaching(ruleset, qid)
    for question in ruleset.questions:
        if question.id != qid and engine.is_asked(question, answers):
            answers.setdefault(question.id, "no")
    return engine.relevant_answers(ruleset, answers)


def test_the_pages_are_drawn_once_for_every_variant(apps: tuple[Flask, Flask]) -> None:
    drawn, _ = apps
    ruleset = drawn.extensions["screener"].ruleset
    languages = drawn.extensions["screener_languages"].offered
    # (questions, the scope's too, x review x whether the number of questions is exact,
    # + start with and without answers) x prefixes x language states
    states = 2 * len(languages)  # each language by the browser, or in the address
    assert len(ruleset.flow) == len(ruleset.questions) + 1
    assert len(drawn.extensions["screener_pages"]) == (len(ruleset.flow) * 4 + 2) * 2 * states


@pytest.fixture(scope="module")
def kiosk_apps() -> tuple[Flask, Flask]:
    drawn = create_app({"SECRET_KEY": SECRET, "KIOSK": True})
    plain = create_app({"SECRET_KEY": SECRET, "KIOSK": True})
    del plain.extensions["screener_pages"]
    return drawn, plain


@pytest.mark.parametrize("kiosk", [False, True], ids=["site", "kiosk"])
@pytest.mark.parametrize("prefix", ["", "/es", "/en-GB", "/embed", "/embed/es"])
@pytest.mark.parametrize("accept", [None, "es-MX,es;q=0.9"])
def test_every_pre_drawn_page_is_the_page_drawn_now(
    apps: tuple[Flask, Flask],
    kiosk_apps: tuple[Flask, Flask],
    prefix: str,
    accept: str | None,
    kiosk: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    drawn, plain = kiosk_apps if kiosk else apps
    used: list[object] = []
    original = pages.find

    def counted(key: pages.Key) -> str | None:
        found = original(key)
        used.append(found)
        return found

    monkeypatch.setattr(pages, "find", counted)
    ruleset = drawn.extensions["screener"].ruleset
    tokens = drawn.extensions["screener"].tokens
    clients: list[FlaskClient] = [drawn.test_client(), plain.test_client()]
    headers = {"Accept-Language": accept} if accept else {}
    compared = 0
    exact = 0
    for question in ruleset.flow:
        for answers in (answers_reaching(ruleset, question.id), all_but(ruleset, question.id)):
            count = engine.question_count(ruleset, answers)
            exact += count.fewest == count.most
            for review in ("", "1"):
                data = {"token": tokens.seal(answers), "step": "question", "question": question.id}
                if review:
                    data["review"] = review
                responses = [c.post(f"{prefix}/show", data=data, headers=headers) for c in clients]
                assert [r.status_code for r in responses] == [200, 200]
                shown = [r.get_data(as_text=True) for r in responses]
                assert "SCREENERslot" not in shown[0], "every slot is filled"
                assert f'name="question" value="{question.id}"' in shown[0]
                assert same_page(shown[0]) == same_page(shown[1]), (prefix, question.id, review)
                compared += 1
    assert exact, "some pages say the exact number of questions, others about how many"
    for data in ({}, {"token": tokens.seal({}), "step": "start"}):
        path = f"{prefix}/show" if data else f"{prefix}/"
        responses = [
            c.post(path, data=data, headers=headers) if data else c.get(path, headers=headers)
            for c in clients
        ]
        assert [r.status_code for r in responses] == [200, 200]
        shown = [r.get_data(as_text=True) for r in responses]
        assert "SCREENERslot" not in shown[0]
        assert same_page(shown[0]) == same_page(shown[1]), (prefix, data)
        compared += 1
    assert compared == len(ruleset.flow) * 4 + 2
    hits = [found for found in used if found is not None]
    assert len(hits) == compared, "every one of these pages came from those drawn at start-up"


def test_a_selected_answer_an_error_or_an_embedding_site_draw_the_page_now(
    apps: tuple[Flask, Flask],
) -> None:
    drawn, plain = apps
    tokens = drawn.extensions["screener"].tokens
    clients = [drawn.test_client(), plain.test_client()]
    token = tokens.seal({"for_you": "yes", "cannot_urinate": "no"})
    for path, data in (
        ("/show", {"token": token, "step": "question", "question": "cannot_urinate"}),  # "No"
        ("/show", {"token": token, "step": "question", "question": "for_you"}),  # "Yes"
        ("/answer", {"token": token, "question": "fever_recent"}),  # no answer: the error
        (
            "/embed/show",
            {"token": token, "step": "question", "question": "fever_recent", "host": HOST},
        ),
    ):
        pages = [c.post(path, data=data).get_data(as_text=True) for c in clients]
        assert same_page(pages[0]) == same_page(pages[1]), path
    selected = clients[0].post(
        "/show", data={"token": token, "step": "question", "question": "cannot_urinate"}
    )
    assert 'value="no" checked' in selected.get_data(as_text=True)
    scope = clients[0].post(
        "/show", data={"token": token, "step": "question", "question": "for_you"}
    )
    assert 'value="yes" checked' in scope.get_data(as_text=True)


def test_the_pre_drawn_pages_hold_nothing_of_anyone(apps: tuple[Flask, Flask]) -> None:
    """Filled before the first request, and never changed by one."""
    drawn, _ = apps
    before = dict(drawn.extensions["screener_pages"])
    client = drawn.test_client()
    tokens = drawn.extensions["screener"].tokens
    client.post(
        "/show",
        data={
            "token": tokens.seal({"for_you": "yes", "rectal_bleeding": "yes"}),
            "step": "question",
            "question": "bleeding_heavy",
        },
    )
    client.post(
        "/answer",
        data={
            "token": tokens.seal({"for_you": "yes"}),
            "question": "fever_recent",
            "answer": "yes",
        },
    )
    client.post("/answer", data={"token": tokens.seal({}), "question": "for_you", "answer": "no"})
    assert drawn.extensions["screener_pages"] == before
    for page in before.values():
        tokens = re.findall(r'name="token" value="([^"]*)"', page)
        assert set(tokens) <= {pages.TOKEN_SLOT}
        assert not re.search(r"<input[^>]* checked", page), "no answer selected"
        assert "AgAAAA" not in page  # how every token begins (version 2, then the time)
