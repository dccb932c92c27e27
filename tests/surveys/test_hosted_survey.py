"""The hosted survey page: validation of every question type, display logic, pages and languages."""

import pytest
from django.db import connection

from surveys.models import Answer, Question, Response
from tests.surveys.conftest import form_state, submit
from tests.surveys.factories import ChoiceFactory, QuestionFactory, SurveyFactory

pytestmark = pytest.mark.django_db
QT = Question.Type
URL = "/s/all-types/"


def valid(q, choices):
    return {
        f"q{q['nps'].pk}": "9",
        f"q{q['csat'].pk}": "4",
        f"q{q['ces'].pk}": "2",
        f"q{q['rating'].pk}": "3",
        f"q{q['single'].pk}": str(choices["single"][1].pk),
        f"q{q['multiple'].pk}": [str(choices["multiple"][0].pk), str(choices["multiple"][2].pk)],
        f"q{q['yes_no'].pk}": "0",
        f"q{q['short'].pk}": "  Quick  ",
        f"q{q['long'].pk}": "Спасибо, всё отлично!",
    }


def test_a_complete_answer_is_saved_in_typed_columns(client, every_type):
    survey, q, choices = every_type
    response = submit(client, URL, valid(q, choices), headers={"accept-language": "en"})
    assert response.status_code == 302
    assert response.url == "/s/all-types/thanks/happy/?lang=en"
    saved = Response.objects.get()
    assert (saved.survey, saved.source, saved.language) == (survey, "public_link", "en")
    rows = {
        (a.question.code, a.number, a.choice.text_en if a.choice else None, a.text)
        for a in Answer.objects.select_related("question", "choice")
    }
    assert rows == {
        ("nps", 9, None, ""),
        ("csat", 4, None, ""),
        ("ces", 2, None, ""),
        ("rating", 3, None, ""),
        ("single", None, "Blue", ""),
        ("multiple", None, "Tea", ""),
        ("multiple", None, "Milk", ""),
        ("yes_no", 0, None, ""),
        ("short", None, None, "Quick"),
        ("long", None, None, "Спасибо, всё отлично!"),
    }


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("nps", "11", "Select a valid choice. 11 is not one of the available choices."),
        ("nps", "", "Please answer this question."),
        ("csat", "0", "Select a valid choice. 0 is not one of the available choices."),
        ("ces", "8", "Select a valid choice. 8 is not one of the available choices."),
        ("rating", "5", "Select a valid choice. 5 is not one of the available choices."),
        ("single", "999999", "Select a valid choice. 999999 is not one of the available choices."),
        ("yes_no", "2", "Select a valid choice. 2 is not one of the available choices."),
        ("long", "x" * 51, "Ensure this value has at most 50 characters (it has 51)."),
    ],
)
def test_each_type_rejects_bad_answers_next_to_the_field(client, every_type, field, value, message):
    _survey, q, choices = every_type
    answers = valid(q, choices) | {f"q{q[field].pk}": value}
    response = submit(client, URL, answers, headers={"accept-language": "en"})
    assert response.status_code == 400
    page = response.content.decode()
    assert f'<p class="field-message" id="id_q{q[field].pk}_error">{message}</p>' in page
    assert f'<a href="#id_q{q[field].pk}">' in page  # the error summary links to the field
    assert Response.objects.count() == 0


def test_a_choice_of_another_question_is_refused(client, every_type):
    _survey, q, choices = every_type
    foreign = choices["multiple"][0].pk
    response = submit(client, URL, valid(q, choices) | {f"q{q['single'].pk}": str(foreign)})
    assert response.status_code == 400
    assert f"{foreign} is not one of the available choices" in response.content.decode()


def test_typed_text_is_kept_when_another_answer_is_wrong(client, every_type):
    _survey, q, choices = every_type
    answers = valid(q, choices) | {f"q{q['nps'].pk}": "", f"q{q['short'].pk}": "Моя мысль"}
    page = submit(client, URL, answers).content.decode()
    assert 'value="Моя мысль"' in page
    assert f'name="q{q["csat"].pk}" value="4" checked' in page


def test_errors_are_in_the_customers_language(client, every_type):
    _survey, q, choices = every_type
    answers = valid(q, choices) | {f"q{q['nps'].pk}": ""}
    page = submit(client, URL + "?lang=ru", answers).content.decode()
    assert '<html lang="ru">' in page
    assert "Пожалуйста, ответьте на этот вопрос." in page
    assert "Вопрос nps" in page


