"""WTForms built from the ruleset's questions.

Flask-WTF's session-based CSRF token is switched off: Screener keeps no
session and sets no cookie. docs/design.md explains what protects the forms
instead.
"""

from __future__ import annotations

from typing import Any

from babel.lists import format_list
from flask_babel import get_locale
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import RadioField
from wtforms.form import BaseForm
from wtforms.validators import StopValidation

from screener.i18n import gettext
from screener.ruleset import Question


def choose_message(question: Question) -> str:
    """The error for a missing or unknown answer, such as 'Select yes, no or not sure'.

    The answers are listed the way the page's language lists alternatives; answers
    that are phrases of their own ("Yes, all of these are true") would make a list
    nobody can read, so then it says 'Select an answer'.
    """
    if any("," in o.label or len(o.label.split()) > 3 for o in question.options):
        return gettext("Select an answer")
    labels = [o.label[:1].lower() + o.label[1:] for o in question.options]
    listed = format_list(labels, style="or", locale=get_locale())
    message: str = gettext("Select %(answers)s", answers=listed)
    return message


class AnswerField(RadioField):
    """Radios that accept only the question's own options, with the question's message.

    The message is worked out only when it is needed: most answers are valid.
    """

    question: Question | None = None

    def problem(self) -> str:
        """'Select yes, no or not sure', in the page's language."""
        return choose_message(self.question) if self.question else gettext("Select an answer")

    def pre_validate(self, form: BaseForm) -> None:
        """Reject a value the question does not offer (a missing one is answer_required's)."""
        offered = {choice[0] for choice in self.choices or ()}
        if self.data is not None and self.data not in offered:
            raise StopValidation(self.problem())


def answer_required(form: BaseForm, field: AnswerField) -> None:
    """InputRequired, with the question's own message."""
    if not (field.raw_data and field.raw_data[0]):
        field.errors = []
        raise StopValidation(field.problem())


class QuestionForm(FlaskForm):
    """The answer posted from a question's page (the view reads the page's other fields)."""

    class Meta:
        csrf = False

    answer = AnswerField(choices=[])


def question_form(
    question: Question, *, formdata: MultiDict[str, str] | None = None, **data: Any
) -> QuestionForm:
    """A form for the question, bound to posted ``formdata`` or filled from ``data``."""
    form = QuestionForm(formdata=formdata, data=data)
    form.answer.choices = [(o.value, o.label) for o in question.options]
    form.answer.question = question
    form.answer.validators = [answer_required]
    return form
