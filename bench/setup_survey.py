"""Create the benchmark's live 10-question survey (one page) with the ORM and print it as JSON.

Run with DJANGO_SETTINGS_MODULE=bench.settings and DATABASE_URL pointing at the benchmark database.
"""

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django

django.setup()

from django.db import transaction  # noqa: E402

from surveys.models import Choice, Question, Survey  # noqa: E402

PUBLIC_ID = "bench-submit"
QT = Question.Type

# (code, type, text_en, text_ru, required, extra)
QUESTIONS = [
    ("nps", QT.NPS, "How likely are you to recommend us to a friend?", "Порекомендуете ли вы нас другу?", True,
     {"labels": (("Not at all likely", "Совсем маловероятно"), ("Extremely likely", "Очень вероятно"))}),
    ("csat", QT.CSAT, "How satisfied are you with today's visit?", "Насколько вы довольны визитом?", True,
     {"labels": (("Very dissatisfied", "Совсем не доволен"), ("Very satisfied", "Очень доволен"))}),
    ("ces", QT.CES, "How easy was it to find what you needed?", "Легко ли было найти нужное?", True, {}),
    ("staff", QT.RATING, "Rate the advice from our staff", "Оцените консультацию продавцов", True,
     {"scale": (1, 5)}),
    ("frequency", QT.SINGLE, "How often do you shop with us?", "Как часто вы у нас покупаете?", True,
     {"choices": [("Every week", "Каждую неделю"), ("Every month", "Каждый месяц"),
                  ("A few times a year", "Несколько раз в год"), ("Rarely", "Редко")]}),
    ("improve", QT.MULTIPLE, "What should we improve first?", "Что нам улучшить в первую очередь?", True,
     {"choices": [("Products in stock", "Наличие товара"), ("Queues at the till", "Очереди на кассе"),
                  ("Advice from staff", "Консультации продавцов"), ("Prices", "Цены"),
                  ("Cleanliness", "Чистота")]}),
    ("polite", QT.YES_NO, "Were you served politely?", "Вас обслужили вежливо?", True, {}),
    ("value", QT.RATING, "Rate the value for money", "Оцените соотношение цены и качества", True,
     {"scale": (0, 10)}),
    ("visit_reason", QT.SHORT_TEXT, "What did you come for?", "Зачем вы пришли?", False, {}),
    ("comment", QT.LONG_TEXT, "What is the one thing we should do better?", "Что нам сделать лучше?", False, {}),
]  # fmt: skip


@transaction.atomic
def create() -> Survey:
    Survey.objects.filter(public_id=PUBLIC_ID).delete()
    survey = Survey.objects.create(
        public_id=PUBLIC_ID,
        name="Benchmark: store visit (10 questions)",
        status=Survey.Status.LIVE,
        title_en="Your visit",
        title_ru="Ваш визит",
        intro_en="Ten questions on one page.",
        intro_ru="Десять вопросов на одной странице.",
        thank_you_en="Thank you!",
        thank_you_ru="Спасибо!",
        default_language="ru",
    )
    for order, (code, qtype, text_en, text_ru, required, extra) in enumerate(QUESTIONS):
        labels = extra.get("labels", (("", ""), ("", "")))
        low, high = extra.get("scale", (None, None))
        question = Question.objects.create(
            survey=survey, page=1, order=order, code=code, type=qtype, text_en=text_en, text_ru=text_ru,
            required=required, scale_min=low, scale_max=high,
            low_label_en=labels[0][0], low_label_ru=labels[0][1],
            high_label_en=labels[1][0], high_label_ru=labels[1][1],
        )  # fmt: skip
        question.full_clean()
        for choice_order, (choice_en, choice_ru) in enumerate(extra.get("choices", [])):
            Choice.objects.create(question=question, order=choice_order, text_en=choice_en, text_ru=choice_ru)
    return survey


def describe(survey: Survey) -> dict:
    return {
        "survey_id": survey.pk,
        "public_id": survey.public_id,
        "questions": [
            {
                "id": q.pk,
                "code": q.code,
                "type": q.type,
                "scale": list(q.scale) if q.scale else None,
                "choices": [c.pk for c in q.choices.order_by("order", "id")],
            }
            for q in survey.questions.order_by("page", "order", "id")
        ],
    }


if __name__ == "__main__":
    print(json.dumps(describe(create())))