@pytest.fixture
def logic_survey(db):
    """Page 1: NPS; page 2: 'what to improve' only when NPS ≤ 6, then 'which' only when 'Prices' chosen; page 3."""
    survey = SurveyFactory(public_id="logic")
    nps = QuestionFactory(survey=survey, code="nps", page=1)
    improve = QuestionFactory(survey=survey, code="improve", page=2, type=QT.MULTIPLE)
    prices = ChoiceFactory(question=improve, text_en="Prices")
    ChoiceFactory(question=improve, text_en="Queues")
    improve.show_if_question, improve.show_if_operator, improve.show_if_value = nps, "lte", 6
    improve.save()
    which = QuestionFactory(
        survey=survey, code="which", page=2, type=QT.SHORT_TEXT, show_if_question=improve, show_if_operator="chose",
        show_if_choice=prices,
    )  # fmt: skip
    final = QuestionFactory(survey=survey, code="final", page=3, type=QT.YES_NO)
    return survey, {"nps": nps, "improve": improve, "which": which, "final": final, "prices": prices}


def walk(client, url, pages: list[dict]):
    """Answer page after page, following the hidden state; returns the last response."""
    response = client.get(url)
    for answers in pages:
        data = {**form_state(response.content.decode()), "next": "1", **answers}
        response = client.post(url, data)
    return response


def test_detractor_sees_the_follow_up_and_a_promoter_skips_it(client, logic_survey):
    _survey, q = logic_survey
    page2 = walk(client, "/s/logic/", [{f"q{q['nps'].pk}": "4"}]).content.decode()
    assert "Page 2 of 3" in page2
    assert f'name="q{q["improve"].pk}"' in page2

    promoter = walk(client, "/s/logic/", [{f"q{q['nps'].pk}": "10"}]).content.decode()
    assert "Page 3 of 3" in promoter  # page 2 has nothing to show a promoter
    assert f'name="q{q["improve"].pk}"' not in promoter


def test_hidden_questions_are_not_required_and_their_answers_are_dropped(client, logic_survey):
    _survey, q = logic_survey
    # A promoter who somehow sends an answer to the hidden question (e.g. a crafted POST) stores nothing for it.
    response = walk(
        client,
        "/s/logic/",
        [{f"q{q['nps'].pk}": "10", f"q{q['improve'].pk}": str(q["prices"].pk)}, {f"q{q['final'].pk}": "1"}],
    )
    assert response.status_code == 302
    assert sorted(Answer.objects.values_list("question__code", flat=True)) == ["final", "nps"]


def test_same_page_condition_on_a_choice(client, logic_survey):
    _survey, q = logic_survey
    pages = [
        {f"q{q['nps'].pk}": "3"},
        {f"q{q['improve'].pk}": str(q["prices"].pk)},  # 'which' is shown (Prices chosen) and required
    ]
    response = walk(client, "/s/logic/", pages)
    assert response.status_code == 400
    assert f'id="id_q{q["which"].pk}_error">Please answer this question.' in response.content.decode()


def test_back_keeps_earlier_answers(client, logic_survey):
    _survey, q = logic_survey
    response = walk(client, "/s/logic/", [{f"q{q['nps'].pk}": "5"}])
    data = {**form_state(response.content.decode()), "back": "1"}
    page1 = client.post("/s/logic/", data).content.decode()
    assert "Page 1 of 3" in page1
    assert f'name="q{q["nps"].pk}" value="5" checked' in page1


def test_tampered_state_is_refused_politely(client, logic_survey):
    response = client.get("/s/logic/")
    data = {**form_state(response.content.decode()), "next": "1"}
    data["state"] = data["state"][:-2] + "xx"
    response = client.post("/s/logic/", data, headers={"accept-language": "en"})
    assert response.status_code == 400
    assert "This page has expired" in response.content.decode()
    assert Response.objects.count() == 0


