"""The text analytics API: POST /api/v1/text/analyse/ (CX leads and managers), and responses carrying their
comments' themes and sentiment, filterable by them, with personal data masked except for CX leads."""

import pytest

from surveys.models import Answer, CommentAnalysis, Question
from surveys.services.text import response_comments_analyse, taxonomy_seed_retail

URL = "/api/v1/text/analyse/"


@pytest.fixture
def retail(db):
    taxonomy_seed_retail()


@pytest.mark.parametrize("who", ["lead", "store_manager"])
def test_analyse_answers_the_documented_shape(api, retail, who):
    text = "Курьер опоздал, но сборщик собрал шкаф быстро"
    reply = api(who).post(URL, {"text": text, "language": None}, format="json")
    assert reply.status_code == 200
    body = reply.json()
    assert set(body) == {"language", "sentiment", "score", "themes", "mentions"}
    assert body["language"] == "ru"
    assert body["themes"] == ["assembly", "delivery", "delivery_couriers", "delivery_time"]
    by_theme = {m["theme"]: m for m in body["mentions"]}
    assert by_theme["delivery_couriers"] == {"theme": "delivery_couriers", "sentiment": "negative", "start": 0,
                                             "end": 6}  # fmt: skip
    assert text[0:6] == "Курьер"
    assert text[by_theme["delivery_time"]["start"] : by_theme["delivery_time"]["end"]] == "опоздал"
    assert by_theme["delivery_time"]["sentiment"] == "negative"
    assert by_theme["assembly"]["sentiment"] == "positive"
    assert text[by_theme["assembly"]["start"] : by_theme["assembly"]["end"]] == "сборщик собрал"
    assert body["sentiment"] in {"negative", "neutral", "positive"}
    assert -1 <= body["score"] <= 1


def test_analyse_english_and_a_given_language(api, retail):
    body = api("lead").post(URL, {"text": "The staff were not very polite", "language": "en"}, format="json").json()
    assert (body["language"], body["sentiment"], body["themes"]) == ("en", "negative", ["staff", "staff_politeness"])


@pytest.mark.parametrize(("who", "status"), [("anonymous", 401), ("alice", 403), ("bob", 403)])
def test_analyse_is_for_leads_and_managers(api, retail, who, status):
    assert api(who).post(URL, {"text": "Хамство"}, format="json").status_code == status


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "text"),
        ({"text": ""}, "text"),
        ({"text": "x" * 10_001}, "text"),
        ({"text": "ok", "language": "de"}, "language"),
        ({"text": ["a", "b"]}, "text"),
    ],
)
def test_analyse_bad_input_is_a_400_naming_the_field(api, retail, payload, field):
    reply = api("lead").post(URL, payload, format="json")
    assert reply.status_code == 400
    assert list(reply.json()["errors"]) == [field]


@pytest.fixture
def analysed(program, retail):
    """The north store's comment carries personal data; both stores' comments are analysed."""
    north = program["responses"]["north"]
    Answer.objects.filter(response=north, question_type=Question.Type.LONG_TEXT).update(
        text="Rude staff. Call me: +7 916 123-45-67, anna@example.com"
    )
    for response in program["responses"].values():
        response_comments_analyse(response_id=response.pk)
    return program


def comment_of(body: dict) -> dict:
    return next(a for a in body["answers"] if a["type"] == "long_text")


def test_responses_carry_sentiment_and_themes(api, analysed):
    body = api("lead").get("/api/v1/responses/", {"survey": "visit"}).json()
    north = next(r for r in body["results"] if r["id"] == analysed["responses"]["north"].pk)
    comment = comment_of(north)
    assert comment["sentiment"] == "negative"
    assert comment["themes"] == ["staff", "staff_politeness"]
    assert comment["score"] == CommentAnalysis.objects.get(response=analysed["responses"]["north"]).score
    nps = next(a for a in north["answers"] if a["type"] == "nps")
    assert (nps["sentiment"], nps["score"], nps["themes"]) == (None, None, [])


def test_personal_data_is_masked_in_the_api_except_for_cx_leads(api, analysed):
    lead = comment_of(api("lead").get(f"/api/v1/responses/{analysed['responses']['north'].pk}/").json())
    manager = comment_of(api("store_manager").get(f"/api/v1/responses/{analysed['responses']['north'].pk}/").json())
    assert lead["text"] == "Rude staff. Call me: +7 916 123-45-67, anna@example.com"
    assert manager["text"] == "Rude staff. Call me: •••67, •••@•••"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"theme": "staff"}, ["north"]),
        ({"theme": "staff", "sentiment": "positive"}, []),
        ({"theme": "staff", "sentiment": "negative"}, ["north"]),
        ({"sentiment": "negative"}, ["north"]),
        ({"theme": "delivery"}, []),
        ({"theme": "no-such-theme"}, []),
    ],
)
def test_responses_filter_by_theme_and_sentiment(api, analysed, query, expected):
    body = api("lead").get("/api/v1/responses/", {"survey": "visit", **query}).json()
    ids = {r["id"] for r in body["results"]}
    assert ids == {analysed["responses"][name].pk for name in expected}


def test_a_manager_filtering_by_theme_still_sees_only_their_units(api, analysed):
    body = api("south_manager").get("/api/v1/responses/", {"theme": "staff"}).json()
    assert body["results"] == []


def test_cases_filter_by_theme(api, analysed):
    body = api("lead").get("/api/v1/followups/", {"theme": "staff_politeness"}).json()
    assert [c["id"] for c in body["results"]] == [analysed["cases"]["north"].pk]


def test_bad_sentiment_is_a_400(api, analysed):
    reply = api("lead").get("/api/v1/responses/", {"sentiment": "angry"})
    assert reply.status_code == 400
    assert list(reply.json()["errors"]) == ["sentiment"]


def test_response_list_queries_do_not_grow_with_comments(api, analysed, django_assert_max_num_queries):
    client = api("lead")
    client.get("/api/v1/responses/")  # warm the token and the scope
    with django_assert_max_num_queries(9):
        client.get("/api/v1/responses/")
