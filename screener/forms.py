"""WTForms built from the ruleset's questions.

Flask-WTF's session-based CSRF token is switched off: Screener keeps no
session and sets no cookie. docs/design.md explains what protects the forms
instead.
"""

from __future__ import annotations

from typing import Any

from babel.lists import format_list
from flask_babel import get_locale, gettext, lazy_gettext
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import HiddenField, RadioField
from wtforms.form import BaseForm
from wtforms.validators import InputRequired, StopValidation

from screener.ruleset import Question


def choose_message(question: Question) -> str:
    """The error for a missing or unknown answer, such as 'Select yes, no or not sure'.

    The answers are listed the way the page's language lists alternatives.
    """
    labels = [o.label[:1].lower() + o.label[1:] for o in question.options]
    listed = format_list(labels, style="or", locale=get_locale())
    message: str = gettext("Select %(answers)s", answers=listed)
    return message


class AnswerField(RadioField):
    """Radios that accept only the question's own options, with the question's message."""

    message = lazy_gettext("Select an answer")

    def pre_validate(self, form: BaseForm) -> None:
        """Reject a value the question does not offer (a missing one is InputRequired's)."""
        offered = {choice[0] for choice in self.choices or ()}
        if self.data is not None and self.data not in offered:
            raise StopValidation(self.message)


class QuestionForm(FlaskForm):
    """One question's page: the question's id, whether it is a change, and the answer."""

    class Meta:
        csrf = False

    question = HiddenField()
    review = HiddenField()
    answer = AnswerField(choices=[])


def question_form(
    question: Question, *, formdata: MultiDict[str, str] | None = None, **data: Any
) -> QuestionForm:
    """A form for the question, bound to posted ``formdata`` or filled from ``data``."""
    form = QuestionForm(formdata=formdata, data={**data, "question": question.id})
    form.answer.choices = [(o.value, o.label) for o in question.options]
    form.answer.message = choose_message(question)
    form.answer.validators = [InputRequired(message=form.answer.message)]
    return form