def test_language_switch_keeps_the_page_and_answers(client, logic_survey):
    _survey, q = logic_survey
    response = walk(client, "/s/logic/", [{f"q{q['nps'].pk}": "2"}])
    data = {
        **form_state(response.content.decode()),
        "switch_language": "ru",
        f"q{q['improve'].pk}": str(q["prices"].pk),
    }
    page = client.post("/s/logic/", data)
    html = page.content.decode()
    assert page.status_code == 200
    assert '<html lang="ru">' in html
    assert "Вопрос improve" in html
    assert f'value="{q["prices"].pk}" checked' in html
    assert 'class="field-message"' not in html


def test_language_comes_from_the_browser_then_the_survey(client, logic_survey):
    assert '<html lang="en">' in client.get("/s/logic/", headers={"accept-language": "en-GB"}).content.decode()
    logic_survey[0].default_language = "ru"
    logic_survey[0].save()
    assert '<html lang="ru">' in client.get("/s/logic/").content.decode()  # the survey's default language


@pytest.mark.parametrize(
    ("status", "code", "text"),
    [("draft", 404, "This survey has not started yet"), ("closed", 410, "This survey has ended")],
)
def test_draft_and_closed_surveys_say_so(client, status, code, text):
    SurveyFactory(public_id="s1", status=status)
    response = client.get("/s/s1/", headers={"accept-language": "en"})
    assert response.status_code == code
    assert text in response.content.decode()


def test_staff_can_preview_a_draft_without_saving(admin_client):
    survey = SurveyFactory(public_id="draft1", status="draft")
    nps = QuestionFactory(survey=survey)
    page = admin_client.get("/s/draft1/?preview=1", headers={"accept-language": "en"})
    assert "Preview: answers are not saved." in page.content.decode()
    data = {**form_state(page.content.decode()), "next": "1", f"q{nps.pk}": "7"}
    response = admin_client.post("/s/draft1/?preview=1", data, headers={"accept-language": "en"})
    assert "Preview: the answers were not saved." in response.content.decode()
    assert Response.objects.count() == 0


def test_thank_you_text_follows_the_score_band(client):
    survey = SurveyFactory(
        public_id="bands", thank_you_en="Thanks.", thank_you_unhappy_en="Sorry!", thank_you_happy_en="Yay!"
    )
    nps = QuestionFactory(survey=survey)
    for score, text in [("2", "Sorry!"), ("8", "Thanks."), ("10", "Yay!")]:
        response = submit(client, "/s/bands/?lang=en", {f"q{nps.pk}": score})
        assert text in client.get(response.url).content.decode()


def test_the_thank_you_page_offers_the_write_to_us_form_in_the_customers_language(client):
    survey = SurveyFactory(public_id="thanks-write")
    nps = QuestionFactory(survey=survey)
    response = submit(client, "/s/thanks-write/?lang=ru", {f"q{nps.pk}": "9"})
    thanks = client.get(response.url).content.decode()
    assert '<a href="/write/">Хотите рассказать что-то ещё? Напишите нам</a>' in thanks


def test_query_counts_do_not_grow_with_questions(client, every_type, django_assert_num_queries):
    _survey, q, choices = every_type
    with django_assert_num_queries(4):  # the survey's version, then survey, questions, choices (first load)
        client.get(URL)
    with django_assert_num_queries(1):  # the definition is reused while the survey has not changed
        page = client.get(URL)
    data = {**form_state(page.content.decode()), "next": "1", **valid(q, choices)}
    # Version (and whether a webhook listens: none), savepoint, on PostgreSQL one statement for the rows and the
    # rollups, on SQLite response, answers and one upsert per rollup table; release.
    with django_assert_num_queries(4 if connection.vendor == "postgresql" else 9):
        assert client.post(URL, data).status_code == 302


def test_editing_a_question_in_the_admin_reaches_the_hosted_page_at_once(admin_client, client, every_type):
    _survey, q, _choices = every_type
    assert "Question nps" in client.get(URL).content.decode()
    question = q["nps"]
    data = {
        "survey": question.survey_id, "page": 1, "order": question.order, "code": "nps", "type": "nps",
        "required": "on", "text_en": "How likely are you to recommend us?", "text_ru": question.text_ru,
        "choices-TOTAL_FORMS": "0", "choices-INITIAL_FORMS": "0",
    }  # fmt: skip
    assert admin_client.post(f"/admin/surveys/question/{question.pk}/change/", data).status_code == 302
    assert "How likely are you to recommend us?" in client.get(URL).content.decode()
