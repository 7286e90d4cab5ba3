"""How many questions a person is asked: "Question 4 of about 16" and the start page's
estimate, checked against every way through the questions."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator, Mapping

import pytest
from bs4 import BeautifulSoup
from flask.testing import FlaskClient

from screener import engine
from screener.resources import schema
from screener.ruleset import Ruleset, parse
from tests.generated import generate
from tests.test_ruleset import SCOPE

# Follow-ups that exclude each other (the most is less than every question), a `not`,
# a follow-up of a follow-up, a question asked only when two others agree, and a scope
# question with a "not sure" inside its scope.
RULES = (
    """\
id: count_test
version: "1.0"
title: Count test
"""
    + SCOPE
    + """\
questions:
  - {id: pain, text: "Pain?"}
  - {id: pain_where, text: "Where?", when: {question: pain, in: [yes, unsure]}}
  - {id: pain_none, text: "Sure there is none?", when: {question: pain, is: no}}
  - {id: pain_deep, text: "Deep?", when: {question: pain_where, is: yes}}
  - {id: fever, text: "Fever?"}
  - id: both
    text: "Both?"
    when: {all: [{question: fever, is: yes}, {not: {question: pain, is: no}}]}
outcomes:
  - {id: info, severity: 1, title: Info, body: General.}
  - {id: see, severity: 2, title: See someone, body: Soon.}
rules:
  - {id: fever, when: {question: fever, in: [yes, unsure]}, outcome: see,
     reason: Fever., source: {section: T}}
  - {id: pain, when: {question: pain, in: [yes, unsure]}, outcome: see,
     reason: Pain., source: {section: T}}
cases:
  - {id: none, answers: {}, others: no, outcome: info}
