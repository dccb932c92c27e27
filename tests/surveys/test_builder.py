"""The survey builder: a whole survey from a template in one POST (pages, order, both languages, display logic by
code before anything is saved), a readable public id checked for clashes, every problem at its field, copies,
answered surveys left alone, CX leads only, and a query count that does not grow with the questions."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from surveys.models import Question, Response, Survey
from surveys.services.responses import response_submit
from tests.surveys.factories import QuestionFactory, SurveyFactory

pytestmark = pytest.mark.django_db
BUILD = "/admin/surveys/build/"


def as_post(page) -> dict:
    """What a browser sends back for the builder as rendered: every field's current value."""
    form, questions = page.context["form"], page.context["questions"]
    data = {f.html_name: f.value() for f in form if f.value() not in (None, False)}
    data |= {f.html_name: f.value() for f in questions.management_form}
    for qform in questions:
        for f in qform:
            if f.value() not in (None, False, ""):
                data[f.html_name] = "on" if f.value() is True else f.value()
    return data


def test_a_template_becomes_a_three_page_survey_with_logic_in_one_save(admin_client):
    page = admin_client.get(f"{BUILD}?template=store-visit")
    assert page.status_code == 200
    data = as_post(page) | {"public_id": "moscow-visit", "name": "Moscow visit"}
    saved = admin_client.post(BUILD, data, follow=True)
    assert "The survey “Moscow visit” is saved as a draft." in saved.content.decode()
    survey = Survey.objects.get(public_id="moscow-visit")
    assert survey.status == Survey.Status.DRAFT and saved.redirect_chain[-1][0] == f"{BUILD}{survey.pk}/"
    questions = list(survey.questions.order_by("page", "order"))
    assert [(q.code, q.page, q.type) for q in questions] == [
        ("nps", 1, "nps"), ("found", 2, "yes_no"), ("staff", 2, "csat"), ("comment", 3, "long_text"),
    ]  # fmt: skip
    comment = questions[-1]
    assert (comment.show_if_question.code, comment.show_if_operator, comment.show_if_value) == ("nps", "lte", 8)
    assert comment.text_ru == "Что нам улучшить?" and comment.required is False


def test_questions_move_and_conditions_are_checked_before_saving(admin_client):
    data = as_post(admin_client.get(f"{BUILD}?template=transactional-csat")) | {"public_id": "csat-test"}
    # Move the "what went wrong" question (it depends on csat) above csat: its condition is now on a later question.
    data |= {"q-0-ORDER": "2", "q-1-ORDER": "1", "q-1-page": "1"}
    refused = admin_client.post(BUILD, data)
    assert refused.status_code == 400
    page = refused.content.decode()
    assert "The condition must use an earlier question (csat is not before this one)." in page
    assert 'id="error-summary"' in page and not Survey.objects.filter(public_id="csat-test").exists()
    # Back in place, and a choice condition on it: "show the comment only if they chose Quality (2)".
    data |= {"q-0-ORDER": "1", "q-1-ORDER": "2", "q-1-page": "2",
             "q-2-show_if": "issue", "q-2-show_if_operator": "chose", "q-2-show_if_choice": "5"}  # fmt: skip
    assert "Give the number of one of that question" in admin_client.post(BUILD, data).content.decode()
    data["q-2-show_if_choice"] = "2"
    assert admin_client.post(BUILD, data).status_code == 302
    comment = Survey.objects.get(public_id="csat-test").questions.get(code="comment")
    assert (comment.show_if_operator, comment.show_if_choice.text_en) == ("chose", "Quality")


@pytest.mark.parametrize(
    ("public_id", "message"),
    [
        ("taken-one", "“taken-one” is taken; choose another public id."),
        ("i", "Ensure this value has at least 3 characters (it has 1)."),
        ("Store Visit", "Use 3–32 lower-case letters, digits and single hyphens, e.g. store-visit."),
        ("a--b", "Use 3–32 lower-case letters"),
    ],
)
def test_public_ids_are_readable_and_never_clash(admin_client, public_id, message):
    SurveyFactory(public_id="taken-one")
    data = as_post(admin_client.get(f"{BUILD}?template=ces-support")) | {"public_id": public_id}
    refused = admin_client.post(BUILD, data)
    assert refused.status_code == 400 and message in refused.content.decode()
    assert Survey.objects.count() == 1


def test_duplicate_and_edit_keep_logic_and_answered_surveys_are_left_alone(admin_client):
    admin_client.post(BUILD, as_post(admin_client.get(f"{BUILD}?template=relationship-nps")) | {"public_id": "rel"})
    original = Survey.objects.get(public_id="rel")
    copy = admin_client.get(f"{BUILD}?from={original.pk}")
    assert copy.context["form"].initial["public_id"] == "rel-copy"
    admin_client.post(BUILD, as_post(copy))
    duplicate = Survey.objects.get(public_id="rel-copy")
    assert duplicate.questions.get(code="why_high").show_if_question.survey == duplicate
    nps = original.questions.get(code="nps")
    response_submit(survey=original, questions=[nps], answers={nps.pk: 9}, language="en", source="api")
    edit = admin_client.get(f"{BUILD}{original.pk}/")
    assert "This survey has answers" in edit.content.decode()
    before = list(original.questions.values_list("pk", flat=True))
    admin_client.post(f"{BUILD}{original.pk}/", as_post(edit) | {"q-0-text_en": "Changed"})
    assert list(original.questions.values_list("pk", flat=True)) == before
    assert Response.objects.count() == 1


def test_only_cx_leads_build(client, org, admin_client):
    staff = org["people"]["store_manager"].user
    staff.is_staff = True
    staff.save(update_fields=["is_staff"])
    client.force_login(staff)
    assert client.get(f"{BUILD}?template=store-visit").status_code == 403  # the admin refuses a manager
    client.force_login(org["people"]["alice"].user)
    assert client.get(BUILD).status_code == 403  # not staff either


def test_builder_query_count_does_not_grow_with_questions(admin_client):
    survey = SurveyFactory(public_id="big")
    for i in range(3):
        QuestionFactory(survey=survey, code=f"q{i}", type=Question.Type.SINGLE, page=1 + i // 2)
    with CaptureQueriesContext(connection) as few:
        assert admin_client.get(f"{BUILD}{survey.pk}/").status_code == 200
    for i in range(3, 20):
        QuestionFactory(survey=survey, code=f"q{i}", type=Question.Type.SINGLE, page=1 + i // 2)
    with CaptureQueriesContext(connection) as many:
        assert admin_client.get(f"{BUILD}{survey.pk}/").status_code == 200
    assert len(many) == len(few) <= 12
