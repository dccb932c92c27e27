"""Authoring in the admin: questions keep their type once answered, actions, the link builder."""

import pytest

from surveys.models import Question, Response, Survey
from surveys.services.responses import response_submit
from tests.cxprogram.factories import UnitFactory
from tests.surveys.factories import QuestionFactory, SurveyFactory

pytestmark = pytest.mark.django_db


def question_post(question: Question, **changes) -> dict:
    data = {
        "survey": question.survey_id, "page": question.page, "order": question.order, "code": question.code,
        "type": question.type, "required": "on", "text_en": question.text_en, "text_ru": question.text_ru,
        "choices-TOTAL_FORMS": "0", "choices-INITIAL_FORMS": "0",
    }  # fmt: skip
    return data | changes


def test_an_answered_question_keeps_its_type_but_wording_can_change(admin_client):
    question = QuestionFactory(type=Question.Type.NPS)
    response_submit(survey=question.survey, questions=[question], answers={question.pk: 8}, language="en", source="api")
    url = f"/admin/surveys/question/{question.pk}/change/"

    refused = admin_client.post(url, question_post(question, type="csat"))
    assert refused.status_code == 200
    assert "This question has answers already: its type and scale cannot change." in refused.content.decode()

    accepted = admin_client.post(url, question_post(question, text_en="How likely are you to recommend us?"))
    assert accepted.status_code == 302
    question.refresh_from_db()
    assert (question.type, question.text_en) == ("nps", "How likely are you to recommend us?")


def test_changelist_shows_response_counts_and_links(admin_client):
    survey = SurveyFactory(name="Delivery", public_id="deliv")
    question = QuestionFactory(survey=survey)
    for score in (3, 9):
        response_submit(survey=survey, questions=[question], answers={question.pk: score}, language="en", source="api")
    page = admin_client.get("/admin/surveys/survey/").content.decode()
    assert f'<a href="/admin/surveys/response/?survey__id__exact={survey.pk}">2</a>' in page
    assert 'href="/s/deliv/?preview=1"' in page


def test_actions_publish_close_and_duplicate(admin_client):
    survey = SurveyFactory(status="draft", name="Pulse")
    QuestionFactory(survey=survey)
    for action, expected in [("publish", "live"), ("close", "closed")]:
        admin_client.post("/admin/surveys/survey/", {"action": action, "_selected_action": [survey.pk]})
        survey.refresh_from_db()
        assert survey.status == expected
    admin_client.post("/admin/surveys/survey/", {"action": "duplicate", "_selected_action": [survey.pk]})
    assert Survey.objects.get(name="Pulse (copy)").questions.count() == 1


def test_link_builder_signs_the_context(admin_client):
    survey = SurveyFactory(public_id="lb")
    store = UnitFactory(kind="company", parent=None)
    page = admin_client.get(f"/admin/surveys/survey/{survey.pk}/link/", {"unit": store.pk, "touchpoint": "checkout"})
    assert 'value="http://testserver/s/lb/?ctx=' in page.content.decode()


def test_responses_are_read_only_in_the_admin(admin_client):
    survey = SurveyFactory()
    question = QuestionFactory(survey=survey)
    response = response_submit(
        survey=survey, questions=[question], answers={question.pk: 5}, language="en", source="api"
    )
    assert admin_client.get("/admin/surveys/response/add/").status_code == 403
    page = admin_client.get(f"/admin/surveys/response/{response.pk}/change/")
    assert page.status_code == 200
    assert Response.objects.count() == 1


def test_a_condition_must_point_to_an_earlier_question():
    survey = SurveyFactory()
    later = QuestionFactory(survey=survey, page=2)
    first = QuestionFactory(survey=survey, page=1, show_if_question=later, show_if_operator="lte", show_if_value=6)
    with pytest.raises(Exception) as caught:
        first.full_clean()
    assert "The condition must use an earlier question of the same survey." in str(caught.value)
