"""Answers read as the customer gave them: the question's words and labelled values, in the reader's language,
on the case page and the customer's timeline — every answer type."""

import pytest

from surveys.answer_labels import answer_lines
from surveys.links import ResponseContext
from surveys.models import Question
from surveys.services.responses import response_submit
from tests.cxprogram.factories import CustomerFactory
from tests.surveys.factories import ChoiceFactory, QuestionFactory, SurveyFactory

QT = Question.Type
pytestmark = pytest.mark.django_db


@pytest.fixture
def detractor(org):
    """A Russian customer's unhappy answer to a survey with every answer type, Russian and English texts."""
    survey = SurveyFactory(public_id="labels", name="Визит")
    q = {
        "nps": QuestionFactory(survey=survey, code="nps", type=QT.NPS, text_en="Would you recommend us?",
                               text_ru="Порекомендуете ли вы нас?"),
        "csat": QuestionFactory(survey=survey, code="csat", type=QT.CSAT, text_en="Satisfied?", text_ru="Довольны?"),
        "rating": QuestionFactory(survey=survey, code="polite", type=QT.RATING, scale_min=1, scale_max=5,
                                  text_en="Was the staff polite?", text_ru="Вежлив ли персонал?",
                                  low_label_en="Rude", low_label_ru="Грубо", high_label_en="Very",
                                  high_label_ru="Очень"),
        "single": QuestionFactory(survey=survey, code="reason", type=QT.SINGLE, text_en="Main reason",
                                  text_ru="Главная причина"),
        "multiple": QuestionFactory(survey=survey, code="bought", type=QT.MULTIPLE, text_en="What did you buy?",
                                    text_ru="Что вы купили?"),
        "contact": QuestionFactory(survey=survey, code="contact_me", type=QT.YES_NO, text_en="May we call you?",
                                   text_ru="Можно вам позвонить?"),
        "comment": QuestionFactory(survey=survey, code="comment", type=QT.LONG_TEXT, text_en="Anything else?",
                                   text_ru="Что-нибудь ещё?"),
    }  # fmt: skip
    prices = ChoiceFactory(question=q["single"], order=1, text_en="Prices", text_ru="Цены")
    ChoiceFactory(question=q["single"], order=2, text_en="Staff", text_ru="Персонал")
    sofa = ChoiceFactory(question=q["multiple"], order=1, text_en="Sofa", text_ru="Диван")
    lamp = ChoiceFactory(question=q["multiple"], order=2, text_en="Lamp", text_ru="Лампа")
    customer = CustomerFactory(external_id="C-7", name="Пётр Яковлев", home_unit=org["units"]["north_store"])
    response = response_submit(
        survey=survey, questions=list(q.values()), language="ru", source="api", customer=customer,
        context=ResponseContext(unit=org["units"]["north_store"]),
        answers={q["nps"].pk: 3, q["csat"].pk: 2, q["rating"].pk: 1, q["single"].pk: prices.pk,
                 q["multiple"].pk: [lamp.pk, sofa.pk], q["contact"].pk: 0, q["comment"].pk: "Диван с царапиной"},
    )  # fmt: skip
    return response, customer


EXPECTED_RU = [
    ("Порекомендуете ли вы нас?", "3 по шкале 0–10", "unhappy"),
    ("Довольны?", "2 по шкале 1–5", "unhappy"),
    ("Вежлив ли персонал?", "1 по шкале 1–5 — Грубо", ""),
    ("Главная причина", "Цены", ""),
    ("Что вы купили?", "Диван; Лампа", ""),
    ("Можно вам позвонить?", "Нет", ""),
    ("Что-нибудь ещё?", "Диван с царапиной", ""),
]


def test_every_answer_type_is_labelled_in_the_readers_language(detractor):
    response, _customer = detractor
    answers = response.answers.select_related("question", "choice")
    assert [(line.text, line.value, line.band) for line in answer_lines(answers, "ru")] == EXPECTED_RU
    assert [(line.text, line.value) for line in answer_lines(answers, "en")] == [
        ("Would you recommend us?", "3 on a scale of 0–10"), ("Satisfied?", "2 on a scale of 1–5"),
        ("Was the staff polite?", "1 on a scale of 1–5 — Rude"), ("Main reason", "Prices"),
        ("What did you buy?", "Sofa; Lamp"), ("May we call you?", "No"), ("Anything else?", "Диван с царапиной"),
    ]  # fmt: skip


def test_the_case_page_and_the_timeline_show_questions_and_labelled_answers(client, detractor, org):
    response, customer = detractor
    client.force_login(org["people"]["lead"].user)
    client.cookies["django_language"] = "ru"
    case = client.get(f"/followups/{response.followup.pk}/").content.decode()
    timeline = client.get(f"/customers/{customer.pk}/").content.decode()
    for page in (case, timeline):
        for question, value, _band in EXPECTED_RU:
            assert f"<dt>{question}</dt>" in page
            assert f">{value}<" in page or f"<q>{value}</q>" in page
        assert "polite" not in page and "contact_me" not in page  # no question codes, no raw values
    assert "Ответы и обращения по порядку" in timeline and "Everything in order" not in timeline
    assert "Всё в порядке" not in timeline
