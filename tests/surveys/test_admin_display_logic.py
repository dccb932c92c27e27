"""A display-logic error in the survey's question list is shown, its section open, not hidden behind a closed one."""

import re

import pytest

from surveys.models import Question
from tests.surveys.factories import QuestionFactory, SurveyFactory

pytestmark = pytest.mark.django_db


def form_data(response) -> dict:
    """What the browser would send back: every field of the change form and its inline forms, as shown."""
    data = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data.update({management.add_prefix(name): value for name, value in management.initial.items()})
        forms += list(inline.formset.forms)
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is None or value is False:
                continue
            key = form.add_prefix(name)
            data[key] = [str(v) for v in value] if isinstance(value, list | tuple) else value
    return data


def test_a_display_logic_error_opens_its_section(admin_client):
    survey = SurveyFactory(status="draft")
    first = QuestionFactory(survey=survey, code="nps", type=Question.Type.NPS, page=1, order=1)
    later = QuestionFactory(survey=survey, code="later", type=Question.Type.NPS, page=2, order=1)
    url = f"/admin/surveys/survey/{survey.pk}/change/"
    data = form_data(admin_client.get(url))
    prefix = next(
        key[: -len("-id")] for key, value in data.items() if key.endswith("-id") and str(value) == str(first.pk)
    )
    data.update({f"{prefix}-show_if_question": str(later.pk), f"{prefix}-show_if_operator": "lte",
                 f"{prefix}-show_if_value": "6"})  # fmt: skip
    response = admin_client.post(url, data, headers={"accept-language": "en"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "The condition must use an earlier question of the same survey." in html
    # The question with the error: its display-logic section is open (not a closed <details>); the other
    # question's stays folded.
    heading = re.search(rf'<h4 id="{prefix}-2-heading" class="fieldset-heading">Display logic</h4>', html)
    assert heading is not None and "<summary>" not in html[heading.start() - 60 : heading.start()]
    other = "questions-1" if prefix == "questions-0" else "questions-0"
    folded = re.search(rf'<h4 id="{other}-2-heading" class="fieldset-heading">Display logic</h4>', html)
    assert folded is not None and "<summary>" in html[folded.start() - 60 : folded.start()]