"""
)


@pytest.fixture(scope="module")
def small() -> Ruleset:
    return parse(RULES, filename="count_test.yaml", schema=schema())


def walks(ruleset: Ruleset, given: Mapping[str, str]) -> Iterator[int]:
    """The number of questions asked on every way through the questions, trying every
    answer where none is given (only answers inside the scope for a scope question)."""

    def walk(i: int, answers: dict[str, str], count: int) -> Iterator[int]:
        if i == len(ruleset.flow):
            yield count
            return
        question = ruleset.flow[i]
        if not engine.is_asked(question, answers):
            yield from walk(i + 1, answers, count)
            return
        if question.id in given:
            values: tuple[str, ...] = (given[question.id],)
        else:
            values = tuple(
                v for v in question.values if question.in_scope is None or v in question.in_scope
            )
        for value in values:
            yield from walk(i + 1, {**answers, question.id: value}, count + 1)

    yield from walk(0, {}, 0)


def brute(ruleset: Ruleset, given: Mapping[str, str]) -> engine.Count:
    counts = list(walks(ruleset, engine.relevant_answers(ruleset, given)))
    return engine.Count(min(counts), max(counts))


def test_the_count_before_any_answer(small: Ruleset) -> None:
    # scope + pain + (where + deep, or none) + fever + both
    assert engine.question_count(small) == engine.Count(4, 6) == brute(small, {})
    assert len(small.flow) == 7, "the most is less than every question"


@pytest.mark.parametrize(
    ("given", "fewest", "most"),
    [
        ({"for_you": "yes"}, 4, 6),
        ({"for_you": "yes", "pain": "no"}, 4, 4),  # pain_none, never both
        ({"for_you": "yes", "pain": "unsure"}, 4, 6),  # not sure counts: both may come
        ({"for_you": "yes", "pain": "unsure", "pain_where": "unsure"}, 4, 5),  # deep: yes
        ({"for_you": "yes", "pain": "yes"}, 4, 6),
        ({"for_you": "yes", "pain": "yes", "pain_where": "no"}, 4, 5),
        ({"for_you": "yes", "pain": "yes", "pain_where": "no", "fever": "no"}, 4, 4),
        # An answer to a question the others do not ask counts for nothing.
        ({"for_you": "yes", "pain": "no", "pain_where": "yes"}, 4, 4),
    ],
)
def test_the_count_follows_the_answers(
    small: Ruleset, given: dict[str, str], fewest: int, most: int
) -> None:
    assert engine.question_count(small, given) == engine.Count(fewest, most)
    assert brute(small, given) == engine.Count(fewest, most)


@pytest.mark.parametrize("seed", range(3))
def test_the_count_is_every_way_through_generated_rules(seed: int) -> None:
    """Against every way through a generated file, from no answers and from random
    answers so far (questions answered in order, as the pages ask them)."""
    ruleset = parse(generate(10, seed=seed), filename="generated", schema=schema())
    rng = random.Random(seed)
    assert engine.question_count(ruleset) == brute(ruleset, {})
    for _ in range(30):
        answers: dict[str, str] = {}
        stop = rng.randrange(len(ruleset.flow) // 2, len(ruleset.flow) + 1)
        for question in ruleset.flow[:stop]:
            if engine.is_asked(question, answers):
                answers[question.id] = rng.choice(question.values)
        assert engine.question_count(ruleset, answers) == brute(ruleset, answers), answers


def test_a_search_too_wide_gives_an_upper_bound(
    small: Ruleset, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine, "COUNT_LIMIT", 1)
    count = engine.question_count(small)
    assert not count.exact
    assert count.fewest <= 4 and count.most >= 6, count


def test_the_default_rules_count(app_ruleset: Ruleset) -> None:
    # Every way through all of them is too many to walk here: the last few are left open.
    early = app_ruleset.flow[: len(app_ruleset.flow) - 7]
    answers = {q.id: "yes" if q.id == "for_you" else "no" for q in early if q.when is None}
    assert engine.question_count(app_ruleset, answers) == brute(app_ruleset, answers)
    answers = {q.id: "yes" for q in early if q.when is None}
    assert engine.question_count(app_ruleset, answers) == brute(app_ruleset, answers)
    plain = {q.id: "no" for q in app_ruleset.flow if q.when is None} | {"for_you": "yes"}
    assert engine.question_count(app_ruleset, plain) == engine.Count(len(plain), len(plain))


@pytest.fixture(scope="module")
def app_ruleset() -> Ruleset:
    from screener.resources import default_rules_path

    path = default_rules_path()
    return parse(path.read_text(), filename=str(path), schema=schema())


# ------------------------------------------------------------------------- on the pages


def caption(html: str) -> str:
    found = BeautifulSoup(html, "html.parser").select_one(".caption")
    assert found is not None
    return found.get_text(" ", strip=True)


def test_each_question_says_where_the_person_is(client: FlaskClient, app_ruleset: Ruleset) -> None:
    """Answering "no" to everything: the total is "about" while follow-ups may come, and
    falls to the exact number once none can."""
    page = client.post("/start").get_data(as_text=True)
    answers: dict[str, str] = {}
    seen = []
    while 'name="answer"' in page:  # a question page, not the check page
        qid = re.search(r'name="question" value="([^"]+)"', page)
        token = re.search(r'name="token" value="([^"]+)"', page)
        assert qid and token
        count = engine.question_count(app_ruleset, answers)
        words = "of" if count.fewest == count.most else "of about"
        assert caption(page) == f"Question {len(seen) + 1} {words} {count.most}"
        seen.append(caption(page))
        value = "yes" if qid[1] == "for_you" else "no"
        answers[qid[1]] = value
        page = client.post(
            "/answer", data={"token": token[1], "question": qid[1], "answer": value}
        ).get_data(as_text=True)
    plain = engine.question_count(app_ruleset, answers).most
    assert seen[0] == f"Question 1 of about {engine.question_count(app_ruleset).most}"
    assert seen[-1] == f"Question {plain} of {plain}"
    assert len(seen) == plain


def test_a_yes_raises_the_total(client: FlaskClient, app_ruleset: Ruleset) -> None:
    """After a yes that opens a follow-up, the follow-up is counted and the total stays
    an estimate until the end."""
    parent = next(
        q
        for q in app_ruleset.questions
        if q.when is None
        and any(f.when is not None and q.id in f.when.questions() for f in app_ruleset.questions)
    )
    answers = {"for_you": "yes"}
    for question in app_ruleset.questions:
        if question.id == parent.id:
            break
        if question.when is None:
            answers[question.id] = "no"
    answers[parent.id] = "yes"
    tokens = client.application.extensions["screener"].tokens
    page = client.post(
        "/show", data={"token": tokens.seal(answers), "step": "question", "question": parent.id}
    ).get_data(as_text=True)
    count = engine.question_count(app_ruleset, answers)
    assert count.fewest < count.most
    assert caption(page).endswith(f"of about {count.most}")


def test_the_start_page_estimate_comes_from_the_rules(
    client: FlaskClient, app_ruleset: Ruleset
) -> None:
    count = engine.question_count(app_ruleset)
    text = BeautifulSoup(client.get("/").get_data(as_text=True), "html.parser").get_text(" ")
    text = " ".join(text.split())
    assert f"{count.fewest} to {count.most} questions" in text
    assert "about 3 minutes" not in text
    spanish = BeautifulSoup(client.get("/es/").get_data(as_text=True), "html.parser")
    said = " ".join(spanish.get_text(" ").split())
    assert f"{count.fewest} y {count.most} preguntas" in said


def test_a_question_asked_again_counts_its_own_answer_as_open(
    client: FlaskClient, app_ruleset: Ruleset
) -> None:
    """After Change (or Back) the answer on the page may still change, so the total is
    an estimate while a different answer could bring follow-ups."""
    tokens = client.application.extensions["screener"].tokens
    answers = {
        q.id: "yes" if q.id == "for_you" else "no" for q in app_ruleset.flow if q.when is None
    }
    parent = next(
        q
        for q in app_ruleset.questions
        if any(f.when is not None and q.id in f.when.questions() for f in app_ruleset.questions)
    )
    page = client.post(
        "/change", data={"token": tokens.seal(answers), "question": parent.id}
    ).get_data(as_text=True)
    assert f'name="question" value="{parent.id}"' in page
    with_yes = engine.question_count(app_ruleset, {**answers, parent.id: "yes"}).most
    assert with_yes > len(answers)
    assert caption(page).endswith(f"of about {with_yes}"), caption(page)
