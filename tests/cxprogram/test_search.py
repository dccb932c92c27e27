"""Search reads Russian as people type it, on SQLite and PostgreSQL alike: any case, `ё` and `е` the same."""

import pytest

from cxprogram.models import Customer
from surveys.links import ResponseContext
from surveys.models import Question
from surveys.services.responses import response_submit
from tests.cxprogram.factories import CustomerFactory
from tests.surveys.factories import QuestionFactory, SurveyFactory

pytestmark = pytest.mark.django_db
QT = Question.Type


@pytest.fixture
def people(org):
    store = org["units"]["north_store"]
    for external_id, name in [("Y1", "Пётр Яковлев"), ("Y2", "Анна ЯКОВЛЕВА"), ("E1", "Ёлкин Иван"),
                              ("E2", "Елкина Мария"), ("P1", "100% Хлопок_Ltd"), ("A1", "Olga Smith")]:  # fmt: skip
        CustomerFactory(external_id=external_id, name=name, home_unit=store)
    return org


@pytest.mark.parametrize(
    ("words", "found"),
    [
        ("яковлев", ["Y1", "Y2"]),
        ("Яковлев", ["Y1", "Y2"]),
        ("ЯКОВЛЕВА", ["Y2"]),
        ("ёлкин", ["E1", "E2"]),
        ("елкин", ["E1", "E2"]),
        ("ЕЛКИНА", ["E2"]),
        ("OLGA", ["A1"]),
        ("100%", ["P1"]),
        ("%", ["P1"]),  # a LIKE wildcard typed by a person is a literal character
        ("_", ["P1"]),
        ("я_ковлев", []),
    ],
)
def test_names_are_found_in_any_case_and_with_either_e(people, words, found):
    assert sorted(Customer.objects.filter(name__unicontains=words).values_list("external_id", flat=True)) == found


def test_customer_search_page_finds_yakovlev_in_lower_case(client, people):
    client.force_login(people["people"]["lead"].user)
    page = client.get("/customers/", {"q": "яковлев"}).content.decode()
    assert "Пётр Яковлев" in page and "Анна ЯКОВЛЕВА" in page and "Olga Smith" not in page


def test_admin_customer_search_finds_a_lower_case_cyrillic_name(admin_client, people):
    page = admin_client.get("/admin/cxprogram/customer/", {"q": "ёлкина"}).content.decode()
    assert "Елкина Мария" in page and "Ёлкин Иван" not in page and "Пётр Яковлев" not in page


def test_comments_search_on_the_results_page_is_case_insensitive(client, org):
    survey = SurveyFactory(public_id="words", followup_enabled=False)
    nps = QuestionFactory(survey=survey, code="nps", type=QT.NPS)
    comment = QuestionFactory(survey=survey, code="comment", type=QT.LONG_TEXT)
    for score, text in [(9, "Хорошо, спасибо"), (10, "Очень хорошо!"), (3, "Плохо и долго"), (9, "Ёлка красивая")]:
        response_submit(survey=survey, questions=[nps, comment], answers={nps.pk: score, comment.pk: text},
                        language="ru", source="api", context=ResponseContext())  # fmt: skip
    client.force_login(org["people"]["lead"].user)
    for words, expected in [("хорошо", {"Хорошо, спасибо", "Очень хорошо!"}), ("ХОРОШО", {"Хорошо, спасибо",
                            "Очень хорошо!"}), ("елка", {"Ёлка красивая"}), ("плохо", {"Плохо и долго"})]:  # fmt: skip
        page = client.get(f"/results/{survey.public_id}/", {"q": words}).content.decode()
        shown = {
            text for text in ("Хорошо, спасибо", "Очень хорошо!", "Плохо и долго", "Ёлка красивая") if text in page
        }
        assert shown == expected, words


def test_customer_search_says_when_more_than_25_match(client, org):
    for i in range(26):
        CustomerFactory(external_id=f"K{i:02d}", name=f"Яковлев {i:02d}", home_unit=org["units"]["north_store"])
    client.force_login(org["people"]["lead"].user)
    client.cookies["django_language"] = "ru"
    page = client.get("/customers/", {"q": "яковлев"}).content.decode()
    assert page.count('href="/customers/') == 25
    assert "Показаны первые 25 подходящих покупателей; уточните имя, чтобы сузить поиск." in page
    CustomerFactory.reset_sequence()
    Customer.objects.filter(external_id="K25").delete()
    page = client.get("/customers/", {"q": "яковлев"}).content.decode()
    assert page.count('href="/customers/') == 25 and "Показаны первые" not in page


def test_results_say_how_many_comments_and_that_more_follow(client, org):
    survey = SurveyFactory(public_id="many", followup_enabled=False)
    comment = QuestionFactory(survey=survey, code="comment", type=QT.LONG_TEXT)
    for i in range(22):
        response_submit(survey=survey, questions=[comment], answers={comment.pk: f"Отзыв {i}"}, language="ru",
                        source="api", context=ResponseContext())  # fmt: skip
    client.force_login(org["people"]["lead"].user)
    client.cookies["django_language"] = "ru"
    page = client.get(f"/results/{survey.public_id}/").content.decode()
    assert "22 комментария в этой выборке · более ранние — на следующих страницах" in page
    page = client.get(f"/results/{survey.public_id}/", {"q": "отзыв 1"}).content.decode()  # 1, 10..19
    assert "11 комментариев в этой выборке" in page and "более ранние" not in page
