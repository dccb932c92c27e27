"""The markup of a hosted survey page and of each question on it, in the customer's language."""

import re

from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.translation import gettext as _

from surveys.forms.responses import SurveyPageForm, field_name
from surveys.models import Question
from surveys.selectors.surveys import SurveyDefinition

# Stand-ins for what differs between visitors, put into the page rendered once and replaced in each copy. They
# are letters and digits only, so escaping leaves them as they are; what replaces them is escaped here.
SLOTS = {name: f"cxslot{name}7q" for name in ("csrf", "state", "human", "action", "ctx")}
_SLOT = re.compile("|".join(SLOTS.values()))
_NAMES = {mark: name for name, mark in SLOTS.items()}


def question_html(definition: SurveyDefinition, row: dict, language: str) -> str:
    """A question's markup; an unanswered question's markup is the same for every visitor, so it is reused
    (per process) while the survey's definition is unchanged."""
    if row["values"] or row["errors"] or row["text_value"]:
        return render_to_string("surveys/_question.html", {"row": row})
    key = ("block", language, row["question"].pk)
    if key not in definition.memo:
        definition.memo[key] = render_to_string("surveys/_question.html", {"row": row})
    return definition.memo[key]


def blank_rows(flow, page: int, shown: set[int]) -> list[dict]:
    """The rows of an unanswered page: the markup of each shown question, rendered once per version."""
    questions = [q for q in flow.page_questions(page) if q.pk in shown]
    memo = flow.definition.memo
    if any(("block", flow.language, q.pk) not in memo for q in questions):
        for row in question_rows(flow.form(page, {"a": {}}), flow.language):
            question_html(flow.definition, row, flow.language)
    return [{"question": q, "errors": [], "html": memo[("block", flow.language, q.pk)]} for q in questions]


def blank_page(flow, page: int, *, token: str, human: str) -> HttpResponse:
    """The first view of a page: rendered once per version, language and kind of link with stand-ins for the
    per-visitor values (CSRF token, page state, human key, address, link context), which are put in here."""
    key = ("page", page, flow.language, flow.asks_contact, bool(flow.ctx), flow.preview)
    pieces = flow.definition.memo.get(key)
    if pieces is None:
        context = flow.page_context(page, {"a": {}, "c": ""}) | {
            "state": SLOTS["state"], "human": SLOTS["human"], "action": SLOTS["action"], "csrf_token": SLOTS["csrf"],
        }  # fmt: skip
        if flow.ctx:
            context["ctx"] = SLOTS["ctx"]
        html = render_to_string("surveys/page.html", context)
        # Alternating text and slot names: [text, name, text, name, ..., text].
        pieces = flow.definition.memo[key] = [_NAMES.get(part, part) for part in re.split(f"({_SLOT.pattern})", html)]
    values = {
        "csrf": get_token(flow.request),  # also sends the CSRF cookie, as {% csrf_token %} does
        "state": escape(token),
        "human": escape(human),
        "action": escape(flow.request.get_full_path()),
        "ctx": escape(flow.ctx),
    }
    return HttpResponse("".join(part if i % 2 == 0 else values[part] for i, part in enumerate(pieces)))


def question_rows(form: SurveyPageForm, language: str, show_errors: bool = True) -> list[dict]:
    """What the template needs for each question, in the customer's language."""
    rows = []
    for question in form.questions:
        name = field_name(question)
        bound = form[name]
        value = bound.value()
        values = (
            {str(v) for v in value} if isinstance(value, list) else {str(value)} if value not in (None, "") else set()
        )
        options = []
        if question.scale is not None and question.type != Question.Type.YES_NO:
            low, high = question.scale
            options = [(str(n), str(n)) for n in range(low, high + 1)]
        elif question.type == Question.Type.YES_NO:
            options = [("1", _("Yes")), ("0", _("No"))]
        elif question.type in Question.CHOICE_TYPES:
            options = [(str(c.pk), c.localized("text", language)) for c in question.choices.all()]
        condition = None
        if question.show_if_question_id:
            condition = {
                "field": f"q{question.show_if_question_id}",
                "op": question.show_if_operator,
                "value": question.show_if_value if question.show_if_value is not None else "",
                "choice": question.show_if_choice_id or "",
            }
        rows.append(
            {
                "question": question,
                "name": name,
                "id": f"id_{name}",
                "text": question.localized("text", language),
                "help": question.localized("help", language),
                "low_label": question.localized("low_label", language),
                "high_label": question.localized("high_label", language),
                "options": options,
                "values": values,
                "text_value": value if question.type in Question.TEXT_TYPES and value else "",
                "errors": list(bound.errors) if show_errors else [],
                "is_scale": question.scale is not None and question.type != Question.Type.YES_NO,
                "is_text": question.type in Question.TEXT_TYPES,
                "multiple": question.type == Question.Type.MULTIPLE,
                "long": question.type == Question.Type.LONG_TEXT,
                "condition": condition,
            }
        )
    return rows
